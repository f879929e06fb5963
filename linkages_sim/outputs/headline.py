"""The headline of a run: a few sentences on what happened, and the key figures per firm.

Everything is computed from the run (its summary, KPIs, long table and scenario): who gained and
who lost most, when relationships broke, were re-contracted or slid into defection, what moved
each brand's equity (prices outside the band against buyers' satisfaction), who took the market's
value, and, when the run has a reference run, the paired differences against it. Each number is
formatted once and the same string is used in the sentences and in the key-figures table, so the
two always agree.

What moved brand equity: a brand moves each week toward a target set by its buyers'
satisfaction less `market.price_inconsistency_penalty` times the share of its units sold outside
the price band (docs/model.md 3.8). The move is linear, so the price term's part of the final
equity is the same recursion run on the price term alone; the rest is the satisfaction's part
(exact unless the target was clipped at 0 or 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from linkages_sim.analysis.tables import MetricTables
from linkages_sim.formatting import compact, missing, num, pct

if TYPE_CHECKING:
    from linkages_sim.analysis.results import RunResult
    from linkages_sim.config.schema import Scenario

OFF_BAND = 0.01
"""A week counts as priced outside the band when more than 1% of a brand's units were."""
BRAND_NOTICE = 0.005
"""Brand-equity parts smaller than this are not told."""
MAX_TOLD = 3
"""At most this many broken or defecting contracts are told one by one."""


@dataclass
class Headline:
    """The generated sentences, the key-figures table and, with a reference, its differences."""

    sentences: list[str]
    header: list[str]
    rows: list[list[str]]
    comparison: tuple[list[str], list[list[str]]] | None = None
    reference: str | None = None
    figures: dict[str, dict[str, str]] = field(default_factory=dict)
    """The formatted key figures by firm and column (the strings the sentences quote)."""


def signed(x: float | None) -> str:
    """Compact money with its sign: +1.20M, -335.92k."""
    return "n/a" if missing(x) else ("+" if x >= 0 else "") + compact(x)


def _name(who: str) -> str:
    return who[:1].upper() + who[1:]


def _list(items) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def headline(
    result: RunResult, kpi_frame: pd.DataFrame | None = None, reference: RunResult | None = None
) -> Headline:
    """The headline of a finished run, against `reference` (a run of the same market) if given."""
    frame = result.kpis() if kpi_frame is None else kpi_frame
    return _Story(result.summary, result.timeseries, result.scenario, frame).tell(reference)


