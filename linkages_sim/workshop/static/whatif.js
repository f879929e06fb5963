/* linkages workshop: the what-if's arithmetic, in the facilitator's page.
   The server runs the market once per contract (linkages_sim/workshop/whatif.py) and sends,
   per action profile and replication, week by week, both firms' cumulative profit and the
   clauses each side was read to breach. Any horizon H and SLA penalty x then give the payoff
   matrix with the arithmetic of analysis.payoff_matrix.sweep_sla: a firm's payoff is its mean
   over the replications of profit / H - x (own breaches - other's breaches) / H. Computed here,
   so the sliders answer at once without asking the server (whatif.py does the same in Python;
   a test compares the two). Each side's class is a conclusion from means, so established()
   says whether the paired 95% intervals of its gaps T-R, R-P, P-S (the profiles share each
   replication's seeds) all lie on one side of zero, as WhatIf.established does. No library,
   no eval. */
"use strict";

const LWWhatIf = (() => {
  const PROFILES = ["CC", "CD", "DC", "DD"];  // the supplier's action first
  const PARTIES = ["supplier", "distributor"];
  const PROFILE_OF = {
    supplier: {T: "DC", R: "CC", P: "DD", S: "CD"},
    distributor: {T: "CD", R: "CC", P: "DD", S: "DC"},
  };
  const CLASS_WORDS = {
    prisoners_dilemma: "prisoner's dilemma",
    stag_hunt: "stag hunt",
    chicken: "chicken",
    harmony: "harmony",
    deadlock: "deadlock",
    other: "no standard class",
  };
  const CLASS_MEANING = {
    prisoners_dilemma: "cutting pays whatever the other does, yet both keeping beats both cutting",
    stag_hunt: "keeping pays if the other keeps; cutting is the safe move",
    chicken: "cut if the other keeps, keep if the other cuts",
    harmony: "keeping pays whatever the other does: no dilemma",
    deadlock: "cutting pays whatever the other does, and both cutting beats both keeping",
    other: "ties, or an order none of the standard games has",
  };

  const GAPS = [["T", "R"], ["R", "P"], ["P", "S"]];
  /** The comparisons (a > b) each class is made of (whatif.DEFINING in Python). */
  const DEFINING = {
    prisoners_dilemma: [["T", "R"], ["R", "P"], ["P", "S"]],
    stag_hunt: [["R", "T"], ["T", "P"], ["P", "S"]],
    chicken: [["T", "R"], ["R", "S"], ["S", "P"]],
    harmony: [["R", "T"], ["S", "P"]],
    deadlock: [["T", "P"], ["P", "R"], ["R", "S"]],
    other: [],
  };
  // Student's t, 0.975 quantile, for 1..30 degrees of freedom (scipy.stats.t.ppf); 1.96 above
  const T975 = [12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816,
    2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529,
    2.051831, 2.048407, 2.045230, 2.042272];

  /** Mean and two-sided 95% Student-t interval of replications: linkages_sim.stats.t_interval.
      The bounds are NaN with fewer than two values. */
  function tInterval(values) {
    const n = values.length;
    if (n === 0) return {mean: NaN, ci_low: NaN, ci_high: NaN};
    const mean = values.reduce((a, b) => a + b, 0) / n;
    if (n < 2) return {mean, ci_low: NaN, ci_high: NaN};
    const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
    const half = (n - 1 <= T975.length ? T975[n - 2] : 1.96) * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    return {mean, ci_low: mean - half, ci_high: mean + half};
  }

  /** A number as the page writes it: whole, thousands separated, a minus sign. */
  function whole(x) {
    const n = Math.floor(Math.abs(x) + 0.5);
    return (x < 0 && n ? "\u2212" : "") + n.toLocaleString("en");
  }

  /** The class of a 2x2 game from one player's payoffs: linkages_sim.game.stage.classify. */
  function classify(T, R, P, S) {
    if (T > R && R > P && P > S) return "prisoners_dilemma";
    if (R > T && T >= P && P > S) return "stag_hunt";
    if (T > R && R > S && S > P) return "chicken";
    if (R > T && S > P) return "harmony";
    if (T > P && P > R && R > S) return "deadlock";
    return "other";
  }

  /** Each profile's mean payoff per week for both firms, over the first H weeks, penalty x. */
  function profits(record, H, x) {
    const t = H - 1;
    const n = record.replications;
    const out = {};
    for (const p of PROFILES) {
      let s = 0, d = 0;
      for (let k = 0; k < n; k++) {
        const net = x * (record.breaches[p].supplier[k][t] - record.breaches[p].distributor[k][t]) / H;
        s += record.profit[p].supplier[k][t] / H - net;
        d += record.profit[p].distributor[k][t] / H + net;
      }
      out[p] = {supplier: s / n, distributor: d / n};
    }
    return out;
  }

  /** Each replication's payoff per week, per profile and firm (what profits() averages). */
  function replications(record, H, x) {
    const t = H - 1;
    const out = {};
    for (const p of PROFILES) {
      out[p] = {supplier: [], distributor: []};
      for (let k = 0; k < record.replications; k++) {
        const net = x * (record.breaches[p].supplier[k][t] - record.breaches[p].distributor[k][t]) / H;
        out[p].supplier.push(record.profit[p].supplier[k][t] / H - net);
        out[p].distributor.push(record.profit[p].distributor[k][t] / H + net);
      }
    }
    return out;
  }

  /** Per side at (H, x): its class by the means and whether paired 95% intervals establish it.
      gaps: T-R, R-P, P-S (and any other comparison the class is made of) with {mean, ci_low,
      ci_high} of the per-replication differences; established when each comparison that defines
      the class (DEFINING) lies above zero at 95%; unsettled: those that do not;
      verdict: the sentence shown. whatif.WhatIf.established computes the same in Python. */
  function established(record, H, x) {
    const byProfile = profits(record, H, x);
    const runs = replications(record, H, x);
    const n = record.replications;
    const out = {};
    for (const party of PARTIES) {
      const p = payoffs(byProfile, party);
      const kind = classify(p.T, p.R, p.P, p.S);
      const gaps = {}, unsettled = [];
      const paired = (a, b) => {
        const left = runs[PROFILE_OF[party][a]][party], right = runs[PROFILE_OF[party][b]][party];
        return tInterval(left.map((v, k) => v - right[k]));
      };
      for (const [a, b] of GAPS) gaps[`${a}-${b}`] = paired(a, b);
      for (const [a, b] of DEFINING[kind]) {  // the class's own comparisons, each a > b
        const key = `${a}-${b}`;
        if (!(key in gaps)) gaps[key] = paired(a, b);
        if (!(gaps[key].ci_low > 0)) unsettled.push(key);
      }
      if (kind === "other") unsettled.push("class");
      const words = CLASS_WORDS[kind];
      let verdict;
      if (n < 2) verdict = `${words} by the means \u2014 not established: one replication, no interval`;
      else if (kind === "other") verdict = `${words} by the means \u2014 nothing to establish`;
      else if (!unsettled.length) verdict = `${words} \u2014 established (each comparison that defines it holds at 95%)`;
      else {
        verdict = `${words} by the means \u2014 not established: ` + unsettled.map((key) => {
          const g = gaps[key];
          return `${key.replace("-", "\u2212")}'s interval ${whole(g.ci_low)} to ${whole(g.ci_high)} ` +
            (g.ci_low < 0 && 0 < g.ci_high ? "straddles" : "touches") + " zero";
        }).join("; ");
      }
      out[party] = {class: kind, gaps, established: n >= 2 && !unsettled.length, unsettled, verdict};
    }
    return out;
  }

  /** One side's T, R, P, S from the profiles' payoffs. */
  function payoffs(byProfile, party) {
    const out = {};
    for (const [letter, profile] of Object.entries(PROFILE_OF[party])) out[letter] = byProfile[profile][party];
    return out;
  }

  /** Mean breaches read of `party` in `profile` over the first H weeks. */
  function breaches(record, profile, party, H) {
    const rows = record.breaches[profile][party];
    return rows.reduce((sum, row) => sum + row[H - 1], 0) / rows.length;
  }

  /** Per side, the penalty above which cooperating is its best reply (R > T and S > P).
      0: already at no penalty; null: no penalty makes it so for good. Payoffs are linear in
      the penalty, so each gap a + b x is solved, as whatif.WhatIf.threshold does. */
  function threshold(record, H) {
    const base = profits(record, H, 0);
    const net = {};
    for (const p of PROFILES) {
      const n = record.replications;
      let sum = 0;
      for (let k = 0; k < n; k++) {
        sum += record.breaches[p].supplier[k][H - 1] - record.breaches[p].distributor[k][H - 1];
      }
      net[p] = sum / n / H;
    }
    const out = {};
    PARTIES.forEach((party, j) => {
      const pay = payoffs(base, party);
      const sign = j === 0 ? -1 : 1;
      const slope = {};
      for (const [letter, profile] of Object.entries(PROFILE_OF[party])) slope[letter] = sign * net[profile];
      let bound = 0;
      for (const [good, bad] of [["R", "T"], ["S", "P"]]) {
        const a = pay[good] - pay[bad], b = slope[good] - slope[bad];
        if (b > 0) bound = bound === null ? null : Math.max(bound, -a / b);
        else if (a <= 0 || b < 0) bound = null;
      }
      out[party] = bound;
    });
    return out;
  }

  /** The matrix at (H, x): per profile both payoffs, per side T R P S, class, best replies. */
  function matrix(record, H, x) {
    const byProfile = profits(record, H, x);
    const sides = {};
    for (const party of PARTIES) {
      const p = payoffs(byProfile, party);
      const kind = classify(p.T, p.R, p.P, p.S);
      sides[party] = {...p, class: kind, dominant: p.R > p.T && p.S > p.P};
    }
    // best replies: the supplier picks the row given the distributor's column, and vice versa
    const best = {};
    for (const profile of PROFILES) {
      const [s, d] = profile;
      const otherRow = (s === "C" ? "D" : "C") + d, otherCol = s + (d === "C" ? "D" : "C");
      best[profile] = {
        supplier: byProfile[profile].supplier >= byProfile[otherRow].supplier,
        distributor: byProfile[profile].distributor >= byProfile[otherCol].distributor,
      };
    }
    const equilibria = PROFILES.filter((p) => best[p].supplier && best[p].distributor);
    const better = {};  // an equilibrium both sides would leave together: the dilemma's cells
    for (const e of equilibria) {
      better[e] = PROFILES.filter((p) => byProfile[p].supplier > byProfile[e].supplier &&
        byProfile[p].distributor > byProfile[e].distributor);
    }
    return {profiles: byProfile, sides, best, equilibria, better};
  }

  return {PROFILES, PARTIES, PROFILE_OF, CLASS_WORDS, CLASS_MEANING, GAPS, DEFINING, T975, tInterval, whole,
    classify, profits, replications, payoffs, breaches, threshold, matrix, established};
})();
