"""A finished run as the user holds it: its tidy tables, summary, KPIs and the model itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from linkages_sim.analysis.kpis import kpis
from linkages_sim.analysis.tables import metric_table, wide
from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel


@dataclass
class RunResult:
    """A finished run: tidy tables, the summary, and the model itself for inspection."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    summary: dict[str, Any]
    model: MarketModel = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    """Wall seconds of the model's set-up, the simulation loop and the tables (see `--timings`)."""
    _kpis: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def remember_kpis(self, frame: pd.DataFrame, by: str = "run") -> None:
        """Keep KPIs already computed (the summary is built from them) for `kpis()`."""
        self._kpis[by] = frame

    @property
    def wide(self) -> pd.DataFrame:
        """One row per period, one column per (level, id, metric)."""
        return wide(self.timeseries)

    @property
    def ledger(self) -> pd.DataFrame:
        """Every money transfer of the run: period, payer, payee, kind, amount."""
        return self.model.ledger.frame()

    def kpis(self, by: str = "run") -> pd.DataFrame:
        """The KPIs of `docs/kpis.md` as a tidy frame (level, id, kpi, value[, period])."""
        if by not in self._kpis:
            self._kpis[by] = kpis(self, by=by)
        return self._kpis[by].copy()

    def metric(self, level: str, metric: str) -> pd.DataFrame:
        """One metric as a period x id table, e.g. `result.metric("supplier", "brand_equity")`."""
        return metric_table(self.timeseries, level, metric)

    def _firms(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(role, id, numbers) per supplier and distributor, from the summary."""
        return [(role, who, numbers) for role, key in (("supplier", "suppliers"),
                                                       ("distributor", "distributors"))
                for who, numbers in self.summary.get(key, {}).items()]  # fmt: skip

    def _broken(self) -> list[str]:
        return [k for k, v in self.summary.get("contracts", {}).items() if not v.get("active_end")]

    def _heading(self) -> str:
        s = self.scenario
        return (f"{s.name}: seed {self.seed}, {s.periods} weeks, {s.customers:,} simulated "
                f"customers")  # fmt: skip

    def __repr__(self) -> str:
        """A few lines: the run's settings, each firm's profit, broken relationships, tables."""
        from linkages_sim.formatting import compact

        profits = ", ".join(f"{who} {compact(n.get('profit'))}" for _, who, n in self._firms())
        lines = [f"<RunResult {self._heading()}", f"  profit over the run: {profits}"]
        if broken := self._broken():
            lines.append(f"  relationships broken: {', '.join(broken)}")
        lines.append("  .timeseries .wide .metric(level, metric) .kpis() .summary .ledger>")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The notebook's view: the settings and a small table of revenue, profit and share."""
        from html import escape

        from linkages_sim.formatting import compact, pct

        cells = "".join(
            f"<tr><td>{role}</td><td>{escape(who)}</td>"
            f"<td>{compact(n.get('wholesale_revenue', n.get('retail_revenue')))}</td>"
            f"<td>{compact(n.get('profit'))}</td>"
            f"<td>{pct(n.get('market_share_value')) if role == 'supplier' else ''}</td></tr>"
            for role, who, n in self._firms()
        )
        broken = self._broken()
        note = f"<p>relationships broken: {escape(', '.join(broken))}</p>" if broken else ""
        return (f"<div><b>RunResult</b> {escape(self._heading())}<table><thead><tr><th></th>"
                "<th>firm</th><th>revenue</th><th>profit</th><th>value share</th></tr></thead>"
                f"<tbody>{cells}</tbody></table>{note}<p><code>.timeseries .wide .metric(level, "
                "metric) .kpis() .summary .ledger</code></p></div>")  # fmt: skip
