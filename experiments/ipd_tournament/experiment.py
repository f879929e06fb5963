"""The classic round robin and what noise does to it.

Three results, each a table and a figure:
1. the 13 strategies, 200 turns, 10 repetitions, no noise: ranking and pairwise payoffs;
2. the same with 5% execution noise;
3. self-play payoff per turn against the noise level for the reciprocating strategies, which is
   where win-stay-lose-shift overtakes tit-for-tat (Nowak & Sigmund 1993).
Then the ecological (replicator) view of both tournaments: who survives.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from linkages_sim.game import Match, Tournament, replicator
from linkages_sim.game.strategies import STRATEGIES
from linkages_sim.plots.common import save_figure, subplots
from linkages_sim.plots.game_figures import draw_evolution, draw_pairwise, draw_scores
from linkages_sim.stats import t_interval

SELF_PLAY_STRATEGIES = ("tft", "wsls", "gtft", "tf2t", "grim")
NOISE_LEVELS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2)


def self_play_scores(turns: int, seeds: int, seed: int) -> pd.DataFrame:
    """Mean per-turn payoff of each strategy against a copy of itself, by noise level; with the
    standard error over independent matches."""
    rows = []
    for name in SELF_PLAY_STRATEGIES:
        for noise in NOISE_LEVELS:
            scores = [
                Match(name, name, turns=turns, noise=noise, seed=seed, key=(k,)).play().score_a
                / turns
                for k in range(seeds)
            ]
            _, low, high = t_interval(scores)
            rows.append(
                {
                    "strategy": name,
                    "noise": noise,
                    "score_per_turn": float(np.mean(scores)),
                    "se": float(np.std(scores, ddof=1) / np.sqrt(seeds)),
                    "low": low,
                    "high": high,
                }
            )
    return pd.DataFrame(rows)


NICE = ("gtft", "tf2t", "majority", "tft", "grim", "trust", "wsls", "all-c")
"""The library's nice strategies: never the first to defect."""


def seed_robustness(turns: int, repetitions: int, seeds: int) -> dict:
    """The noise-free tournament again on seeds 1..seeds: in how many do the nice strategies
    take the top places, and is all-d last?"""
    names = list(STRATEGIES)
    rankings = [Tournament(names, turns=turns, repetitions=repetitions, seed=s).play().ranking
                for s in range(1, seeds + 1)]  # fmt: skip
    return {
        "seeds": seeds,
        "nice_on_top": sum(set(r[: len(NICE)]) == set(NICE) for r in rankings),
        "all_d_last": sum(r[-1] == "all-d" for r in rankings),
        "winners": sorted({r[0] for r in rankings}),
    }


def run_experiment(
    out: Path, turns: int = 200, repetitions: int = 10, seed: int = 2026, self_play_seeds: int = 40,
    robustness_seeds: int = 10,
) -> dict:
    """Play everything, write tables and figures into `out`, return the headline numbers."""
    out.mkdir(parents=True, exist_ok=True)
    names = list(STRATEGIES)
    results = {}
    for label, noise in (("no_noise", 0.0), ("noise_0.05", 0.05)):
        t = Tournament(names, turns=turns, repetitions=repetitions, noise=noise, seed=seed)
        results[label] = t.play()
    selfplay = self_play_scores(turns, self_play_seeds, seed)

    for label, result in results.items():
        fig, (left, right) = subplots(1, 2, figsize=(15, 6.5))
        draw_scores(left, result)
        draw_pairwise(right, result)
        save_figure(fig, out / f"tournament_{label}.png")
        result.summary.to_csv(out / f"ranking_{label}.csv", index=False)
        result.pairwise.to_csv(out / f"pairwise_{label}.csv")

    fig, (left, middle, right) = subplots(1, 3, figsize=(18, 5.2))
    for name, group in selfplay.groupby("strategy", sort=False):
        left.errorbar(
            group["noise"],
            group["score_per_turn"],
            yerr=2 * group["se"],
            marker="o",
            capsize=3,
            label=name,
        )
    left.set_xlabel("noise (probability a move is flipped)")
    left.set_ylabel("score per turn against itself")
    left.set_title("Self-play under noise (bars: 2 SE)")
    left.grid(alpha=0.3)
    left.legend()
    for ax, label in ((middle, "no_noise"), (right, "noise_0.05")):
        frame = replicator(results[label], generations=150)
        draw_evolution(ax, frame, f"Replicator dynamics, {label.replace('_', ' ')}")
    save_figure(fig, out / "noise_and_evolution.png")
    selfplay.to_csv(out / "self_play_by_noise.csv", index=False)

    def survivors(label: str) -> dict[str, float]:
        frame = replicator(results[label], generations=150)
        last = frame[frame["generation"] == frame["generation"].max()]
        return {str(r.strategy): round(float(r.share), 4) for r in last.itertuples() if r.share}

    pick = selfplay.set_index(["strategy", "noise"])

    def intervals(label: str) -> dict[str, list[float]]:
        """Each strategy's mean score per turn and its 95% t interval over the repetitions."""
        table = results[label].normalised_scores
        return {str(k): [round(v, 4) for v in t_interval(row.to_numpy())]
                for k, row in table.iterrows()}  # fmt: skip

    headline = {
        "settings": {
            "turns": turns,
            "repetitions": repetitions,
            "seed": seed,
            "self_play_seeds": self_play_seeds,
        },
        "ranking_no_noise": results["no_noise"].ranking,
        "ranking_noise_0.05": results["noise_0.05"].ranking,
        "mean_score_no_noise": results["no_noise"].as_dict()["mean_score_per_turn"],
        "mean_score_noise_0.05": results["noise_0.05"].as_dict()["mean_score_per_turn"],
        "score_interval_no_noise": intervals("no_noise"),
        "score_interval_noise_0.05": intervals("noise_0.05"),
        "self_play_noise_0.05": {
            s: [round(float(pick.loc[(s, 0.05), k]), 4) for k in ("score_per_turn", "low", "high")]
            for s in SELF_PLAY_STRATEGIES
        },
        "replicator_survivors_no_noise": survivors("no_noise"),
        "replicator_survivors_noise_0.05": survivors("noise_0.05"),
        "other_seeds_no_noise": seed_robustness(turns, repetitions, robustness_seeds),
    }
    return headline
