"""Supplier-distributor relationships played as a repeated game (DESIGN 3.1, 4; seed slides 8-13).

At every review each party observes what the other did since the last review (wrongly with the
contract's monitoring error, the noise of the iterated prisoner's dilemma), updates its trust,
and chooses its next action from its strategy and the observed history. Trust rises slowly when
expectations are met and falls fast when they are not; when the distributor's trust in the
supplier falls below the contract's threshold the relationship breaks: the distributor's stores
drop the brand (DESIGN 3.8). The supplier's trust is tracked and reported the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from linkages_sim.scenario import Contract
from linkages_sim.strategies import C, D, Strategy, make_strategy, update_trust


@dataclass
class Relationship:
    """The live state of one contract."""

    spec: Contract
    supplier: int  # index of the supplier
    distributor: int  # index of the distributor
    supplier_strategy: Strategy
    distributor_strategy: Strategy
    supplier_action: str = C
    distributor_action: str = C
    supplier_moves: list[str] = field(default_factory=list)  # what the supplier did
    distributor_moves: list[str] = field(default_factory=list)
    seen_by_supplier: list[str] = field(default_factory=list)  # distributor's moves as observed
    seen_by_distributor: list[str] = field(default_factory=list)
    supplier_trust: float = 0.0  # supplier's trust in the distributor
    distributor_trust: float = 0.0
    active: bool = True
    broke_at: int | None = None

    @classmethod
    def from_contract(cls, spec: Contract, supplier: int, distributor: int) -> Relationship:
        return cls(
            spec=spec,
            supplier=supplier,
            distributor=distributor,
            supplier_strategy=make_strategy(spec.supplier_strategy),
            distributor_strategy=make_strategy(spec.distributor_strategy),
            supplier_trust=spec.trust.initial,
            distributor_trust=spec.trust.initial,
        )

    @property
    def key(self) -> str:
        return self.spec.key

    def is_review(self, period: int) -> bool:
        return self.active and period % self.spec.review_every == 0

    def review(self, period: int, rng: np.random.Generator) -> None:
        """Observe, update trust, maybe break, then choose the next actions."""
        if self.supplier_moves:
            error = self.spec.monitoring_error
            flips = rng.random(2) < error
            seen_d = _garble(self.distributor_action, flips[0])
            seen_s = _garble(self.supplier_action, flips[1])
            self.seen_by_supplier.append(seen_d)
            self.seen_by_distributor.append(seen_s)
            t = self.spec.trust
            self.supplier_trust = update_trust(self.supplier_trust, seen_d == C, t.gain, t.loss)
            self.distributor_trust = update_trust(
                self.distributor_trust, seen_s == C, t.gain, t.loss
            )
            if self.distributor_trust < t.break_below:
                self.active = False
                self.broke_at = period
                return
        strategy_rng = np.random.Generator(np.random.PCG64(rng.integers(2**63)))
        self.supplier_action = self.supplier_strategy.play(
            self.supplier_moves, self.seen_by_supplier, strategy_rng
        )
        self.distributor_action = self.distributor_strategy.play(
            self.distributor_moves, self.seen_by_distributor, strategy_rng
        )
        self.supplier_moves.append(self.supplier_action)
        self.distributor_moves.append(self.distributor_action)


def _garble(move: str, flipped: bool) -> str:
    if not flipped:
        return move
    return D if move == C else C
