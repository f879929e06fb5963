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

One Moran run is one draw from a random process: which strategy takes over changes with the
seed. `moran_runs` therefore plays many independent runs (run r on the stream spawned from the
seed with key r) and reports, per strategy, how often it won with a Wilson interval, its mean
final share and the replicator dynamics' deterministic path on the same payoffs, so what a room
is shown as a conclusion comes with its spread over seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import pandas as pd
from numba import njit

from linkages_sim.game.tournament import TournamentResult
from linkages_sim.rng import Purpose, Streams, fresh_seed
from linkages_sim.stats import wilson_interval

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
    replicate: int | None = None,
) -> pd.DataFrame:
    """A Moran process; shares recorded every generation (``population`` birth-death steps).

    Default population: 10 individuals per strategy, equal shares. Without mutation the run
    stops at fixation; ``frame.attrs`` holds ``fixation`` (the winning strategy or None), the
    ``seed``, the ``replicate`` and the number of ``steps`` taken. ``replicate`` r draws from
    the stream spawned from ``seed`` with key r (`moran_runs`' run r); None is the single run's
    own stream.
    """
    labels, matrix = _payoffs(payoffs)
    n = _check_moran(len(labels), population, generations, selection, mutation)
    seed = fresh_seed() if seed is None else int(seed)
    history, steps = _moran_path(matrix, _counts_from(labels, n, initial), generations, seed,
                                 selection, mutation, replicate)  # fmt: skip
    last = history[-1]
    fixation = labels[int(last.argmax())] if mutation == 0 and last.max() == n else None
    frame = _tidy(labels, np.arange(len(history)), np.array(history) / n)
    frame["count"] = np.rint(frame["share"] * n).astype(np.int64)
    frame.attrs.update(fixation=fixation, seed=seed, steps=steps, population=n,
                       replicate=replicate)  # fmt: skip
    return frame


def _check_moran(k: int, population: int | None, generations: int, selection: float,
                 mutation: float) -> int:  # fmt: skip
    """The population size (default 10 per strategy), after checking every setting."""
    n = population if population is not None else 10 * k
    if n < 2:
        raise ValueError(f"population must be >= 2, got {n}")
    if generations < 1:
        raise ValueError(f"generations must be >= 1, got {generations}")
    if not 0.0 <= selection <= 1.0:
        raise ValueError(f"selection intensity must be in [0, 1], got {selection}")
    if not 0.0 <= mutation <= 1.0:
        raise ValueError(f"mutation rate must be in [0, 1], got {mutation}")
    return n


def _moran_path(matrix: np.ndarray, counts: np.ndarray, generations: int, seed: int,
                selection: float, mutation: float,
                replicate: int | None) -> tuple[list[np.ndarray], int]:  # fmt: skip
    """Counts at every generation until fixation (without mutation) and the steps taken.

    Each generation draws one (parent, mutation?, mutant type, death) row per step from the
    run's stream, so the draws do not depend on how the steps are computed.
    """
    key = () if replicate is None else (int(replicate),)
    rng = Streams(seed).generator(Purpose.MORAN, *key)
    matrix = _non_negative(matrix)
    diagonal = np.ascontiguousarray(np.diag(matrix))
    counts = counts.astype(np.int64)
    n = int(counts.sum())
    history, steps = [counts.copy()], 0
    for _ in range(generations):
        draws = rng.random((n, 4))
        _moran_steps(matrix, diagonal, counts, draws, selection, mutation)
        steps += n
        history.append(counts.copy())
        if mutation == 0 and counts.max() == n:
            break
    return history, steps


@njit(cache=True)
def _moran_steps(matrix, diagonal, counts, draws, selection, mutation):  # pragma: no cover
    """One generation of birth-death steps, in place, compiled.

    `_moran_steps_reference` is the same in numpy, and a test holds them equal. The parent is
    chosen in proportion to fitness 1 - s + s * payoff, payoff the mean against the other
    n - 1 individuals; the one that dies uniformly (Nowak et al. 2004).
    """
    k = counts.shape[0]
    n = 0
    for i in range(k):
        n += counts[i]
    weight = np.empty(k)
    for step in range(draws.shape[0]):
        total = 0.0
        for i in range(k):
            against = 0.0
            for j in range(k):
                against += matrix[i, j] * counts[j]
            payoff = (against - diagonal[i]) / (n - 1)
            weight[i] = counts[i] * (1.0 - selection + selection * payoff)
            total += weight[i]
        if total > 0:
            parent = _pick_compiled(weight, draws[step, 0])
        else:
            parent = _pick_compiled(counts.astype(np.float64), draws[step, 0])
        if draws[step, 1] < mutation and k > 1:
            child = int(draws[step, 2] * (k - 1))
            parent = child if child < parent else child + 1
        counts[_pick_compiled(counts.astype(np.float64), draws[step, 3])] -= 1
        counts[parent] += 1


