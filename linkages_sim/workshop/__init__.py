"""The browser workshop: a facilitator's projector page and participants on their phones.

`linkages workshop` serves it. This first increment runs the workshop's first half, the
classic iterated prisoner's dilemma played in pairs, on the engine of `linkages_sim.game`:

* `classic`: the room's match (seating, rounds, bots, noise, payoffs), free of time and I/O;
* `room`: one session (participants, phase, the round's clock, the event log);
* `reveal`: the room's sequences against the strategy library, with spreads over replays;
* `protocol`: the validated messages and error records; `views`: what each page is sent;
* `server`: the Starlette app (pages, API, websocket); `serve`: binding and uvicorn; `qr`.

The channel game (teams playing a contract inside the simulated market), persistence,
resume and the debrief are later increments; see docs/workshop-browser.md.
"""
