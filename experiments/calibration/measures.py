"""Two calibration measurements taken the way their sources define them.

- **Farris et al.'s probabilities of selling** (*Marketing Metrics*, after Griffin &
  Lowenstein, *Customer WinBack*, 2001) are probabilities of selling to a customer *over a
  period*: of the customers who are active (lapsed, new) when the period starts, the share who
  buy at least once before it ends. A per-trip close rate (buyers / shoppers) is another
  quantity: `Windows` measures the period figure for periods of several lengths, since the
  sources do not say which.
- **Huff's distance-decay exponent** (Huff 1963, 1964) is the lambda of d^-lambda in
  P(store j) = A_j d_ij^-lambda / sum_k A_k d_ik^-lambda. The model's utility is
  -lambda log(1 + d / 1 km), i.e. (1 + d)^-lambda, so its input is not Huff's lambda. `huff_fit`
  fits Huff's form by maximum likelihood (store attractions free) to the stores customers buy
  at (`StoreChoices`), and the model's own form as a check that the fit recovers the input:
  it does from first purchases, which carry no loyalty bonus; repeat purchases are stickier.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from linkages_sim.market.kernels import codes

WINDOWS = (4, 13, 52)
"""Period lengths (weeks) over which the probability of selling is measured: a month, a
quarter, a year."""
STATES = {"active": codes.ACTIVE, "lapsed": codes.LAPSED, "new": codes.PROSPECT}


class Windows:
    """Per period of each length: customers by state at its start, and who bought in it.

    Call after every step (`MarketModel.run(progress=...)`); `probabilities()` afterwards.
    """

    def __init__(self, model, lengths: tuple[int, ...] = WINDOWS) -> None:
        self.model = model
        self.lengths = tuple(w for w in lengths if w <= model.spec.periods)
        self.start: dict[int, list[np.ndarray]] = {}
        self.bought: dict[int, list[np.ndarray]] = {}
        self.counts = {(w, s): [0, 0] for w in self.lengths for s in STATES}

    def __call__(self, done: int) -> None:
        """Record week `done - 1`: open, extend or close each length's current period."""
        week = done - 1
        segments = self.model.segments
        sale = [codes.IS_SALE[s.outcome] for s in segments]
        for w in self.lengths:
            if week % w == 0:
                self.start[w] = [s.outputs.state_before.copy() for s in segments]
                self.bought[w] = [np.zeros(s.size, dtype=bool) for s in segments]
            if w not in self.start:
                continue
            for bought, now in zip(self.bought[w], sale, strict=True):
                bought |= now
            if (week + 1) % w == 0:
                for start, bought in zip(self.start[w], self.bought[w], strict=True):
                    for name, code in STATES.items():
                        who = start == code
                        self.counts[(w, name)][0] += int(who.sum())
                        self.counts[(w, name)][1] += int((bought & who).sum())
                del self.start[w], self.bought[w]

    def probabilities(self) -> dict[str, float]:
        """`sold_<state>_<weeks>w`: buyers / customers in that state at the period's start."""
        return {f"sold_{s}_{w}w": (k / n if n else float("nan"))
                for (w, s), (n, k) in self.counts.items()}  # fmt: skip


class StoreChoices:
    """The store of every purchase, by segment: first purchases (a prospect's or a lapsed
    customer's, chosen without the loyalty bonus an active customer gives its store) apart
    from repeat purchases. Call after every step; `fits()` afterwards."""

    def __init__(self, model) -> None:
        self.model = model
        self.store_x = np.array([s.spec.location.x for s in model.stores])
        self.store_y = np.array([s.spec.location.y for s in model.stores])
        self.found = {(seg.name, kind): ([], []) for seg in model.segments
                      for kind in ("first", "repeat")}  # fmt: skip

    def __call__(self, done: int) -> None:
        """Record this week's purchases: who bought, at which store."""
        for seg in self.model.segments:
            outcome = seg.outcome
            first = np.flatnonzero((outcome == codes.BOUGHT_NEW)
                                   | (outcome == codes.BOUGHT_WON_BACK))  # fmt: skip
            repeat = np.flatnonzero(outcome == codes.BOUGHT)
            for kind, who in (("first", first), ("repeat", repeat)):
                customers, stores = self.found[(seg.name, kind)]
                customers.append(who)
                stores.append(self.model.offers.store[seg.choice[who]])

    def fits(self) -> dict[str, dict[str, float]]:
        """Per segment: its input, and lambda fitted in both forms to first and to repeat
        purchases (`huff_first`, `model_first`, `huff_repeat`, `model_repeat`)."""
        out = {}
        for seg in self.model.segments:
            row = {"input": float(seg.spec.tastes.distance_decay)}
            for kind in ("first", "repeat"):
                customers, stores = self.found[(seg.name, kind)]
                who, chosen = np.concatenate(customers), np.concatenate(stores)
                d = np.hypot(seg.x[who, None] - self.store_x[None, :],
                             seg.y[who, None] - self.store_y[None, :])  # fmt: skip
                row[f"purchases_{kind}"] = float(who.size)
                for form in ("huff", "model"):
                    row[f"{form}_{kind}"] = huff_fit(d, chosen, form) if who.size else np.nan
            out[seg.name] = row
        return out


def huff_fit(distance_km: np.ndarray, chosen: np.ndarray, form: str = "huff") -> float:
    """Maximum-likelihood lambda of a Huff model with free store attractions.

    `form` "huff": utility -lambda log d (Huff's d^-lambda, d in km, floored at 10 m);
    "model": -lambda log(1 + d) (the model's own form, whose lambda is its input).
    """
    x = np.log(np.maximum(distance_km, 0.01)) if form == "huff" else np.log1p(distance_km)
    n, stores = x.shape
    rows = np.arange(n)
    used = np.bincount(chosen, minlength=stores)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        lam, attraction = theta[0], np.concatenate([[0.0], theta[1:]])
        v = attraction[None, :] - lam * x
        v -= v.max(axis=1, keepdims=True)
        p = np.exp(v)
        p /= p.sum(axis=1, keepdims=True)
        nll = -float(np.log(p[rows, chosen]).sum())
        # gradient: d/dlam = sum(x_chosen - E[x]); d/da_j = E[count_j] - count_j
        g_lam = float((x[rows, chosen] - (p * x).sum(axis=1)).sum())
        g_a = p.sum(axis=0) - used
        return nll, np.concatenate([[g_lam], g_a[1:]])

    theta0 = np.concatenate([[1.0], np.zeros(stores - 1)])
    result = minimize(loss, theta0, jac=True, method="L-BFGS-B")
    return float(result.x[0])