@njit(cache=True)
def _pick_compiled(weights, u):  # pragma: no cover
    """`_pick` compiled: the first index whose cumulative weight exceeds u times the total."""
    total = 0.0
    for w in weights:
        total += w
    target = u * total
    cumulative = 0.0
    for i in range(weights.shape[0]):
        cumulative += weights[i]
        if cumulative > target:
            return i
    return weights.shape[0] - 1


def _moran_steps_reference(
    matrix: np.ndarray,
    diagonal: np.ndarray,
    counts: np.ndarray,
    draws: np.ndarray,
    selection: float,
    mutation: float,
) -> None:
    """`_moran_steps` in numpy, step by step: the readable definition the kernel must match."""
    k, n = len(counts), int(counts.sum())
    for u_parent, u_mutate, u_type, u_death in draws:
        payoff = (matrix @ counts - diagonal) / (n - 1)
        weight = counts * (1.0 - selection + selection * payoff)
        parent = _pick(weight if weight.sum() > 0 else counts, u_parent)
        if u_mutate < mutation and k > 1:
            child = int(u_type * (k - 1))
            parent = child if child < parent else child + 1
        counts[_pick(counts, u_death)] -= 1
        counts[parent] += 1


def _pick(weights: np.ndarray, u: float) -> int:
    """Inverse-CDF choice in proportion to `weights` from one uniform draw.

    An entry of weight zero is never picked.
    """
    cumulative = np.cumsum(weights)
    index = int(np.searchsorted(cumulative, u * cumulative[-1], side="right"))
    return min(index, len(weights) - 1)


@dataclass(frozen=True)
class _RunsJob:
    """A chunk of Moran runs for one worker: everything a run needs, picklable."""

    matrix: np.ndarray
    counts: np.ndarray
    generations: int
    seed: int
    selection: float
    mutation: float
    replicates: tuple[int, ...]


def _play_runs(job: _RunsJob) -> list[tuple[np.ndarray, int]]:
    """Final counts and steps of each run in the chunk."""
    out = []
    for r in job.replicates:
        history, steps = _moran_path(job.matrix, job.counts, job.generations, job.seed,
                                     job.selection, job.mutation, r)  # fmt: skip
        out.append((history[-1], steps))
    return out


