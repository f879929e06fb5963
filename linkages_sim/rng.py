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
    # 30 was one stream shared by a contract's readings and both parties' strategies
    MONITORING = 31  # key (period, contract, party read): which clause readings are wrong
    STRATEGY = 32  # key (period, contract, party choosing): a stochastic strategy's draws
    PRICING_PANEL = 33  # key (segment): the customers whose demand price-setters read
    RESERVATION = 34  # key (period): reservation values in the linear-demand market
    SURVEY = 35  # key (period, segment): who is invited to a store's survey and who responds
    SURVEY_NOISE = 36  # key (period, segment): the respondents' rating noise, six each
    STANDARDS = 37  # key (period, store): measurement error of a store's SMART standards
    SAMPLE = 40
    MESA = 41  # Mesa's own generators (model.rng, model.random): shuffles, never results
    MATCH_LENGTH = 50
    MATCH_NOISE = 51
    PLAYER_A = 52
    PLAYER_B = 53
    MORAN = 54
    HIDDEN_OPPONENT = 55
    COMPLAINT_CAUSE = 38  # key (period, segment): which dimension each complaint names
    MYSTERY_SHOPPER = 39  # key (period, store): a mystery shopper's measurement error
    REFERRAL = 42  # key (period, segment): who refers a prospect, then which prospects


STRUCTURE = frozenset({Purpose.HOMES, Purpose.INITIAL_STATE, Purpose.INITIAL_CHOICE})
"""Draws that lay out the market before the first period: where customers live, their initial
states and stores."""


class Streams:
    """Factory of independent generators keyed by a purpose and integers.

    The integers are such as (period, unit) in the market or (repetition, player, opponent) in a
    tournament.

    `structure_seed` (default: `seed`) seeds the `STRUCTURE` draws alone, so replications can
    share one market layout and differ only in what happens in it.
    """

    def __init__(self, seed: int, structure_seed: int | None = None) -> None:
        """Streams of `seed`; a bad seed (negative, not an integer) is a `ValueError`."""
        self.seed = check_seed(seed, "seed")
        self.structure_seed = (
            self.seed if structure_seed is None else check_seed(structure_seed, "structure_seed")
        )

    def generator(self, purpose: Purpose, *key: int) -> np.random.Generator:
        """The generator of `purpose` for `key`: the same numbers every time it is asked for."""
        seed = self.structure_seed if purpose in STRUCTURE else self.seed
        sequence = np.random.SeedSequence(seed, spawn_key=(int(purpose), *map(int, key)))
        return np.random.Generator(np.random.PCG64(sequence))

    def uniform(self, purpose: Purpose, period: int, unit: int, n: int) -> np.ndarray:
        """`n` uniform draws in [0, 1) for one unit (e.g. a segment) in one period."""
        return self.generator(purpose, period, unit).random(n)

    def normal(self, purpose: Purpose, period: int, unit: int, n: int) -> np.ndarray:
        """`n` standard normal draws for one unit in one period."""
        return self.generator(purpose, period, unit).standard_normal(n)


MAX_SEED = 2**63 - 1


def check_seed(seed: object, name: str = "seed") -> int:
    """`seed` as an int in [0, 2**63 - 1], or a ValueError that says what is wrong with it."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"{name} must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"{name} must be from 0 to {MAX_SEED}, got {int(seed)}")
    return int(seed)


def fresh_seed() -> int:
    """A seed for a run the user did not seed: short enough to type back in to reproduce it."""
    return int(np.random.SeedSequence().generate_state(1)[0])
