"""The workshop commands of `linkages`: match, tournament, evolve and play.

Registered on the shared `app` (`cli/common.py`). Every bad setting, strategy name or
move gets one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from typing import Annotated, Literal

import typer

from linkages_sim.cli.common import (
    JsonOut,
    PlotOut,
    app,
    console,
    deliver,
    fail,
    progress_bar,
    say_error,
)

Turns = Annotated[
    int | None,
    typer.Option(
        help="Turns per match (default 200); with --prob-end, a cap on the random length "
        "(default: no cap; matches it cuts are counted)."
    ),
]
ProbEnd = Annotated[
    float | None,
    typer.Option(
        "--prob-end",
        help="End each match after each turn with this probability (continuation w = 1 - p).",
    ),
]
Noise = Annotated[float, typer.Option(help="Probability that each intended move is flipped.")]
Seed = Annotated[int | None, typer.Option(help="Random seed (default: a fresh one, reported).")]
Payoffs = Annotated[str, typer.Option(help="T,R,P,S with T > R > P > S.")]
ALL = "all"


def _tournament(strategies: str, turns, repetitions, prob_end, noise, seed, payoffs,
                self_play: bool = True, workers: int | None = None):  # fmt: skip
    """The tournament a command asks for ('all' = every library strategy)."""
    from linkages_sim.game import Game, Tournament

    return Tournament(
        _strategy_list(strategies), turns=turns, repetitions=repetitions,
        prob_end=prob_end, noise=noise, game=Game.parse(payoffs), seed=seed,
        self_play=self_play, workers=workers,
    )  # fmt: skip


def _strategy_list(strategies: str) -> str:
    from linkages_sim.game.strategies import STRATEGIES

    return ",".join(STRATEGIES) if strategies.strip() == ALL else strategies


@app.command()
def match(
    a: Annotated[str, typer.Argument(help="First strategy, e.g. tft or random:p=0.2.")],
    b: Annotated[str, typer.Argument(help="Second strategy.")],
    turns: Turns = None,
    prob_end: ProbEnd = None,
    noise: Noise = 0.0,
    seed: Seed = None,
    payoffs: Payoffs = "5,3,1,0",
    json_out: JsonOut = None,
) -> None:
    """Play one iterated prisoner's dilemma match and show the moves and scores."""
    from rich.text import Text

    from linkages_sim.game import Game, Match

    try:
        result = Match(
            a,
            b,
            turns=turns,
            prob_end=prob_end,
            noise=noise,
            game=Game.parse(payoffs),
            seed=seed,
        ).play()
    except ValueError as err:
        raise fail(str(err)) from None

    def show() -> None:  # the moves take what the console's width leaves (40 at most)
        width = max(len(result.a), len(result.b))
        scores = {label: f"score {score:g} ({score / result.turns:.3f} per turn)"
                  for label, score in ((result.a, result.score_a), (result.b, result.score_b))}
        room = min(40, max(10, console.width - width - 4 - max(map(len, scores.values()))))
        for label, moves in ((result.a, result.moves_a), (result.b, result.moves_b)):
            shown = moves if len(moves) <= room else moves[: room - 3] + "..."
            console.print(Text(f"{label:>{width}}  ") + coloured_moves(shown)
                          + Text(f"  {scores[label]}"), highlight=False)  # fmt: skip
        console.print(
            f"{result.turns} turns{_match_length_note(result)}, noise {noise:g}, seed "
            f"{result.seed}; winner: {result.winner or 'tie'}",
            highlight=False,
        )

    deliver(json_out, result.as_dict(), show)


@app.command()
def tournament(
    strategies: Annotated[str, typer.Option(help="Comma-separated strategies, or 'all'.")] = ALL,
    turns: Turns = None,
    repetitions: Annotated[int, typer.Option(help="Times each pairing is played.")] = 10,
    prob_end: ProbEnd = None,
    noise: Noise = 0.0,
    seed: Seed = None,
    payoffs: Payoffs = "5,3,1,0",
    self_play: Annotated[
        bool,
        typer.Option(
            "--self-play/--no-self-play", help="Each strategy also meets a copy of itself."
        ),
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes (default: 1 for small tournaments, every core for big ones).",
        ),
    ] = None,
    json_out: JsonOut = None,
    plot: PlotOut = None,
) -> None:
    """Play a round-robin tournament and print the ranking."""
    try:
        t = _tournament(strategies, turns, repetitions, prob_end, noise, seed, payoffs,
                        self_play, workers)  # fmt: skip
    except ValueError as err:
        raise fail(str(err)) from None
    with progress_bar(json_out) as bar:
        task = bar.add_task("tournament", total=len(t.jobs()))
        result = t.play(progress=lambda done, total: bar.update(task, completed=done))
    from linkages_sim.plots.game_figures import tournament_figure

    deliver(json_out, result.as_dict(), lambda: _print_ranking(result), plot,
            lambda path: tournament_figure(result, path))  # fmt: skip