class _Story:
    """The facts of one run, formatted once."""

    def __init__(self, summary: dict[str, Any], ts: pd.DataFrame, scenario: Scenario,
                 kpi_frame: pd.DataFrame) -> None:  # fmt: skip
        self.s, self.scenario = summary, scenario
        self.t = MetricTables(ts)
        self.kpi = kpi_frame.set_index(["level", "id", "kpi"])["value"]
        self.periods = int(summary["periods"])
        self.last = self.periods - 1
        self.window = min(4, max(1, self.periods // 4))
        self.figures = self._figures()

    # --- the key figures ------------------------------------------------------------------

    def _window_share(self, level: str, who: str) -> tuple[float, float]:
        """A firm's share of retail value in the first and the last `window` weeks."""
        metric = "wholesale_revenue" if level == "supplier" else "retail_revenue"
        if level == "supplier":  # value at retail prices: the KPI's market_share_value
            share = self.t("supplier", "market_share_value")[who]
            value = self.t("market", "customer_spend")["market"]
            weighted = share * value
        else:
            weighted = self.t("distributor", metric)[who]
            value = self.t("market", "customer_spend")["market"]
        w = self.window

        def over(rows: slice) -> float:
            total = float(value.iloc[rows].sum())
            return float(weighted.iloc[rows].sum()) / total if total > 0 else float("nan")

        return over(slice(0, w)), over(slice(len(value) - w, len(value)))

    def _reputation(self, distributor: str) -> tuple[float, float]:
        stores = [st for st in self.scenario.stores if st.distributor == distributor]
        start = float(np.mean([st.reputation for st in stores])) if stores else float("nan")
        end_row = self.t("store", "reputation").iloc[-1]
        ends = [end_row[st.id] for st in stores if st.id in end_row]
        return start, float(np.mean(ends)) if ends else float("nan")

    def _figures(self) -> dict[str, dict[str, Any]]:
        figures: dict[str, dict[str, Any]] = {}
        for level, group in (("supplier", "suppliers"), ("distributor", "distributors")):
            revenue_key = "wholesale_revenue" if level == "supplier" else "retail_revenue"
            for who, v in self.s[group].items():
                first, last = self._window_share(level, who)
                if level == "supplier":
                    start, end = v["brand_equity_start"], v["brand_equity_end"]
                else:
                    start, end = self._reputation(who)
                share = self.kpi.get((level, who, "market_share_value"), float("nan"))
                figures[who] = {
                    "level": level, "profit_value": v["profit"], "revenue_value": v[revenue_key],
                    "share_value": share, "share_first_value": first, "share_last_value": last,
                    "standing_start_value": start, "standing_end_value": end,
                    "profit": signed(v["profit"]), "revenue": compact(v[revenue_key]),
                    "share": pct(share), "share_first": pct(first), "share_last": pct(last),
                    "standing_start": num(start), "standing_end": num(end),
                }  # fmt: skip
        return figures

    def key_table(self) -> tuple[list[str], list[list[str]]]:
        n, w = self.periods, self.window
        header = [
            "firm", "role", f"profit ({n} weeks)", f"revenue ({n} weeks)",
            "share of retail value (run)",
            f"share of retail value (weeks 0-{w - 1} -> {n - w}-{n - 1})",
            "brand equity / store reputation, 0-1 (start -> end)",
        ]  # fmt: skip
        rows = []
        for who, f in self.figures.items():
            standing = "brand" if f["level"] == "supplier" else "reputation (stores' mean)"
            rows.append([who, f["level"], f["profit"], f["revenue"], f["share"],
                         f"{f['share_first']} -> {f['share_last']}",
                         f"{standing} {f['standing_start']} -> {f['standing_end']}"])  # fmt: skip
        mk = self.s["market"]
        rows.append(["all firms", "channel", signed(mk["channel_profit"]),
                     compact(mk["customer_spend"]), "100.0%", "100.0% -> 100.0%", ""])  # fmt: skip
        return header, rows

    # --- the sentences --------------------------------------------------------------------

    def tell(self, reference: RunResult | None) -> Headline:
        sentences = [self.money(), *self.relationships(), *self.brands(), self.shares()]
        sentences += self.interventions()
        comparison = None
        if reference is not None:
            comparison = self.comparison(reference)
            sentences.append(self.against(reference, comparison))
        header, rows = self.key_table()
        shown = {who: {k: v for k, v in f.items() if not k.endswith("_value") and k != "level"}
                 for who, f in self.figures.items()}  # fmt: skip
        return Headline([s for s in sentences if s], header, rows, comparison and comparison[:2],
                        None if reference is None else reference.summary["scenario"], shown)

    def money(self) -> str:
        firms = sorted(self.figures, key=lambda w: self.figures[w]["profit_value"] or 0.0)
        worst, best = firms[0], firms[-1]
        f = self.figures
        losers = [w for w in firms if (f[w]["profit_value"] or 0.0) < 0]
        channel = f"the channel's profit was {signed(self.s['market']['channel_profit'])}"
        if not losers:
            lead = "Every firm made a profit"
        elif len(losers) == len(firms):
            lead = "Every firm lost money"
        elif len(losers) == 1:
            lead = f"{_name(worst)} was the only firm to lose money"
        else:
            lead = f"{len(losers)} of {len(firms)} firms lost money ({_list(map(_name, losers))})"
        return (f"{lead} over the {self.periods} weeks: {_name(best)} did best "
                f"({f[best]['profit']}) and {_name(worst)} worst ({f[worst]['profit']}); "
                f"{channel}.")  # fmt: skip

    def _first_defection(self, key: str, side: str) -> int | None:
        action = self.t("contract", f"{side}_action")
        active = self.t("contract", "relationship_active")
        if key not in action:
            return None
        defected = action.index[(action[key] < 0.5) & (active[key] > 0.5)]
        return int(defected[0]) if len(defected) else None

    def relationships(self) -> list[str]:
        contracts = self.s["contracts"]
        specs = {c.key: c for c in self.scenario.contracts}
        told: list[str] = []
        broken = [k for k, v in contracts.items() if v["breaks"]]
        trust = self.t("contract", "distributor_trust")
        for key in broken[:MAX_TOLD]:
            v, spec = contracts[key], specs[key]
            week = v["breaks"][0]
            first = self._first_defection(key, "supplier")
            cause = "" if first is None else (
                f", after {_name(spec.supplier)} first defected in week {first}")
            text = (f"The contract {key} broke in week {week}: {_name(spec.distributor)}'s trust "
                    f"in {_name(spec.supplier)} fell to {num(trust[key].loc[week], 2)}, below "
                    f"its {spec.trust.break_below:g} threshold{cause}")  # fmt: skip
            if len(v["breaks"]) > 1:
                text += f"; it broke {len(v['breaks'])} times in all (weeks " \
                        f"{_list([str(w) for w in v['breaks']])})"
            if v["recontracts"]:
                text += (f"; re-contracted in week {_list([str(w) for w in v['recontracts']])}, "
                         f"{'active' if v['active_end'] else 'broken again'} at the end")
            else:
                text += "; it was not re-contracted"
            told.append(_sentence(text) + ".")
        if len(broken) > MAX_TOLD:
            told.append(f"{len(broken) - MAX_TOLD} more contracts broke "
                        f"({_list(broken[MAX_TOLD:])}).")  # fmt: skip
        # contracts that did not break: cooperation or a slide into defection
        rest = [k for k in contracts if k not in broken]
        sliding = [k for k in rest if (contracts[k]["mutual_cooperation_share"] or 0.0) < 1.0]
        if not rest:
            return told
        if not sliding:
            held = "All" if not broken else "The other"
            told.append(f"{held} {len(rest)} relationships held: both sides cooperated in every "
                        "week.")  # fmt: skip
            return told
        by_side: dict[str, list[str]] = {}
        for key in sliding:
            d, s = self._first_defection(key, "distributor"), self._first_defection(key, "supplier")
            side, week = ("distributor", d) if s is None or (d is not None and d <= s) \
                else ("supplier", s)  # fmt: skip
            by_side.setdefault(side, []).append((week, key))
        parts = []
        for side, found in sorted(by_side.items(), key=lambda g: -len(g[1])):
            weeks: dict[int | None, list[str]] = {}
            for week, key in sorted(found, key=lambda wk: (wk[0] is None, wk[0] or 0)):
                weeks.setdefault(week, []).append(key)
            if len(found) == len(contracts) > 1 and len(weeks) == 1:
                where = [f"all {len(found)} contracts (week {next(iter(weeks))})"]
            else:
                where = [f"{_list(keys)} (week {week})" for week, keys in weeks.items()]
            parts.append(f"the {side} defected first on {_list(where)}")
        shares = [contracts[k]["mutual_cooperation_share"] or 0.0 for k in sliding]
        together = pct(shares[0]) if len(set(shares)) == 1 else (
            f"{pct(min(shares))} to {pct(max(shares))}")  # fmt: skip
        slid = (f"all {len(sliding)}" if len(sliding) == len(contracts)
                else f"{len(sliding)} of {len(contracts)}")  # fmt: skip
        lead = ("No relationship broke, but " if not broken else "Of the others, ") + (
            f"{slid} slid into defection: ")  # fmt: skip
        told.append(lead + "; ".join(parts) + f"; both sides cooperated in {together} of weeks.")
        held = [k for k in rest if k not in sliding]
        if held:
            told.append(f"The contracts {_list(held)} held: both sides cooperated in every week.")
        return told

    def _price_part(self, supplier: str) -> tuple[float, int | None]:
        """Brand equity the price term cost the supplier, and the first week priced off band."""
        units = self.t("supplier", "units")[supplier].to_numpy(float)
        in_band = self.t("supplier", "units_in_band")[supplier].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            off = np.where(units > 0, 1.0 - in_band / units, 0.0)
        market = self.scenario.market
        a, penalty = market.brand_adjustment, market.price_inconsistency_penalty
        part = 0.0
        for sold, share in zip(units > 0, off, strict=True):
            if sold:
                part += a * (-penalty * share - part)
        weeks = np.flatnonzero(off > OFF_BAND)
        return part, int(self.t("supplier", "units").index[weeks[0]]) if len(weeks) else None

    def _off_band_sellers(self, supplier: str) -> list[str]:
        """Distributors whose contract with the supplier priced outside the band or defected."""
        sellers = []
        for c in self.scenario.contracts:
            if c.supplier != supplier:
                continue
            priced = self.t("contract", "compliance_price_deviation").get(c.key)
            off = priced is not None and bool((priced < 0.5).any())
            if off or self._first_defection(c.key, "distributor") is not None:
                sellers.append(c.distributor)
        return list(dict.fromkeys(sellers))

    def brands(self) -> list[str]:
        suppliers = [w for w, f in self.figures.items() if f["level"] == "supplier"]
        change = {w: (self.figures[w]["standing_end_value"] or 0.0)
                  - (self.figures[w]["standing_start_value"] or 0.0) for w in suppliers}
        told = []
        for who in sorted(suppliers, key=lambda w: -abs(change[w]))[:2]:
            f = self.figures[who]
            moved = "rose" if change[who] > 0 else "fell" if change[who] < 0 else "stayed"
            text = (f"{_name(who)}'s brand equity {moved} from {f['standing_start']} to "
                    f"{f['standing_end']}")  # fmt: skip
            price, week = self._price_part(who)
            rest = change[who] - price
            causes = []
            if -price >= BRAND_NOTICE:
                sellers = self._off_band_sellers(who)
                by = f" (by {_list([_name(d) for d in sellers])})" if sellers else ""
                causes.append(f"prices outside the band from week {week}{by} cost it "
                              f"{num(-price)}")  # fmt: skip
            if abs(rest) >= BRAND_NOTICE:
                way = "added" if rest > 0 else "took"
                causes.append(f"its buyers' satisfaction {way} {num(abs(rest))}")
            told.append(_sentence(text + (": " + " and ".join(causes) if causes else "")) + ".")
        return told

    def shares(self) -> str:
        f = self.figures
        suppliers = [w for w in f if f[w]["level"] == "supplier"]
        distributors = [w for w in f if f[w]["level"] == "distributor"]
        lead = max(suppliers, key=lambda w: f[w]["share_value"] or 0.0)
        shop = max(distributors, key=lambda w: f[w]["share_value"] or 0.0)
        n, w = self.periods, self.window
        def change(x: str) -> float:
            return (f[x]["share_last_value"] or 0.0) - (f[x]["share_first_value"] or 0.0)

        # the largest move; of equal moves (two suppliers' shares), the fall
        moved = max(suppliers + distributors, key=lambda x: (round(abs(change(x)), 4), -change(x)))
        text = (f"{_name(lead)}'s brand took {f[lead]['share']} of the market's retail value and "
                f"{_name(shop)}'s stores sold {f[shop]['share']} of it")  # fmt: skip
        if abs(change(moved)) >= 0.02 and n >= 2 * w:
            way = "rose" if change(moved) > 0 else "fell"
            text += (f"; {_name(moved)}'s share {way} most, from {f[moved]['share_first']} in "
                     f"weeks 0-{w - 1} to {f[moved]['share_last']} in weeks {n - w}-{n - 1}")
        return text + "."

    def interventions(self) -> list[str]:
        acting = [iv for iv in self.scenario.interventions
                  if iv.enabled and iv.start < self.periods]  # fmt: skip
        if not acting:
            return []
        told = [f"{iv.id} ({iv.kind.replace('_', ' ')}) from week {iv.start}"
                + ("" if iv.end is None or iv.end >= self.periods else f" to week {iv.end - 1}")
                for iv in acting]  # fmt: skip
        return [f"Interventions acting: {_list(told)}."]

    # --- against a reference run ----------------------------------------------------------

    def comparison(self, reference: RunResult) -> tuple[list[str], list[list[str]], dict]:
        ref = reference.summary
        header = ["firm", f"profit: this run - {ref['scenario']}", "revenue: difference",
                  "brand equity (end): difference"]  # fmt: skip
        rows, deltas = [], {}
        for level, group in (("supplier", "suppliers"), ("distributor", "distributors")):
            revenue_key = "wholesale_revenue" if level == "supplier" else "retail_revenue"
            for who, v in self.s[group].items():
                other = ref[group].get(who)
                if other is None:
                    continue
                dp = (v["profit"] or 0.0) - (other["profit"] or 0.0)
                dr = (v[revenue_key] or 0.0) - (other[revenue_key] or 0.0)
                db = "" if level != "supplier" else (
                    f"{(v['brand_equity_end'] or 0.0) - (other['brand_equity_end'] or 0.0):+.3f}")
                deltas[who] = signed(dp), dp
                rows.append([who, signed(dp), signed(dr), db])
        dc = self.s["market"]["channel_profit"] - ref["market"]["channel_profit"]
        deltas["all firms"] = signed(dc), dc
        rows.append(["all firms", signed(dc), signed(self.s["market"]["customer_spend"]
                                                     - ref["market"]["customer_spend"]), ""])
        return header, rows, deltas

    def against(self, reference: RunResult, comparison) -> str:
        deltas = {k: v for k, v in comparison[2].items() if k != "all firms"}
        if not deltas:
            return ""
        ref = reference.summary
        same = "the same seed" if ref["seed"] == self.s["seed"] else f"seed {ref['seed']}"
        worst = min(deltas, key=lambda k: deltas[k][1])
        best = max(deltas, key=lambda k: deltas[k][1])
        up, down = deltas[best], deltas[worst]
        if up[1] <= 0:
            moves = f"every firm earned less, {_name(worst)} the most ({down[0]})"
        elif down[1] >= 0:
            moves = f"every firm earned more, {_name(best)} the most ({up[0]})"
        else:
            moves = (f"the largest gain was {_name(best)}'s ({up[0]}), the largest loss "
                     f"{_name(worst)}'s ({down[0]})")  # fmt: skip
        return (f"Against {ref['scenario']} ({same}), the channel's profit changed by "
                f"{comparison[2]['all firms'][0]}: {moves}.")  # fmt: skip
