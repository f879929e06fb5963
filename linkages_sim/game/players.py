"""Players named as a facilitator types them: ``tft``, ``random:p=0.2``, ``gtft:p=0.1``.

A spec is a strategy name from the shared library, optionally followed by ``:key=value``
parameters. The spec string is the player's label in every table, so two differently tuned
copies of one strategy can meet in a tournament.
"""

from __future__ import annotations

from dataclasses import dataclass

from linkages_sim.game.strategies import (
    STRATEGIES,
    Payoffs,
    Strategy,
    make_strategy,
    unknown_strategy_message,
)


@dataclass(frozen=True)
class Player:
    """A labelled strategy: what a tournament seats at the table."""

    label: str
    strategy: Strategy

    @property
    def stochastic(self) -> bool:
        """Whether the strategy draws random numbers (its classifier's `stochastic`)."""
        return bool(self.strategy.classifier.get("stochastic"))

    def for_payoffs(self, payoffs: Payoffs) -> Player:
        """The same label with its strategy tuned to these (T, R, P, S) payoffs.

        What a match seats: `gtft` without an explicit `p` takes Nowak & Sigmund's generosity
        for the match's payoffs (`Strategy.for_payoffs`); every other strategy is unchanged.
        """
        strategy = self.strategy.for_payoffs(payoffs)
        return self if strategy is self.strategy else Player(self.label, strategy)


def parse_player(spec: str) -> Player:
    """One player from ``name[:key=value]...``; errors name the bad part and list valid names."""
    spec = spec.strip()
    name, *settings = spec.split(":")
    if name not in STRATEGIES:
        raise ValueError(unknown_strategy_message(name))
    params: dict[str, float] = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep:
            raise ValueError(f"'{spec}': a parameter must look like key=value, got '{setting}'")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"'{spec}': parameter {key} must be a number, got '{value}'") from None
    try:
        strategy = make_strategy(name, **params)
    except TypeError:
        raise ValueError(f"'{spec}': {name} has no parameter among {sorted(params)}") from None
    return Player(spec, strategy)


def parse_players(specs: str | list[str]) -> list[Player]:
    """Players from a comma-separated string or a list of specs; labels must be unique."""
    items = specs.split(",") if isinstance(specs, str) else list(specs)
    players = [parse_player(s) for s in items if s.strip()]
    if not players:
        raise ValueError("no strategies given")
    labels = [p.label for p in players]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ValueError(f"strategies listed more than once: {', '.join(repeated)}")
    return players