MOVE_STYLES = {"C": "bold green", "D": "bold red"}
"""Cooperation green, defection red, both bold so a projector shows them; the letters stay, so
the moves read the same without colour (NO_COLOR, a pipe, a colour-blind viewer)."""


def coloured_moves(moves: str):
    """The moves as rich Text, each C and D in its style (anything else, e.g. '...', plain)."""
    from rich.text import Text

    text = Text()
    for move in moves:
        text.append(move, style=MOVE_STYLES.get(move))
    return text


def _match_length_note(result) -> str:
    """How a random length came about: drawn with no cap, or cut by the user's cap."""
    if result.prob_end is None:
        return ""
    if result.cap is None:
        return f" (random, prob_end {result.prob_end:g}, no cap)"
    if result.cut:
        return f" (random, prob_end {result.prob_end:g}: drawn {result.drawn}, cut at the cap)"
    return f" (random, prob_end {result.prob_end:g}, within the cap of {result.cap})"


def _tournament_length(result) -> str:
    """The length rule and what it gave: fixed turns, or the mean and the matches cut."""
    t = result.tournament
    if t.prob_end is None:
        return f"{t.turns} turns"
    if t.turn_cap is None:
        return f"prob_end {t.prob_end:g} (mean {result.mean_turns:.1f} turns, no cap)"
    return (
        f"prob_end {t.prob_end:g} capped at {t.turn_cap} turns (mean {result.mean_turns:.1f}; "
        f"cut {result.matches_cut} of {result.match_count} matches)"
    )


def _generosity_note(players) -> str:
    """The forgiveness of each gtft as it plays these payoffs, so a facilitator sees it."""
    from linkages_sim.game.strategies import GenerousTitForTat

    notes = [f"{p.label} forgives with p = {p.strategy.p:.3g}"
             + ("" if p.strategy.explicit else " (Nowak & Sigmund, from the payoffs)")
             for p in players if isinstance(p.strategy, GenerousTitForTat)]  # fmt: skip
    return "; ".join(notes)


def _print_ranking(result) -> None:
    from rich.table import Table

    t = result.tournament
    length = _tournament_length(result)
    table = Table(
        title=f"Round robin: {length}, {t.repetitions} repetitions, noise {t.noise:g}, "
        f"seed {t.seed}"
    )
    for column in ("rank", "strategy", "score/turn", "median", "min", "max", "wins/rep", "coop."):
        # a long strategy spec (random:p=0.3) folds; numbers are never cut
        table.add_column(column, justify="left" if column == "strategy" else "right",
                         overflow="fold", no_wrap=column != "strategy")  # fmt: skip
    for row in result.summary.itertuples():
        table.add_row(
            str(row.rank),
            row.strategy,
            f"{row.mean_score_per_turn:.3f}",
            f"{row.median_score_per_turn:.3f}",
            f"{row.min_score_per_turn:.3f}",
            f"{row.max_score_per_turn:.3f}",
            f"{row.wins_per_repetition:.1f}",
            f"{row.cooperation_rate:.0%}",
        )
    table.caption = (
        "score/turn: mean over repetitions of the mean per-turn score over "
        f"{'all matches incl. self-play' if t.self_play else 'matches with others'}"
    )
    if note := _generosity_note(t.players):
        table.caption += f"; {note}"
    console.print(table)


