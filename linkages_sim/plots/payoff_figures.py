"""Figures of the market's payoff matrix.

The 2x2 game a facilitator projects, and the SLA penalty at which the dilemma disappears.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.patches import Rectangle

from linkages_sim.analysis.payoff_matrix import (
    PARTIES,
    PROFILE_OF,
    PayoffMatrix,
    dilemma_gone_at,
    sweep_table,
)
from linkages_sim.plots.common import save_figure, subplots

LETTERS = "TRPS"


def _money(x: float) -> str:
    return f"{x:,.0f}"


def matrix_figure(m: PayoffMatrix, path: Path) -> Path:
    """The payoff matrix figure: the 2x2 game and each side's T, R, P, S.

    Left: the 2x2 matrix (supplier's action by row, distributor's by column) with both profits
    per cell and both surpluses over the run without the contract plus the outside options.
    Right: each side's T, R, P, S with confidence intervals.
    """
    fig, (left, *bars) = subplots(1, 3, figsize=(17, 5.8), width_ratios=[1.2, 1, 1])
    summary = m.summary().set_index(["profile", "party"])
    surplus = {party: m.surplus(party) for party in PARTIES}
    left.set_xlim(0, 2)
    left.set_ylim(0, 2)
    left.invert_yaxis()
    for i, s_act in enumerate("CD"):
        for j, d_act in enumerate("CD"):
            profile = s_act + d_act
            cell = summary.loc[profile]
            colour = {"CC": "#cfe8cf", "DD": "#f4c7c3"}.get(profile, "#fbe8b5")
            left.add_patch(Rectangle((j, i), 1, 1, color=colour, ec="white", lw=3))
            left.text(j + 0.5, i + 0.28, f"supplier {_money(cell.loc['supplier', 'mean'])}",
                      ha="center", va="center", fontsize=12, color="#1f4e79")  # fmt: skip
            left.text(j + 0.5, i + 0.50, f"distributor {_money(cell.loc['distributor', 'mean'])}",
                      ha="center", va="center", fontsize=12, color="#7f3f00")  # fmt: skip
            gain = [surplus[party][profile]["mean"] for party in PARTIES]
            left.text(j + 0.5, i + 0.76, f"surplus {gain[0]:+,.0f} / {gain[1]:+,.0f}",
                      ha="center", va="center", fontsize=9.5, color="#333333")  # fmt: skip
    left.set_xticks([0.5, 1.5], ["distributor cooperates", "distributor defects"])
    left.set_yticks([0.5, 1.5], ["supplier\ncooperates", "supplier\ndefects"])
    left.tick_params(length=0)
    for spine in left.spines.values():
        spine.set_visible(False)
    classes = m.game_class()
    win = "yes" if m.win_win else "no"
    left.set_title(f"{m.contract}: profit per period over {m.periods} periods\n"
                   f"game: {classes['game'].replace('_', ' ')}; win-win under CC: {win}",
                   fontsize=12)  # fmt: skip
    left.set_xlabel("surplus: supplier / distributor, profit over their profit without the "
                    "contract plus outside option", fontsize=9)  # fmt: skip

    for ax, party, colour in zip(bars, PARTIES, ("#1f4e79", "#7f3f00"), strict=True):
        means, lows, highs = [], [], []
        for letter in LETTERS:
            row = summary.loc[(PROFILE_OF[party][letter], party)]
            means.append(row["mean"])
            lows.append(row["mean"] - row["ci_low"])
            highs.append(row["ci_high"] - row["mean"])
        ax.bar(range(4), means, 0.6, yerr=[lows, highs], capsize=5, color=colour, alpha=0.8)
        ax.set_xticks(range(4), ["T\ndefect vs C", "R\nboth C", "P\nboth D", "S\nC vs D"])
        low, high = min(m - e for m, e in zip(means, lows, strict=True)), max(
            m + e for m, e in zip(means, highs, strict=True))  # fmt: skip
        pad = 0.15 * (high - low)
        ax.set_ylim(low - pad, high + pad)  # zoomed: the order is what matters
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(f"{party}: {classes[party].replace('_', ' ')}")
        ax.set_ylabel("profit per period (95% interval)")
        ax.grid(axis="y", alpha=0.3)
    return save_figure(fig, path)


def sweep_figure(matrices: Sequence[PayoffMatrix], path: Path) -> Path:
    """Temptation (T - R) and fear (P - S) of each side against the SLA penalty.

    The dilemma disappears once both are negative for both sides.
    """
    table = sweep_table(matrices)
    fig, ax = subplots(figsize=(10, 5.5))
    styles = {"supplier": "-", "distributor": "--"}
    for party in PARTIES:
        rows = table[table["party"] == party]
        ax.plot(rows["penalty"], rows["T"] - rows["R"], styles[party], marker="o",
                label=f"{party}: temptation T - R")  # fmt: skip
        ax.plot(rows["penalty"], rows["P"] - rows["S"], styles[party], marker="s",
                label=f"{party}: fear P - S")  # fmt: skip
    ax.axhline(0, color="grey", lw=1)
    gone = dilemma_gone_at(matrices)
    if gone is not None:
        ax.axvline(gone, color="green", lw=1.5, ls=":")
        ax.annotate(f"cooperation dominant from {_money(gone)}", (gone, ax.get_ylim()[1]),
                    xytext=(5, -15), textcoords="offset points", color="green")  # fmt: skip
    ax.set_xlabel("SLA penalty per breached clause per review")
    ax.set_ylabel("profit per period")
    ax.set_title(f"{matrices[0].contract}: the dilemma disappears when both lines of both "
                 "sides fall below zero")  # fmt: skip
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    return save_figure(fig, path)


def evaluation_figure(evaluation, path: Path) -> Path:
    """Uplift of each intervention against its counterfactual, with 95% intervals.

    Three panels, each on its own axis and unit: channel profit and the paying distributor's
    profit (money over the run), the distributor's weekly retention (percentage points) and
    the brand's equity (a 0-1 index). Bars start at zero.
    """
    from matplotlib.ticker import FuncFormatter

    from linkages_sim.formatting import compact

    table = evaluation.table()
    ids = list(dict.fromkeys(table["intervention"]))
    fig, axes = subplots(1, 3, figsize=(17, 5.5), width_ratios=[1.6, 1, 1])
    panels = (
        # (measures, scale, y label, title)
        (("channel_profit", "owner_profit"), 1.0,
         f"uplift over the {evaluation.scenario.periods}-week run (currency units)",
         f"Was it worth it? {evaluation.scenario.name}, {evaluation.replications} "
         "replications, 95% intervals"),
        (("owner_retention_rate",), 100.0, "uplift (percentage points per week)",
         "The paying distributor's weekly retention"),
        (("brand_equity",), 1.0, "uplift (brand equity, 0-1 index)", "The brand's equity"),
    )  # fmt: skip
    for ax, (measures, scale, ylabel, title) in zip(axes, panels, strict=True):
        width = 0.8 / len(measures)
        for k, measure in enumerate(measures):
            rows = table[table["measure"] == measure].set_index("intervention").loc[ids]
            x = [i + (k - (len(measures) - 1) / 2) * width for i in range(len(ids))]
            err = [scale * (rows["uplift"] - rows["ci_low"]),
                   scale * (rows["ci_high"] - rows["uplift"])]  # fmt: skip
            label = {"channel_profit": "channel profit (every firm)",
                     "owner_profit": "paying distributor's profit (costs included)"}.get(
                         measure, measure.replace("_", " "))  # fmt: skip
            ax.bar(x, scale * rows["uplift"], width, yerr=err, capsize=4, label=label)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(range(len(ids)), ids, rotation=20)
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=11)
        if len(measures) > 1:
            ax.legend()
    axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v, digits="g")))
    return save_figure(fig, path)
