"""Random-number streams: one independent `numpy.random.Generator` per (purpose, period, unit).

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


class Streams:
    """Factory of independent generators keyed by (purpose, period, unit)."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def generator(self, purpose: Purpose, period: int = 0, unit: int = 0) -> np.random.Generator:
        sequence = np.random.SeedSequence(self.seed, spawn_key=(int(purpose), period, unit))
        return np.random.Generator(np.random.PCG64(sequence))

    def uniform(self, purpose: Purpose, period: int, unit: int, n: int) -> np.ndarray:
        return self.generator(purpose, period, unit).random(n)

    def normal(self, purpose: Purpose, period: int, unit: int, n: int) -> np.ndarray:
        return self.generator(purpose, period, unit).standard_normal(n)