@app.command()
def evolve(
    strategies: Annotated[str, typer.Option(help="Comma-separated strategies, or 'all'.")] = ALL,
    method: Annotated[
        Literal["moran", "replicator"],
        typer.Option(
            help="moran (finite population, seeded) or replicator (shares, deterministic)."
        ),
    ] = "moran",
    runs: Annotated[
        int | None,
        typer.Option(
            help="Independent Moran runs (default 100): each strategy's win frequency with a "
            "95% interval. 1 = a single run, one seed's story."
        ),
    ] = None,
    population: Annotated[
        int | None, typer.Option(help="Moran population (default 10 per strategy).")
    ] = None,
    generations: Annotated[int, typer.Option(help="Generations to evolve.")] = 100,
    selection: Annotated[float, typer.Option(help="Moran intensity of selection in [0, 1].")] = 1.0,
    mutation: Annotated[float, typer.Option(help="Moran mutation probability per birth.")] = 0.0,
    turns: Turns = None,
    repetitions: Annotated[int, typer.Option(help="Repetitions of the payoff tournament.")] = 5,
    prob_end: ProbEnd = None,
    noise: Noise = 0.0,
    seed: Seed = None,
    payoffs: Payoffs = "5,3,1,0",
    workers: Annotated[
        int, typer.Option(help="Worker processes for the Moran runs (same result for any).")
    ] = 1,
    json_out: JsonOut = None,
    plot: PlotOut = None,
) -> None:
    """Evolve a population of strategies from their tournament payoffs.

    With --method moran (the default) it plays --runs independent runs on the same payoff
    table, their streams spawned from the seed, and reports how often each strategy wins
    beside the replicator dynamics' deterministic result: one run alone is one seed's story.
    """
    from linkages_sim.game import moran, replicator
    from linkages_sim.game.evolution import moran_runs

    if method == "replicator" and runs is not None:
        raise fail("--runs applies to --method moran (the replicator dynamics is deterministic)")
    runs = 100 if runs is None else runs
    if runs < 1:
        raise fail(f"runs must be >= 1, got {runs}")
    try:
        t = _tournament(strategies, turns, repetitions, prob_end, noise, seed, payoffs)
        payoff_table = t.play()
        spread = None
        if method == "moran" and runs > 1:
            with progress_bar(json_out) as bar:
                bar.add_task(f"{runs} Moran runs", total=None)
                spread = moran_runs(payoff_table, runs=runs, seed=t.seed, population=population,
                                    generations=generations, selection=selection,
                                    mutation=mutation, workers=workers)  # fmt: skip
        elif method == "moran":
            frame = moran(payoff_table, population=population, generations=generations,
                          seed=t.seed, selection=selection, mutation=mutation)  # fmt: skip
        else:
            frame = replicator(payoff_table, generations=generations)
    except ValueError as err:
        raise fail(str(err)) from None
    record = {
        "strategies": payoff_table.labels,
        "method": method,
        "runs": runs if method == "moran" else None,
        "generations": generations,
        "selection": selection,
        "mutation": mutation,
        "turns": t.turns,
        "prob_end": t.prob_end,
        "turn_cap": t.turn_cap,
        "mean_turns": payoff_table.mean_turns,
        "matches_cut_by_cap": payoff_table.matches_cut,
        "repetitions": t.repetitions,
        "noise": t.noise,
        "seed": t.seed,
        "payoffs": t.game.as_dict(),
    }
    from linkages_sim.plots.game_figures import evolution_figure, spread_figure

    length = f"{t.turns} turns" if t.prob_end is None else (
        f"prob_end {t.prob_end:g} (w = {1 - t.prob_end:g})"
        + ("" if t.turn_cap is None else (f", capped at {t.turn_cap}: "
                                          f"{payoff_table.matches_cut} matches cut")))  # fmt: skip
    if spread is not None:
        record.update(_spread_record(spread))
        title = (f"Moran process, {runs} runs, population {spread.population}: {length}, "
                 f"noise {noise:g}, seed {t.seed}")  # fmt: skip
        deliver(json_out, record, lambda: _print_spread(spread, t.seed), plot,
                lambda path: spread_figure(spread, title, path))  # fmt: skip
        return
    final = frame[frame["generation"] == frame["generation"].max()].sort_values(
        "share", ascending=False
    )
    record.update(
        population=frame.attrs.get("population"),
        fixation=frame.attrs.get("fixation"),
        final_shares={str(r.strategy): float(r.share) for r in final.itertuples()},
        shares={s: g.sort_values("generation")["share"].round(6).tolist()
                for s, g in frame.groupby("strategy", observed=False)},
    )  # fmt: skip
    kind = (f"Moran process, one run (one seed), population {record['population']}"
            if method == "moran" else "Replicator dynamics")  # fmt: skip
    title = f"{kind}: {length}, noise {noise:g}, seed {t.seed}"
    deliver(json_out, record, lambda: _print_shares(record, int(frame["generation"].max())),
            plot, lambda path: evolution_figure(frame, title, path))  # fmt: skip


