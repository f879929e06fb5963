"""Evolution of a population of strategies from their tournament payoffs.

`replicator` is the discrete-time replicator dynamics of Axelrod's "ecological" analysis
(1984, ch. 2; Axelrod-Python's ``Ecosystem``): a strategy's share grows in proportion to its
mean payoff against the current population. `moran` is the finite-population Moran process
(Nowak et al. 2004): each step one individual, chosen with probability proportional to its
fitness, reproduces and its offspring replaces one chosen uniformly at random; fitness is
``1 - s + s * payoff`` with ``payoff`` the individual's mean match payoff against the rest of
the population and ``s`` the intensity of selection.

Both take the payoff matrix from matches (a `TournamentResult` or any square table indexed by
strategy), so stochastic strategies enter with their expected payoffs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from linkages_sim.game.tournament import TournamentResult
from linkages_sim.rng import Purpose, Streams, fresh_seed

PayoffSource = TournamentResult | pd.DataFrame


def _payoffs(source: PayoffSource) -> tuple[list[str], np.ndarray]:
    """Labels and a square payoff matrix with a full diagonal."""
    table = source.pairwise if isinstance(source, TournamentResult) else source
    labels = [str(x) for x in table.index]
    matrix = table.to_numpy(dtype=float)
    if matrix.shape != (len(labels), len(labels)) or list(map(str, table.columns)) != labels:
        raise ValueError(
            "the payoff table must be square with the same strategies as rows and columns"
        )
    if np.isnan(matrix).any():
        raise ValueError(
            "the payoff table has gaps; evolution needs every pairing including "
            "self-play (run the tournament with self_play=True)"
        )
    return labels, matrix


def _non_negative(matrix: np.ndarray) -> np.ndarray:
    """Shift payoffs so the smallest is zero when any is negative (fitness must be >= 0).

    The dynamics depend only on payoff differences up to that background fitness.
    """
    low = matrix.min()
    return matrix - low if low < 0 else matrix


def _initial(labels: list[str], initial: Sequence[float] | dict[str, float] | None) -> np.ndarray:
    if initial is None:
        x = np.ones(len(labels))
    elif isinstance(initial, dict):
        unknown = sorted(set(initial) - set(labels))
        if unknown:
            raise ValueError(f"initial shares for unknown strategies: {', '.join(unknown)}")
        x = np.array([float(initial.get(s, 0.0)) for s in labels])
    else:
        x = np.asarray(initial, dtype=float)
        if x.shape != (len(labels),):
            raise ValueError(f"initial shares need one value per strategy ({len(labels)})")
    if (x < 0).any() or x.sum() <= 0:
        raise ValueError("initial shares must be >= 0 and not all zero")
    return x / x.sum()


def _tidy(labels: list[str], times: np.ndarray, shares: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(shares, columns=labels)
    frame.insert(0, "generation", times)
    long = frame.melt(id_vars=["generation"], var_name="strategy", value_name="share")
    long["strategy"] = pd.Categorical(long["strategy"], categories=labels)
    return long.sort_values(["generation", "strategy"], ignore_index=True)


def replicator(
    payoffs: PayoffSource,
    generations: int = 100,
    initial: Sequence[float] | dict[str, float] | None = None,
    extinct_below: float = 1e-9,
) -> pd.DataFrame:
    """Shares over generations under x_i' = x_i f_i / mean(f), f = A x.

    Returns a tidy frame (generation, strategy, share); shares below ``extinct_below`` are set
    to zero, so a strategy that dies out stays out (as it would in any finite population).
    """
    if generations < 1:
        raise ValueError(f"generations must be >= 1, got {generations}")
    labels, matrix = _payoffs(payoffs)
    matrix = _non_negative(matrix)
    x = _initial(labels, initial)
    history = [x]
    for _ in range(generations):
        fitness = matrix @ x
        mean = float(fitness @ x)
        if mean <= 0:
            break
        x = x * fitness / mean
        x[x < extinct_below] = 0.0
        x = x / x.sum()
        history.append(x)
    return _tidy(labels, np.arange(len(history)), np.array(history))


def _counts_from(labels: list[str], population: int, initial) -> np.ndarray:
    """Whole-individual counts closest to the initial shares (largest remainders)."""
    shares = _initial(labels, initial) * population
    counts = np.floor(shares).astype(np.int64)
    order = np.argsort(-(shares - counts), kind="stable")
    counts[order[: population - counts.sum()]] += 1
    return counts


def moran(
    payoffs: PayoffSource,
    population: int | None = None,
    generations: int = 100,
    seed: int | None = None,
    selection: float = 1.0,
    mutation: float = 0.0,
    initial: Sequence[float] | dict[str, float] | None = None,
) -> pd.DataFrame:
    """A Moran process; shares recorded every generation (``population`` birth-death steps).

    Default population: 10 individuals per strategy, equal shares. Without mutation the run
    stops at fixation; ``frame.attrs`` holds ``fixation`` (the winning strategy or None), the
    ``seed`` and the number of ``steps`` taken.
    """
    labels, matrix = _payoffs(payoffs)
    k = len(labels)
    n = population if population is not None else 10 * k
    if n < 2:
        raise ValueError(f"population must be >= 2, got {n}")
    if generations < 1:
        raise ValueError(f"generations must be >= 1, got {generations}")
    if not 0.0 <= selection <= 1.0:
        raise ValueError(f"selection intensity must be in [0, 1], got {selection}")
    if not 0.0 <= mutation <= 1.0:
        raise ValueError(f"mutation rate must be in [0, 1], got {mutation}")
    seed = fresh_seed() if seed is None else int(seed)
    rng = Streams(seed).generator(Purpose.MORAN)
    matrix = _non_negative(matrix)
    counts = _counts_from(labels, n, initial)
    history, steps, fixation = [counts / n], 0, None
    diagonal = np.diag(matrix)
    for _ in range(generations):
        draws = rng.random((n, 4))  # parent, mutation?, mutant type, death: one row per step
        for u_parent, u_mutate, u_type, u_death in draws:
            # mean payoff against the other n - 1 individuals
            payoff = (matrix @ counts - diagonal) / (n - 1)
            weight = counts * (1.0 - selection + selection * payoff)
            parent = _pick(weight if weight.sum() > 0 else counts, u_parent)
            if u_mutate < mutation and k > 1:
                child = int(u_type * (k - 1))
                parent = child if child < parent else child + 1
            counts[_pick(counts, u_death)] -= 1
            counts[parent] += 1
            steps += 1
        history.append(counts / n)
        if mutation == 0 and counts.max() == n:
            fixation = labels[int(counts.argmax())]
            break
    frame = _tidy(labels, np.arange(len(history)), np.array(history))
    frame["count"] = np.rint(frame["share"] * n).astype(np.int64)
    frame.attrs.update(fixation=fixation, seed=seed, steps=steps, population=n)
    return frame


def _pick(weights: np.ndarray, u: float) -> int:
    """Inverse-CDF choice in proportion to `weights` from one uniform draw.

    An entry of weight zero is never picked.
    """
    cumulative = np.cumsum(weights)
    index = int(np.searchsorted(cumulative, u * cumulative[-1], side="right"))
    return min(index, len(weights) - 1)
