"""`linkages deviation`: the one-shot deviation measurement of a contract's dynamic game.

Registered on the shared `app` (`cli/common.py`). The analysis is `analysis/deviation.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linkages_sim.cli.common import (
    ContractOpt,
    CustomersOpt,
    JsonOut,
    PlotOut,
    ScenarioArg,
    app,
    console,
    deliver,
    fail,
    progress_bar,
)


@app.command("deviation")
def deviation_command(
    scenario: ScenarioArg = None,
    contract: ContractOpt = None,
    partner: Annotated[
        str, typer.Option(help="Both parties' strategy: tft or grim.")
    ] = "tft",
    party: Annotated[
        str | None, typer.Option(help="Only this deviator: supplier or distributor.")
    ] = None,
    replications: Annotated[int, typer.Option(help="Seeds, each with its own layout.")] = 5,
    customers: CustomersOpt = None,
    periods: Annotated[
        int | None, typer.Option(help="Horizon in periods (default: the scenario's).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    discount: Annotated[
        float | None, typer.Option(help="Per-period discount factor (default 0.9^(1/52)).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (results do not change).")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for deviation.csv, .json, .png.")
    ] = None,
    json_out: JsonOut = None,
    plot: PlotOut = None,
) -> None:
    """Does a one-shot deviation pay? Gain against continuation loss at every review."""
    from linkages_sim.analysis.deviation import DEFAULT_DISCOUNT, deviation_analysis
    from linkages_sim.analysis.payoff_matrix import PARTIES
    from linkages_sim.config.loading import ScenarioError, load_scenario

    try:
        spec = load_scenario(scenario)
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if customers is not None and customers < 10:
            raise ValueError(f"customers must be >= 10, got {customers}")
        if party is not None and party not in PARTIES:
            raise ValueError(f"--party must be supplier or distributor, got '{party}'")
        parties = PARTIES if party is None else (party,)
        with progress_bar(json_out) as bar:
            task = bar.add_task("market runs", total=None)
            result = deviation_analysis(
                spec, contract, partner, parties, replications,
                spec.seed if seed is None else seed, customers, periods,
                DEFAULT_DISCOUNT if discount is None else discount, workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )  # fmt: skip
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    from linkages_sim.plots.deviation_figures import deviation_figure

    if out is not None:
        _write_folder(result, out)
    deliver(json_out, result.as_dict(), lambda: _print(result), plot,
            lambda path: deviation_figure([result], path))  # fmt: skip


def _write_folder(result, folder: Path) -> None:
    from linkages_sim.cli.common import errors
    from linkages_sim.files import atomic_write_text, json_text
    from linkages_sim.plots.deviation_figures import deviation_figure

    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "deviation.csv", result.table().to_csv(index=False))
    atomic_write_text(folder / "deviation.json", json_text(result.as_dict()))
    deviation_figure([result], folder / "deviation.png")
    errors.print(f"wrote {folder}/deviation.csv, .json, .png", highlight=False)


def _print(result) -> None:
    from rich import box
    from rich.table import Column, Table

    from linkages_sim.formatting import compact

    def interval(row) -> str:
        if row.net_low != row.net_low:  # one replication: no interval
            return compact(row.net)
        return f"{compact(row.net)} ± {compact((row.net_high - row.net_low) / 2)}"

    console.print(f"[bold]{result.scenario} / {result.contract}[/]: one-shot deviations "
                  f"against a {result.partner} partner, {result.periods} periods, "
                  f"{result.replications} replications, seed {result.seed}", highlight=False)
    state = {True: "an equilibrium", False: "not an equilibrium", None: "not established"}
    table = result.table()
    for party in result.parties:
        t = Table(Column("review", justify="right", no_wrap=True),
                  Column("period", justify="right", no_wrap=True),
                  Column("gain", justify="right", no_wrap=True),
                  Column("loss", justify="right", no_wrap=True),
                  Column("net (95%)", justify="right", no_wrap=True),
                  Column("pays?", no_wrap=True), Column("broke", justify="right", no_wrap=True),
                  title=f"the {party} deviates", box=box.SIMPLE_HEAD)  # fmt: skip
        for row in table[table["party"] == party].itertuples():
            pays = "yes" if row.pays else "no" if row.does_not_pay else "unclear"
            t.add_row(str(row.review), str(row.period), compact(row.gain), compact(row.loss),
                      interval(row), pays, f"{row.break_share:.0%}")  # fmt: skip
        console.print(t)
        v = result.verdict(party)
        line = f"{party}: cooperation is [bold]{state[v['equilibrium']]}[/] along the path"
        if v["pays_at"]:
            line += f"; a deviation pays at review(s) {', '.join(map(str, v['pays_at']))}"
        if v["end_game_from"] is not None:
            line += (f"; end game from review {v['end_game_from']}, before it: "
                     f"{state[v['equilibrium_before_end']]}")  # fmt: skip
        console.print(line, highlight=False)
    console.print(f"gain: the deviator's profit in the review period it defects, deviation less "
                  f"path; loss: its profit from the next review to the horizon, path less "
                  f"deviation; both discounted by {result.discount:.4f} a period; net = gain - "
                  "loss with its paired 95% interval; broke: share of replications in which "
                  "the deviation broke the relationship", highlight=False)
