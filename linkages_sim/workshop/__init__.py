"""The browser workshop: a facilitator's projector page and participants on their phones.

`linkages workshop` serves it. It runs the workshop's first half, the classic iterated
prisoner's dilemma played in pairs, on the engine of `linkages_sim.game`, and its second half,
the channel game, where teams play the parties of the simulated market's contracts:

* `classic`: the room's match (seating, rounds, bots, noise, payoffs), free of time and I/O;
* `channel`: the channel game (seats, teams, the market advanced review by review), likewise;
* `room`: one session (participants, phase, the round's clock, the event log);
* `reveal`: the room's sequences against the strategy library, with spreads over replays;
* `store`: the event log in SQLite (append-only, written before each change is broadcast),
  and `store.restore`, which brings a session back after a restart (`--resume`);
* `debrief`: what a session leaves: moves and rounds (CSV, Parquet), the log, a report;
* `protocol`: the validated messages and error records; `views`: what each page is sent;
* `server`: the Starlette app (pages, API, websocket, replay, downloads); `serve`: the store,
  binding and uvicorn, and `--export`; `qr`.

See docs/workshop-browser.md.
"""
