"""`linkages payoff-matrix`: the 2x2 game a contract's parties play, measured in the market.

Registered on the shared `app` (`cli/common.py`).
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


@app.command("payoff-matrix")
def payoff_matrix_command(
    scenario: ScenarioArg = None,
    contract: ContractOpt = None,
    periods: Annotated[int, typer.Option(help="Horizon of each run, in periods.")] = 13,
    replications: Annotated[int, typer.Option(help="Runs per action profile.")] = 10,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    customers: CustomersOpt = None,
    sla_penalty: Annotated[
        float | None,
        typer.Option(help="Set every clause's SLA penalty of the contract to this amount."),
    ] = None,
    sweep_sla: Annotated[
        str | None,
        typer.Option(help="MIN:MAX:STEP: find the penalty at which the dilemma disappears."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (results do not change).")] = 1,
    json_out: JsonOut = None,
    plot: PlotOut = None,
) -> None:
    """Measure the prisoner's dilemma a contract's parties face: profits under CC, CD, DC, DD."""
    from linkages_sim.analysis.payoff_matrix import parse_sweep
    from linkages_sim.analysis.payoff_matrix import sweep_sla as run_sweep
    from linkages_sim.config.loading import ScenarioError, load_scenario

    try:
        spec = load_scenario(scenario)
        penalties = parse_sweep(sweep_sla) if sweep_sla else [sla_penalty]
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if customers is not None and customers < 10:
            raise ValueError(f"customers must be >= 10, got {customers}")
        with progress_bar(json_out) as bar:
            task = bar.add_task("market runs", total=4 * replications * len(penalties))
            matrices = run_sweep(
                spec, penalties, contract, periods, replications,
                spec.seed if seed is None else seed, customers, workers,
                progress=lambda done, total: bar.update(task, completed=done),
            )  # fmt: skip
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    if sweep_sla:
        _sweep_output(matrices, json_out, plot)
        return
    from linkages_sim.plots.payoff_figures import matrix_figure

    m = matrices[0]
    deliver(json_out, m.as_dict(), lambda: _print_matrix(m), plot,
            lambda path: matrix_figure(m, path))  # fmt: skip


def _print_matrix(m) -> None:
    from rich.table import Column, Table

    from linkages_sim.analysis.payoff_matrix import PARTIES

    record = m.as_dict()
    cells = record["profiles"]

    def pm(x: dict) -> str:
        if x["ci_low"] is None:
            return f"{x['mean']:,.0f}"
        return f"{x['mean']:,.0f} ± {(x['ci_high'] - x['ci_low']) / 2:,.0f}"

    def cell(profile: str) -> str:  # each profit on a line of its own, never split
        return (f"supplier    {pm(cells[profile]['supplier'])}\n"
                f"distributor {pm(cells[profile]['distributor'])}")  # fmt: skip

    title = (f"{m.scenario} / {m.contract}: profit per period over {m.periods} periods, "
             f"{m.replications} replications, seed {m.seed}")  # fmt: skip
    if m.sla_penalty is not None:
        title += f", SLA penalty {m.sla_penalty:,.0f}"
    grid = Table("", Column("distributor cooperates", no_wrap=True),
                 Column("distributor defects", no_wrap=True), title=title,
                 show_lines=True)  # fmt: skip
    grid.add_row("supplier\ncooperates", cell("CC"), cell("CD"))
    grid.add_row("supplier\ndefects", cell("DC"), cell("DD"))
    grid.caption = "mean ± half-width of its 95% confidence interval; replications share seeds"
    console.print(grid)
    sides = Table(Column("party", no_wrap=True),
                  *(Column(k, justify="right", no_wrap=True) for k in "TRPS"),
                  Column("class", min_width=9), Column("w*", no_wrap=True),
                  title="Each side's payoffs (T: defect against C, R: both C, P: both D, "
                  "S: C against D)")  # fmt: skip
    gaps = Table(Column("party", no_wrap=True),
                 *(Column(name, justify="right", no_wrap=True)
                   for name in ("T - R", "R - P", "P - S")),
                 title="Differences, paired 95% intervals (all > 0: a dilemma)")  # fmt: skip
    for party in PARTIES:
        p, diffs = record["payoffs"][party], record["differences"][party]
        critical = record["critical_continuation_by_party"][party]
        sides.add_row(party, *(f"{p[k]:,.0f}" for k in "TRPS"),
                      record["game_class"][party].replace("_", " "),
                      "-" if critical is None else f"{critical:.2f}")  # fmt: skip
        gaps.add_row(party, *(f"{d['mean']:,.0f} ± {(d['ci_high'] - d['ci_low']) / 2:,.0f}"
                              if d["ci_low"] is not None else f"{d['mean']:,.0f}"
                              for d in diffs.values()))  # fmt: skip
    sides.caption = ("w* = (T-R)/(T-P): grim trigger's continuation threshold in a stationary "
                     "game, an approximation for this state-dependent one; `linkages "
                     "deviation` measures whether a deviation pays")  # fmt: skip
    gaps.caption = "mean ± half-width of its 95% interval"
    console.print(sides)
    console.print(gaps)
    surplus = Table(Column("profile", no_wrap=True),
                    *(Column(party, justify="right", no_wrap=True) for party in PARTIES),
                    title="Surplus: profit less profit without the contract, less the "
                    "outside option")  # fmt: skip
    gains = record["surplus_over_outside_option"]
    for profile in ("CC", "CD", "DC", "DD"):
        surplus.add_row(profile, *(pm(gains[party][profile]) for party in PARTIES))
    options = record["outside_options"]
    surplus.caption = (f"outside options per period: supplier {options['supplier']:,.0f}, "
                       f"distributor {options['distributor']:,.0f}; win-win under CC "
                       f"(both surpluses > 0 at 95%): {'yes' if record['win_win'] else 'no'}")
    console.print(surplus)
    game = record["game_class"]["game"].replace("_", " ")
    critical = record["critical_continuation"]
    line = f"game: [bold]{game}[/]"
    if critical is not None:
        line += f"; stationary-game approximation: grim trigger needs w >= {critical:.2f}"
    console.print(line, highlight=False)


def _sweep_output(matrices, json_out: Path | None, plot: Path | None) -> None:
    from rich import box
    from rich.table import Column, Table

    from linkages_sim.analysis.payoff_matrix import dilemma_gone_at, sweep_table
    from linkages_sim.plots.payoff_figures import sweep_figure

    table = sweep_table(matrices)
    gone = dilemma_gone_at(matrices)
    first = matrices[0]

    def show() -> None:  # 80 columns: no vertical rules, the game's class wraps at words
        t = Table(Column("penalty", justify="right", no_wrap=True),
                  Column("party", no_wrap=True),
                  *(Column(k, justify="right", no_wrap=True) for k in "TRPS"),
                  Column("class", min_width=9), Column("C best?", no_wrap=True),
                  title=f"{first.contract}: SLA penalty sweep ({first.replications} "
                  f"replications, seed {first.seed})", box=box.SIMPLE_HEAD,
                  collapse_padding=True)  # fmt: skip
        for row in table.itertuples():
            t.add_row(f"{row.penalty:,.0f}", row.party, *(f"{getattr(row, k):,.0f}" for k in
                      "TRPS"), row._7.replace("_", " "), "yes" if row.cooperation_dominant
                      else "no")  # fmt: skip
        t.caption = ("T, R, P, S: profit per period; C best?: cooperating is each side's best "
                     "reply")  # fmt: skip
        console.print(t)
        console.print(
            "the dilemma disappears (cooperation is each side's best reply) from a penalty of "
            f"[bold]{gone:,.0f}[/]" if gone is not None
            else "the dilemma does not disappear within the swept range", highlight=False,
        )  # fmt: skip

    record = {
        "scenario": first.scenario, "contract": first.contract, "periods": first.periods,
        "replications": first.replications, "seed": first.seed, "dilemma_gone_at": gone,
        "sweep": [m.as_dict() for m in matrices],
    }  # fmt: skip
    deliver(json_out, record, show, plot, lambda path: sweep_figure(matrices, path))
