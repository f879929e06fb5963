"""A session: names, phases, the round's clock (a fake one here), the log and the reveal."""

from __future__ import annotations

import pytest

from linkages_sim.workshop.classic import ClassicSettings, GameRuleError
from linkages_sim.workshop.reveal import room_reveal
from linkages_sim.workshop.room import Phase, Room, clean_name
from linkages_sim.workshop.views import facilitator_view, participant_view


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def room_of(clock, **settings) -> Room:
    return Room("ABCD", 7, ClassicSettings(**settings), clock=clock)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("  Ann   Lee ", "Ann Lee"), ("Bo\u202eb", "Bob"), ("Cy\x00\x07", "Cy"),
     ("<script>x</script>", "<script>x</script>")],
)  # fmt: skip
def test_names_are_cleaned_but_kept_as_typed_text(raw, shown):
    assert clean_name(raw) == shown


@pytest.mark.parametrize("raw", ["", "   ", "\x00", "x" * 25])
def test_empty_or_long_names_are_refused(raw):
    with pytest.raises(GameRuleError):
        clean_name(raw)


def test_a_name_is_taken_once_per_session(clock):
    room = room_of(clock)
    room.join("Ann")
    with pytest.raises(GameRuleError) as err:
        room.join(" ann ")
    assert err.value.code == "name_taken"


def test_the_round_closes_at_its_deadline_and_pause_freezes_the_clock(clock):
    room = room_of(clock, round_seconds=30, bot="all-d")
    room.join("Ann")
    room.join("Bob")
    room.open_round()
    room.submit(1, 1, "C")
    clock.now += 10
    assert room.remaining() == 20 and not room.tick()
    room.pause()
    clock.now += 100
    assert room.phase == Phase.PAUSED and room.remaining() == 20 and not room.tick()
    with pytest.raises(GameRuleError) as err:
        room.submit(2, 1, "C")
    assert err.value.code == "round_paused"
    room.resume()
    clock.now += 19.9
    assert not room.tick()
    clock.now += 0.2
    assert room.tick() and room.phase == Phase.CLOSED
    assert room.last_close_reason == "time"
    assert room.match.seat_of(2).by_bot == [True] and room.match.seat_of(2).moves == ["D"]


def test_the_round_closes_when_everyone_has_moved(clock):
    room = room_of(clock)
    for name in ("Ann", "Bob", "Cy"):
        room.join(name)
    room.open_round()
    assert not room.submit(1, 1, "C")
    assert not room.submit(2, 1, "D")
    assert room.submit(3, 1, "C")
    assert room.phase == Phase.CLOSED and room.last_close_reason == "everyone moved"


def test_phases_and_what_may_happen_in_each(clock):
    room = room_of(clock, rounds=1)
    with pytest.raises(GameRuleError, match="no one"):
        room.open_round()
    room.join("Ann")
    with pytest.raises(GameRuleError, match="nothing to reveal"):
        room.start_reveal()
    room.open_round()
    with pytest.raises(GameRuleError, match="already open"):
        room.open_round()
    with pytest.raises(GameRuleError, match="between matches"):
        room.update_settings(ClassicSettings())
    room.close_round()
    assert room.phase == Phase.OVER
    with pytest.raises(GameRuleError, match="over"):
        room.open_round()
    entries = room.start_reveal()
    assert room.phase == Phase.REVEALING and [e.name for e in entries] == ["Ann"]
    room.finish_reveal(room_reveal(entries, room.settings, room.seed, replays=5))
    assert room.phase == Phase.REVEALED
    room.reset()
    assert room.phase == Phase.LOBBY and room.match_index == 1 and room.reveal is None
    room.update_settings(ClassicSettings(rounds=3))


def test_revealing_mid_match_ends_it_early(clock):
    room = room_of(clock, rounds=10)
    room.join("Ann")
    room.open_round()
    room.close_round()
    entries = room.start_reveal()
    assert room.match.ended_early and len(entries[0].moves) == 1


def test_the_log_replays_the_same_session(clock):
    room = room_of(clock, noise=0.3, bot="gtft", rounds=4)
    for name in ("Ann", "Bob", "Cy"):
        room.join(name)
    room.open_round()
    room.submit(1, 1, "C")
    room.submit(3, 1, "D")
    room.close_round("time")
    room.open_round()
    room.submit(1, 2, "D")
    room.submit(2, 2, "D")
    room.submit(3, 2, "C")
    room.join("Dee")
    room.open_round()
    room.close_round()
    again = Room.replay("ABCD", room.log)

    def histories(r: Room):
        return [(s.occupant, s.intended, s.moves, s.by_bot, s.payoffs)
                for p in r.match.pairs for s in p.seats]  # fmt: skip

    assert histories(again) == histories(room)
    assert [p.token for p in again.participants.values()] == [
        p.token for p in room.participants.values()
    ]


def test_a_new_match_after_reset_draws_afresh(clock):
    room = room_of(clock, noise=0.5, rounds=12)
    room.join("Ann")
    for _ in range(12):
        room.open_round()
        room.close_round()
    first = list(room.match.pairs[0].seats[0].flipped)
    room.start_reveal()
    room.fail_reveal("x")
    room.reset()
    for _ in range(12):
        room.open_round()
        room.close_round()
    assert room.match.pairs[0].seats[0].flipped != first


def test_views_hold_what_each_page_may_see(clock):
    room = room_of(clock, continuation=0.9, rounds=30)
    a = room.join("Ann")
    room.join("Bob")
    room.open_round()
    room.submit(1, 1, "C")
    f = facilitator_view(room, "http://x/join?code=ABCD")
    assert f["round"]["moved"] == 1 and f["round"]["expected"] == 2
    assert f["length"]["rounds"] is None and f["length"]["hidden"]
    assert [p["moved"] for p in f["participants"]] == [True, False]
    p = participant_view(room, 1)
    assert p["your_move"] == "C" and p["partner"] == {"name": "Bob", "bot": False}
    assert p["length"]["rounds"] is None
    assert a.token not in str(participant_view(room, 2))
    assert "token" not in str(f)
