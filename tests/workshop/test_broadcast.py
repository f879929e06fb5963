"""Coalesced broadcasts, on the hub with fake websockets (no network, no timing asserted).

A burst of changes sends each page one view showing the final state, not one per change; a
record sent after a change arrives after the view of that change; a page whose socket is stuck
holds up no other page and is dropped once its send times out.
"""

from __future__ import annotations

import asyncio
import json

from linkages_sim.workshop import server
from linkages_sim.workshop.protocol import Hello
from linkages_sim.workshop.server import Connection, Hub, ServerConfig, TokenBucket

TOKEN = "f" * 48


class FakeSocket:
    """Keeps what is sent; ``stuck`` makes every send wait for ever (until it times out)."""

    def __init__(self, stuck: bool = False) -> None:
        self.sent: list[dict] = []
        self.stuck = stuck

    async def send_text(self, text: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.sent.append(json.loads(text))

    def states(self) -> list[dict]:
        return [m for m in self.sent if m["type"] == "state"]


async def settle(hub: Hub) -> None:
    """Until every send task of the hub has ended."""
    while hub.tasks:
        await asyncio.gather(*list(hub.tasks), return_exceptions=True)


async def room_with_pages(hub: Hub, people: int):
    """A session, ``people`` participants with a page each and the facilitator's page."""
    room = hub.create_room(seed=3)
    config = hub.config
    pages = []
    for k in range(people + 1):
        ws = FakeSocket()
        conn = Connection(ws, TokenBucket(config.rate_per_second, config.burst, config.clock))
        if k == 0:
            hello = Hello(type="hello", role="facilitator", token=TOKEN, code=room.code)
        else:
            p = room.join(f"P{k}")
            hello = Hello(type="hello", role="participant", token=p.token)
        await hub.hello(conn, hello)
        pages.append((conn, ws))
    await settle(hub)
    return room, pages


def test_a_burst_of_moves_sends_each_page_one_view_with_the_result():
    async def main() -> None:
        hub = Hub(ServerConfig(facilitator_token=TOKEN))
        room, pages = await room_with_pages(hub, people=6)
        await hub.control(room, "open_round")
        await settle(hub)
        before = [len(ws.states()) for _, ws in pages]
        for conn, _ in pages[1:]:  # six moves handled back to back, as in a burst
            await hub.handle(conn, json.dumps({"type": "move", "round": 1, "move": "C"}))
        await settle(hub)
        for (_, ws), n in zip(pages, before, strict=True):
            new = ws.states()[n:]
            assert len(new) == 1  # not one per move
            assert new[0]["round"]["played"] == 1  # the final state: the round's result

    asyncio.run(main())


def test_a_record_after_a_change_arrives_after_the_view_of_the_change():
    async def main() -> None:
        hub = Hub(ServerConfig(facilitator_token=TOKEN))
        room, pages = await room_with_pages(hub, people=2)
        _, ws = pages[1]
        await hub.control(room, "open_round")  # a view for every page is now pending
        await hub.handle(pages[1][0], json.dumps({"type": "move", "round": 2, "move": "C"}))
        await settle(hub)
        tail = [(m["type"], m.get("phase") or m.get("code")) for m in ws.sent[-2:]]
        assert tail == [("state", "open"), ("error", "wrong_round")]

    asyncio.run(main())


def test_a_stuck_page_holds_up_no_other_page_and_is_dropped(monkeypatch):
    monkeypatch.setattr(server, "SEND_TIMEOUT", 0.2)

    async def main() -> None:
        hub = Hub(ServerConfig(facilitator_token=TOKEN))
        room, pages = await room_with_pages(hub, people=3)
        stuck_conn, stuck_ws = pages[2]
        stuck_ws.stuck = True
        before = [len(ws.states()) for _, ws in pages]
        await hub.control(room, "open_round")
        others = [(ws, n) for k, ((_, ws), n) in enumerate(zip(pages, before, strict=True))
                  if k != 2]  # fmt: skip
        while any(len(ws.states()) == n for ws, n in others):
            await asyncio.sleep(0.001)
        assert stuck_conn.open  # the others have their view while it still waits
        await settle(hub)
        assert not stuck_conn.open and stuck_conn not in hub.connections[room.code]
        assert len(stuck_ws.states()) == before[2]
        assert not room.participants[stuck_conn.participant].connections

    asyncio.run(main())