def _spread_record(spread) -> dict:
    """The JSON fields of many Moran runs: the spread, the mean final shares, the reference."""
    record = spread.as_dict()
    record.pop("seed")
    path = spread.replicator_path
    record["mean_final_shares"] = {
        name: figures["mean_final_share"] for name, figures in record["by_strategy"].items()
    }
    record["replicator_shares"] = {
        s: g.sort_values("generation")["share"].round(6).tolist()
        for s, g in path.groupby("strategy", observed=False)
    }
    return record


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _print_spread(spread, seed: int) -> None:
    """Win frequency with its interval, mean final share, the replicator's share; a verdict."""
    from rich.table import Column, Table

    table = Table(
        Column("strategy", no_wrap=True),
        Column("won (95% CI)", justify="right", no_wrap=True),
        Column("took over", justify="right", no_wrap=True),
        Column("final share\nmean (sd)", justify="right", no_wrap=True),
        Column("replicator", justify="right", no_wrap=True),
        title=f"Moran process: {spread.runs} runs, population {spread.population}, "
        f"{spread.generations} generations,\nrun streams spawned from seed {seed}",
    )
    summary = spread.summary()
    for row in summary.itertuples():
        if row.wins == 0 and row.mean_share < 0.0005 and row.replicator_share < 0.0005:
            continue
        table.add_row(
            row.strategy,
            f"{_pct(row.win_rate)} ({_pct(row.win_low)}-{_pct(row.win_high)})",
            str(row.fixations),
            f"{100 * row.mean_share:.1f}% ({100 * row.sd_share:.0f})",
            f"{100 * row.replicator_share:.1f}%",
        )
    ties = f"; {spread.ties} runs tied for the most common" if spread.ties else ""
    table.caption = (
        "won: runs in which the strategy took over the population or, if none did by the last "
        f"generation, was the most common ({int(spread.fixed.sum())} of {spread.runs} runs "
        f"ended in a takeover{ties}). replicator: its deterministic share after "
        f"{spread.generations} generations on the same payoffs."
    )
    console.print(table)
    console.print(_verdict(spread, summary), highlight=False)


def _verdict(spread, summary) -> str:
    """One plain sentence: is the winner clear over seeds, and how often it wins."""
    best = summary.iloc[0]
    second = summary.iloc[1] if len(summary) > 1 else None
    reference = spread.replicator_final.sort_values(ascending=False)
    ref = (f" The replicator dynamics (deterministic) leads with {reference.index[0]} "
           f"({100 * reference.iloc[0]:.0f}%).")  # fmt: skip
    interval = f"{_pct(best.win_rate)} of runs, 95% CI {_pct(best.win_low)}-{_pct(best.win_high)}"
    if spread.clear_winner is None:
        other = "" if second is None else (
            f" overlaps {second.strategy}'s ({_pct(second.win_low)}-{_pct(second.win_high)})")
        return (f"No clear winner: {best.strategy} wins most often ({interval}), but its "
                f"interval{other}; one seed's run would crown whichever strategy chance "
                f"favoured.{ref}")  # fmt: skip
    if best.win_low > 0.5:
        return f"Clear winner: {best.strategy} wins in most runs ({interval}).{ref}"
    return (f"Clear leader: {best.strategy} wins more often than any other ({interval}, above "
            f"every other interval), yet not in most runs: one seed's run may crown another "
            f"strategy.{ref}")  # fmt: skip


def _print_shares(record: dict, last: int) -> None:
    """One run's (or the replicator's) final shares; a single Moran run is labelled as such."""
    from rich.table import Table

    one_run = record["method"] == "moran"
    table = Table(
        "strategy",
        f"share at generation {last}",
        title=f"{record['method']}: ONE run, seed {record['seed']}" if one_run
        else f"{record['method']} (deterministic): seed {record['seed']}",
    )
    for name, share in record["final_shares"].items():
        if share > 0:
            table.add_row(name, f"{share:.1%}")
    notes = [f"{record['fixation']} took over the whole population"] if record["fixation"] else []
    if one_run:
        notes.append("one seed's story: --runs 100 shows the spread over seeds")
    table.caption = "; ".join(notes) or None
    console.print(table)


