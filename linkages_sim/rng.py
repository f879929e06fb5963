"""Random-number streams: one independent `numpy.random.Generator` per (purpose, key...).

Streams are derived from the run's seed with `SeedSequence` spawn keys, never by sharing one
generator across steps. So a draw for one purpose cannot shift another's, a counterfactual run
that changes one lever sees the same random numbers everywhere else (common random numbers),
and results do not depend on the order or the number of threads that consume them.
"""

from enum import IntEnum

import numpy as np


class Purpose(IntEnum):
    """What a stream is for; part of its spawn key, so never renumber existing members."""

    HOMES = 0
    INITIAL_STATE = 1
    INITIAL_CHOICE = 2
    FUNNEL = 10
    SHOP = 11
    CHOICE = 12
    STOCK = 13
    CLOSE = 14
    EXPERIENCE = 15
    COMPLAIN = 16
    RECOVER = 17
    CHURN = 18
    RELATIONSHIP = 30
    MONITORING = 31
    SAMPLE = 40
    MATCH_LENGTH = 50
    MATCH_NOISE = 51
    PLAYER_A = 52
    PLAYER_B = 53
    MORAN = 54
    HIDDEN_OPPONENT = 55


STRUCTURE = frozenset({Purpose.HOMES, Purpose.INITIAL_STATE, Purpose.INITIAL_CHOICE})
"""Draws that lay out the market before the first period: where customers live, their initial
states and stores."""


class Streams:
    """Factory of independent generators keyed by a purpose and integers such as (period, unit)
    in the market or (repetition, player, opponent) in a tournament.

    `structure_seed` (default: `seed`) seeds the `STRUCTURE` draws alone, so replications can
    share one market layout and differ only in what happens in it."""

    def __init__(self, seed: int, structure_seed: int | None = None) -> None:
        self.seed = int(seed)
        self.structure_seed = self.seed if structure_seed is None else int(structure_seed)

    def generator(self, purpose: Purpose, *key: int) -> np.random.Generator:
        seed = self.structure_seed if purpose in STRUCTURE else self.seed
        sequence = np.random.SeedSequence(seed, spawn_key=(int(purpose), *map(int, key)))
        return np.random.Generator(np.random.PCG64(sequence))

    def uniform(self, purpose: Purpose, period: int, unit: int, n: int) -> np.ndarray:
        return self.generator(purpose, period, unit).random(n)

    def normal(self, purpose: Purpose, period: int, unit: int, n: int) -> np.ndarray:
        return self.generator(purpose, period, unit).standard_normal(n)


def fresh_seed() -> int:
    """A seed for a run the user did not seed: short enough to type back in to reproduce it."""
    return int(np.random.SeedSequence().generate_state(1)[0])
