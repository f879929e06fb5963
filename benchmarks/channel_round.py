"""The channel game's market between two reviews (issue 14's performance requirement).

`python -m benchmarks.channel_round [--customers 100000] [--weeks 13] [--rounds 4]` builds the
browser workshop's channel game (`workshop.channel.ChannelGame`, the default market with every
contract reviewed every ``--weeks`` weeks, every seat left to its bot) and times each round's
close: the review with the seats' moves, the market simulated to the next review, and every
seat's KPIs over the round (what the room waits for after the last move). Also the game's
start (building the market). Target (issue 14): a quarter at 100,000 customers under 1 s.
`python -m benchmarks --only channel_round` runs the same measurement.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from benchmarks.workshop import load_note
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import load_scenario
from linkages_sim.workshop.channel import ChannelGame, ChannelSettings

TARGET_S = 1.0


@dataclass(frozen=True)
class Outcome:
    """Seconds to build the game's market and to close each round."""

    customers: int
    weeks: int
    build_s: float
    rounds_s: np.ndarray
    load: str

    def line(self) -> str:
        """The figure as one line, with the target's verdict."""
        met = "met" if np.median(self.rounds_s) < TARGET_S else "NOT met"
        return (f"channel game, {self.weeks} weeks between reviews at {self.customers:,} "
                f"customers: a round's close median {np.median(self.rounds_s):.2f} s (min "
                f"{self.rounds_s.min():.2f}, max {self.rounds_s.max():.2f}, {self.rounds_s.size} "
                f"rounds; target < {TARGET_S:.0f} s: {met}); building the market "
                f"{self.build_s:.2f} s; {self.load}")  # fmt: skip


def run(customers: int = 100_000, weeks: int = 13, rounds: int = 4, seed: int = 42) -> Outcome:
    """Build the game and close `rounds` rounds, every seat played by its contract's bot."""

    def every(data: dict) -> None:
        for c in data["contracts"]:
            c["review_every"] = weeks

    scenario = edit_scenario(load_scenario("default"), every, periods=weeks * rounds)
    load = load_note()  # numba's parallel kernels slow down many times on busy cores
    warm = ChannelGame(scenario, ChannelSettings(rounds=1, customers=1_000), seed, 0)
    warm.start()  # compile the kernels outside the figure
    warm.open()
    warm.close()
    game = ChannelGame(scenario, ChannelSettings(rounds=rounds, customers=customers), seed, 0)
    started = time.perf_counter()
    game.start()
    build = time.perf_counter() - started
    times = []
    for _ in range(rounds):
        game.open()
        started = time.perf_counter()
        game.close()
        times.append(time.perf_counter() - started)
    return Outcome(customers, weeks, build, np.array(times), load)


def main() -> None:
    """Print the figure."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.channel_round",
                                     description=__doc__)  # fmt: skip
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=13)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    print(run(args.customers, args.weeks, args.rounds).line())


if __name__ == "__main__":
    main()
