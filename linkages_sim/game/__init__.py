"""The abstract iterated prisoner's dilemma (IPD) for workshops and notebooks (model.md §5).

`Match` plays two strategies against each other, `Tournament` plays a round robin, `replicator`
and `moran` evolve a population from the tournament's payoffs. Semantics follow the IPD
literature and Axelrod-Python: simultaneous moves, execution noise flips the intended move and
both players see the flipped one, a probabilistic match ends after each turn with probability
`prob_end` (so it lasts at least one turn, with no cap unless `turns` is given too), and
generous tit-for-tat forgives at Nowak & Sigmund's rate for the match's payoffs.
"""

from linkages_sim.game.evolution import moran, replicator
from linkages_sim.game.match import Match, MatchResult
from linkages_sim.game.players import parse_players
from linkages_sim.game.stage import Game, classify, critical_continuation
from linkages_sim.game.tournament import Tournament, TournamentResult

__all__ = [
    "Game",
    "Match",
    "MatchResult",
    "Tournament",
    "TournamentResult",
    "classify",
    "critical_continuation",
    "moran",
    "parse_players",
    "replicator",
]