@dataclass(frozen=True)
class MoranSpread:
    """What many independent Moran runs on one payoff table gave, and the replicator reference.

    A run's *winner* is the strategy that took over the whole population (fixation) or, when
    none did within the generations (always so with mutation), the most common one at the
    end; a run whose top share is tied has no winner (``ties`` counts them). Win frequencies
    carry 95% Wilson intervals (Wilson 1927) over the runs.
    """

    labels: list[str]
    seed: int
    population: int
    generations: int
    selection: float
    mutation: float
    final_counts: np.ndarray  # runs x strategies
    steps: np.ndarray  # per run
    replicator_path: pd.DataFrame  # tidy (generation, strategy, share), deterministic

    @property
    def runs(self) -> int:
        """Number of independent runs."""
        return int(self.final_counts.shape[0])

    @property
    def fixed(self) -> np.ndarray:
        """Per run: True where one strategy holds the whole population at the end."""
        return self.final_counts.max(axis=1) == self.population

    @property
    def winners(self) -> list[str | None]:
        """Per run: the strategy that fixed or is the most common at the end; None for a tie."""
        top = self.final_counts.max(axis=1, keepdims=True)
        at_top = self.final_counts == top
        return [self.labels[int(row.argmax())] if row.sum() == 1 else None for row in at_top]

    @property
    def ties(self) -> int:
        """Runs without a winner: two or more strategies share the largest count at the end."""
        return sum(w is None for w in self.winners)

    @property
    def replicator_final(self) -> pd.Series:
        """The replicator dynamics' shares at its last generation, by strategy."""
        last = self.replicator_path[self.replicator_path["generation"]
                                    == self.replicator_path["generation"].max()]  # fmt: skip
        return last.set_index("strategy")["share"].rename(index=str).reindex(self.labels)

    def summary(self) -> pd.DataFrame:
        """Per strategy: wins, fixations, the win frequency and its interval, the final share.

        The final share's mean and standard deviation are over runs; the replicator's share is
        beside them. Most wins first (then the larger mean share).
        """
        winners = self.winners
        shares = self.final_counts / self.population
        fixed = self.fixed
        rows = []
        for i, label in enumerate(self.labels):
            wins = sum(w == label for w in winners)
            low, high = wilson_interval(wins, self.runs)
            rows.append({
                "strategy": label, "wins": wins, "win_rate": wins / self.runs,
                "win_low": low, "win_high": high,
                "fixations": int((fixed & (self.final_counts[:, i] == self.population)).sum()),
                "mean_share": float(shares[:, i].mean()),
                "sd_share": float(shares[:, i].std(ddof=1)) if self.runs > 1 else 0.0,
                "replicator_share": float(self.replicator_final[label]),
            })  # fmt: skip
        frame = pd.DataFrame(rows)
        order = np.lexsort((-frame["mean_share"].to_numpy(), -frame["wins"].to_numpy()))
        return frame.iloc[order].reset_index(drop=True)

    @property
    def clear_winner(self) -> str | None:
        """The strategy whose win-frequency interval lies above every other's, if one does."""
        table = self.summary()
        if len(table) < 2 or table.loc[0, "wins"] == 0:
            return None
        best, rest = table.iloc[0], table.iloc[1:]
        return str(best["strategy"]) if best["win_low"] > rest["win_high"].max() else None

    def as_dict(self) -> dict:
        """JSON-ready: the settings, each strategy's figures and every run's winner."""
        table = self.summary()
        return {
            "runs": self.runs,
            "seed": self.seed,
            "run_streams": f"SeedSequence({self.seed}, spawn_key=({int(Purpose.MORAN)}, r)) "
            "for run r",
            "population": self.population,
            "generations": self.generations,
            "selection": self.selection,
            "mutation": self.mutation,
            "winner_rule": "fixation, else the most common strategy at the last generation; "
            "ties count for no strategy",
            "clear_winner": self.clear_winner,
            "ties": self.ties,
            "fixed_runs": int(self.fixed.sum()),
            "by_strategy": {
                str(r.strategy): {
                    "wins": int(r.wins), "win_rate": float(r.win_rate),
                    "win_interval_95": [float(r.win_low), float(r.win_high)],
                    "fixations": int(r.fixations), "mean_final_share": float(r.mean_share),
                    "sd_final_share": float(r.sd_share),
                    "replicator_final_share": float(r.replicator_share),
                }
                for r in table.itertuples()
            },
            "winners": self.winners,
        }


def moran_runs(
    payoffs: PayoffSource,
    runs: int = 100,
    seed: int | None = None,
    population: int | None = None,
    generations: int = 100,
    selection: float = 1.0,
    mutation: float = 0.0,
    initial: Sequence[float] | dict[str, float] | None = None,
    workers: int = 1,
) -> MoranSpread:
    """``runs`` independent Moran runs from the same start, and the replicator reference.

    Run r is `moran(..., seed=seed, replicate=r)`: its stream is spawned from the seed with key
    r, so the result is the same bits whatever the number of ``workers`` (processes, started
    with spawn as in `Tournament.play`). The replicator path starts from the same shares and
    runs for the same number of generations.
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    labels, matrix = _payoffs(payoffs)
    n = _check_moran(len(labels), population, generations, selection, mutation)
    seed = fresh_seed() if seed is None else int(seed)
    counts = _counts_from(labels, n, initial)
    chunks = np.array_split(np.arange(runs), min(workers, runs))
    jobs = [_RunsJob(matrix, counts, generations, seed, selection, mutation,
                     tuple(int(r) for r in chunk)) for chunk in chunks]  # fmt: skip
    if len(jobs) == 1:
        results = _play_runs(jobs[0])
    else:
        with ProcessPoolExecutor(len(jobs), mp_context=get_context("spawn")) as pool:
            results = [row for chunk in pool.map(_play_runs, jobs) for row in chunk]
    table = pd.DataFrame(matrix, index=labels, columns=labels)
    return MoranSpread(
        labels=labels, seed=seed, population=n, generations=generations, selection=selection,
        mutation=mutation, final_counts=np.array([c for c, _ in results]),
        steps=np.array([s for _, s in results]),
        replicator_path=replicator(table, generations=generations, initial=counts / n),
    )  # fmt: skip