@app.command()
def play(
    opponent: Annotated[
        str,
        typer.Option(
            help="The computer's strategy, or 'hidden' for a random one revealed at the end."
        ),
    ] = "hidden",
    turns: Annotated[int, typer.Option(help="Rounds to play.")] = 10,
    noise: Noise = 0.0,
    seed: Seed = None,
    payoffs: Payoffs = "5,3,1,0",
) -> None:
    """Play the prisoner's dilemma against the computer: type C or D each round.

    Moves can also be piped in, e.g. `echo "C C D C" | linkages play --turns 4`.
    """
    from linkages_sim.game import Game
    from linkages_sim.game.session import PlaySession, parse_moves

    try:
        session = PlaySession(
            opponent, turns=turns, noise=noise, game=Game.parse(payoffs), seed=seed
        )
    except ValueError as err:
        raise fail(str(err)) from None
    if sys.stdin.isatty():
        moves = None
    else:
        try:
            moves = parse_moves(sys.stdin.read())
        except ValueError as err:
            raise fail(f"standard input: {err}") from None
        if len(moves) < turns:
            raise fail(f"standard input: {turns} moves needed, got {len(moves)}")
        if len(moves) > turns:
            say_error(
                f"standard input: {len(moves) - turns} moves beyond round {turns} ignored",
                prefix="note",
            )
    g = session.game
    console.print(
        f"[bold]Prisoner's dilemma[/], {turns} rounds against "
        f"[bold]{session.opponent_label}[/]. Payoffs: both C {g.R:g} each; both D "
        f"{g.P:g} each; D against C {g.T:g} for the defector, {g.S:g} for the other.",
        highlight=False,
    )
    for k in range(turns):
        move = moves[k] if moves is not None else _ask(k + 1, turns)
        r = session.respond(move)
        noise_note = "  [yellow](noise flipped a move)[/]" if r.flipped else ""
        you, them = (f"[{MOVE_STYLES[m]}]{m}[/]" for m in (r.you, r.opponent))
        console.print(
            f"round {r.number:>2}: you {you}  opponent {them}   "
            f"+{r.your_payoff:g} / +{r.opponent_payoff:g}   "
            f"total you {r.your_total:g}, opponent {r.opponent_total:g}{noise_note}",
            highlight=False,
        )
    _print_reveal(session)


def _ask(number: int, turns: int) -> str:
    from rich.text import Text

    from linkages_sim.game.session import parse_moves

    while True:
        try:
            answer = console.input(Text(f"round {number}/{turns} - your move [C/D]: "))
        except (EOFError, KeyboardInterrupt):
            console.print()
            say_error("game stopped before the last round")
            raise typer.Exit(130) from None
        try:
            moves = parse_moves(answer)
        except ValueError:
            moves = []
        if len(moves) == 1:
            return moves[0]
        console.print("  please type C (cooperate) or D (defect)")


def _print_reveal(session) -> None:
    from rich.table import Table

    last = session.rounds[-1]
    console.print(
        f"\nYou scored {last.your_total:g}; the opponent scored "
        f"{last.opponent_total:g}. The opponent was [bold]{session.player.label}[/]: "
        f"{session.player.strategy.description}",
        highlight=False,
    )
    table = Table(
        "strategy",
        "its score",
        "opponent's score",
        title=f"What each strategy would have scored against {session.player.label}",
    )
    for row in session.what_if().itertuples():
        style = "bold" if row.strategy == "you" else None
        table.add_row(row.strategy, f"{row.score:g}", f"{row.opponent_score:g}", style=style)
    table.caption = f"same {session.turns} rounds, noise and seed ({session.seed})"
    console.print(table)


@app.command()
def strategies() -> None:
    """List the strategies that contract parties (and workshop players) can use."""
    from rich.table import Column, Table

    from linkages_sim.game.strategies import STRATEGIES

    t = Table(Column("name", no_wrap=True), "description", Column("memory", no_wrap=True),
              Column("stochastic", no_wrap=True))  # fmt: skip
    for name, cls in STRATEGIES.items():
        memory = cls.classifier.get("memory_depth")
        t.add_row(
            name, cls.description, str(memory), "yes" if cls.classifier.get("stochastic") else "no"
        )
    console.print(t)
