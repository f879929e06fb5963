"""Figures of one-shot deviations: a deviator's gain against its continuation loss per review.

An emergent output of `linkages deviation` (`analysis.deviation`): where the gain line rises
above the loss line, a deviation at that review pays.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from linkages_sim.analysis.deviation import DeviationAnalysis
from linkages_sim.plots.common import CURRENCY, save_figure, subplots

GAIN, LOSS = "#2ca02c", "#d62728"


def _title(a: DeviationAnalysis, party: str) -> str:
    return (f"{a.scenario} / {a.contract}, {a.partner} partner: {party} deviates\n"
            f"{a.periods} periods, {a.replications} replications, seed {a.seed}")  # fmt: skip


def deviation_figure(
    analyses: Sequence[DeviationAnalysis], path: Path, titles: Sequence[str] | None = None
) -> Path:
    """One row per analysis, one panel per deviating party.

    Each panel: the deviator's discounted gain in the deviation's review period and its
    discounted continuation loss, against the review, with 95% bands over the replications;
    a filled marker where the net's interval is above zero (the deviation pays). A symmetric
    log scale shows the loss early on (the rest of the horizon) and the gain near the end on
    one axis.
    """
    parties = list(dict.fromkeys(p for a in analyses for p in a.parties))
    fig, axes = subplots(len(analyses), len(parties), figsize=(6.4 * len(parties),
                                                             3.9 * len(analyses)),
                         squeeze=False)  # fmt: skip
    for row, a in enumerate(analyses):
        table = a.table()
        for col, party in enumerate(parties):
            ax = axes[row][col]
            t = table[table["party"] == party].sort_values("review")
            if t.empty:
                ax.set_visible(False)
                continue
            x = t["period"].to_numpy()
            for name, colour, label in (("gain", GAIN, "gain in the deviation's review period"),
                                        ("loss", LOSS, "continuation loss, to the horizon")):
                ax.plot(x, t[name], "o-", color=colour, ms=4, label=label)
                ax.fill_between(x, t[f"{name}_low"], t[f"{name}_high"], color=colour,
                                alpha=0.2, lw=0)  # fmt: skip
            pays = t["pays"].to_numpy(dtype=bool)
            ax.plot(x[pays], t["gain"].to_numpy()[pays], "*", color="black", ms=11,
                    label="deviation pays (net > 0 at 95%)")  # fmt: skip
            scale = np.nanmedian(np.abs(t["gain"].to_numpy()))
            ax.set_yscale("symlog", linthresh=max(1.0, 0.5 * scale if scale == scale else 1.0))
            ax.axhline(0, color="black", lw=0.8)
            ax.set_xticks(x)
            ax.tick_params(axis="x", labelsize=8)
            ax.set_xlabel("period of the review at which the party deviates")
            ax.set_ylabel(f"{CURRENCY}, discounted (δ={a.discount:.4f})")
            title = titles[row] if titles is not None else _title(a, party)
            ax.set_title(f"{title}: {party}" if titles is not None else title, fontsize=10)
            ax.grid(alpha=0.3)
            if row == 0 and col == 0:
                ax.legend(fontsize=8, loc="upper right")
    return save_figure(fig, path)
