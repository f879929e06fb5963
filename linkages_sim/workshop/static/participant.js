/* linkages workshop: the participant's page (a phone).
   The seat's token lives in localStorage, so a reload (or a lost connection) gets the same
   seat back; a seat link (/join#seat=TOKEN) moves it to another device. */
"use strict";

(() => {
  const {el, replace, $, toast, move, fmt, percent, spread, rankText, Countdown, Channel} = LW;
  const SEAT_KEY = "linkages-workshop-seat";
  const NAME_KEY = "linkages-workshop-name";
  const CODE_KEY = "linkages-workshop-code";
  const NAMES = {C: "Cooperate", D: "Defect"};

  let channel = null;
  let state = null;
  const clock = new Countdown($("clock"));

  function token() {
    return localStorage.getItem(SEAT_KEY);
  }

  function showJoin(message) {
    $("play-view").hidden = true;
    $("join-view").hidden = false;
    const params = new URLSearchParams(location.search);
    if (params.get("code") && !$("code").value) $("code").value = params.get("code").toUpperCase();
    if (!$("name").value && localStorage.getItem(NAME_KEY)) $("name").value = localStorage.getItem(NAME_KEY);
    $("join-error").textContent = message || "";
    ($("code").value ? $("name") : $("code")).focus();
  }

  function connect() {
    if (channel) channel.stop();
    channel = new Channel(
      () => ({type: "hello", role: "participant", token: token()}),
      onMessage,
      (up) => $("link-dot").classList.toggle("on", up),
    );
  }

  function onMessage(data) {
    if (data.type === "state") {
      state = data;
      render();
    } else if (data.type === "welcome") {
      localStorage.setItem(CODE_KEY, data.code);
      $("join-view").hidden = true;
      $("play-view").hidden = false;
    } else if (data.type === "error") {
      if (data.ref === "hello" && data.code === "unauthorised") {
        localStorage.removeItem(SEAT_KEY);
        if (channel) channel.stop();
        channel = null;
        showJoin(data.message);
        return;
      }
      toast(data.message, true);
    }
  }

  async function join(event) {
    event.preventDefault();
    const code = $("code").value.trim().toUpperCase();
    const name = $("name").value.trim();
    $("join-error").textContent = "";
    $("join-button").disabled = true;
    try {
      const response = await fetch("/api/join", {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({code, name}),
      });
      const body = await response.json().catch(() => ({message: "the server did not answer"}));
      if (!response.ok) {
        $("join-error").textContent = body.message || "could not join";
        return;
      }
      localStorage.setItem(SEAT_KEY, body.token);
      localStorage.setItem(NAME_KEY, body.name);
      localStorage.setItem(CODE_KEY, body.code);
      connect();
    } catch (_) {
      $("join-error").textContent = "cannot reach the server; check the Wi-Fi";
    } finally {
      $("join-button").disabled = false;
    }
  }

  function choose(letter) {
    if (!state || !state.round.open || state.your_move) return;
    if (channel.send({type: "move", round: state.round.number, move: letter})) {
      for (const b of document.querySelectorAll("#choices button")) b.disabled = true;
    }
  }

  function roundTitle(s) {
    const r = s.round;
    const n = r.open ? r.number : r.played;
    if (s.phase === "lobby") return "Waiting to start";
    const of = s.length.rounds && !s.length.hidden ? ` of ${s.length.rounds}` : "";
    return `Round ${n}${of}`;
  }

  function tags(byBot, flipped) {
    return [byBot ? el("span", {class: "tag bot"}, "bot") : null,
            flipped ? el("span", {class: "tag noise"}, "noise") : null];
  }

  function render() {
    const s = state;
    document.body.classList.toggle("channel", s.activity === "channel");
    $("channel-view").hidden = s.activity !== "channel";
    $("channel-choices").hidden = true;
    if (s.activity === "channel") {
      renderChannel(s);
      return;
    }
    $("you-name").textContent = s.you.name;
    $("you-code").textContent = s.code;
    $("seat-link").textContent = `${location.origin}/join#seat=${token()}`;
    $("round-title").textContent = roundTitle(s);
    clock.set(s.round);
    $("total").textContent = fmt(s.total);
    $("partner-total").textContent = fmt(s.partner_total);

    const partner = s.partner;
    $("partner-line").textContent = !s.seated ? "" :
      partner.bot ? "Your partner: a computer player" : `Your partner: ${partner.name}`;

    const banner = $("banner");
    banner.hidden = true;
    if (s.phase === "paused") {
      banner.hidden = false;
      banner.textContent = "Paused: wait for the facilitator.";
    }

    const open = s.round.open;
    $("choices").hidden = !(open && s.seated);
    for (const b of document.querySelectorAll("#choices button")) {
      const chosen = s.your_move === b.dataset.move;
      b.classList.toggle("chosen", chosen);
      b.disabled = !!s.your_move || s.phase === "paused";
      b.setAttribute("aria-pressed", chosen ? "true" : "false");
    }

    const note = $("round-note");
    if (s.phase === "lobby") {
      note.textContent = "You are in. You will be paired when the first round opens.";
    } else if (!s.seated) {
      note.textContent = "This match is over; you will play in the next one.";
    } else if (open && s.your_move) {
      note.textContent = `You chose ${NAMES[s.your_move]}. Waiting for the others ` +
        `(${s.round.moved} of ${s.round.expected} moved).`;
    } else if (open) {
      note.textContent = "Choose before the time runs out, or the bot moves for you.";
    } else if (s.phase === "over") {
      note.textContent = `The match is over after ${s.round.played} rounds. Wait for the reveal.`;
    } else if (s.phase === "revealing") {
      note.textContent = "The reveal is being computed…";
    } else if (s.phase === "revealed") {
      note.textContent = `The match is over after ${s.round.played} rounds.`;
    } else {
      note.textContent = "Waiting for the next round.";
    }

    renderResult(s);
    renderHistory(s);
    renderPayoffs(s);
    renderReveal(s);
  }

  function renderResult(s) {
    const box = $("result");
    const last = s.history[s.history.length - 1];
    if (s.round.open || !last) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    replace(box,
      el("div", {class: "result"},
        el("div", {}, el("div", {class: "muted"}, "You"),
          el("div", {class: "big"}, move(last.you)), tags(last.you_by_bot, last.you_flipped),
          el("div", {class: "big"}, "+" + fmt(last.your_payoff))),
        el("div", {}, el("div", {class: "muted"}, "Partner"),
          el("div", {class: "big"}, move(last.partner)), tags(last.partner_by_bot, last.partner_flipped),
          el("div", {class: "big"}, "+" + fmt(last.partner_payoff)))),
      last.you_by_bot ? el("p", {class: "small muted"},
        "You did not move in time: the bot chose for you.") : null,
      last.you_flipped ? el("p", {class: "small muted"},
        `Noise flipped your move: you chose ${NAMES[last.you_chose]}.`) : null,
    );
  }

  function renderHistory(s) {
    const rows = s.history.slice().reverse().map((h) => el("tr", {},
      el("td", {}, String(h.round)),
      el("td", {}, move(h.you), tags(h.you_by_bot, h.you_flipped)),
      el("td", {}, move(h.partner), tags(h.partner_by_bot, h.partner_flipped)),
      el("td", {class: "num"}, fmt(h.your_payoff)),
      el("td", {class: "num"}, fmt(h.partner_payoff))));
    replace($("history"), rows.length ? rows : el("tr", {}, el("td", {colspan: 5, class: "muted"}, "No rounds yet.")));
  }

  function renderPayoffs(s) {
    const p = s.payoffs;
    replace($("payoffs"),
      el("tr", {}, el("th", {}, "You C"), el("td", {}, `${fmt(p.R, 1)}, ${fmt(p.R, 1)}`),
        el("td", {}, `${fmt(p.S, 1)}, ${fmt(p.T, 1)}`)),
      el("tr", {}, el("th", {}, "You D"), el("td", {}, `${fmt(p.T, 1)}, ${fmt(p.S, 1)}`),
        el("td", {}, `${fmt(p.P, 1)}, ${fmt(p.P, 1)}`)));
  }

  function renderReveal(s) {
    const card = $("reveal-card");
    const r = s.reveal;
    if (!r || !r.what_if) {
      card.hidden = true;
      return;
    }
    card.hidden = false;
    const w = r.what_if;
    const row = r.tournament_row;
    const cell = (s) => el("td", {class: "num"}, fmt(s.mean, 1),
      Math.abs(s.high - s.low) > 1e-9 ? el("div", {class: "small muted"}, `${fmt(s.low)}–${fmt(s.high)}`) : null);
    const rows = w.rows.map((x) => el("tr", {},
      el("td", {}, x.strategy), cell(x.score), cell(x.opponent_score)));
    const replays = r.random ? ` Numbers in brackets: lowest–highest over ${r.replays} replays.` : "";
    replace(card,
      el("h2", {}, "The reveal"),
      el("p", {}, "Your moves: ", w.moves.split("").map((m, k) => [move(m), w.by_bot[k] ? el("span", {class: "tag bot"}, "bot") : null]),
        ` (you scored ${fmt(w.actual_score)}; cooperated ${percent(w.cooperation)})`),
      row ? el("p", {}, el("strong", {}, `Room tournament: rank ${rankText(row.rank)} of ${r.players}`),
        `, ${spread(row.score_per_round)} points per round.`) : null,
      el("h3", {}, "Your sequence against each strategy"),
      el("table", {class: "history"},
        el("thead", {}, el("tr", {}, el("th", {}, "Against"), el("th", {class: "num"}, "You"),
          el("th", {class: "num"}, "Them"))),
        el("tbody", {}, rows)),
      el("p", {class: "small muted"}, `Totals over ${r.turns} rounds.${replays}`),
      el("div", {class: "lesson"}, r.lesson.map((t) => el("p", {}, t))));
  }

  // -- the channel game ------------------------------------------------------------------
  const SIDE = {supplier: "supplier", distributor: "distributor"};
  /** The levers this phone would cut, before Submit: kept per seat and round. */
  let draft = {key: null, cuts: new Set()};
  let leverKey = null;

  function chooseAction(action) {
    const s = state;
    if (!s || !s.round.open || s.your_move || !s.seat) return;
    if (channel.send({type: "choose", round: s.round.number, seat: s.seat.key, action})) {
      for (const b of document.querySelectorAll("#channel-choices button")) b.disabled = true;
    }
  }

  function submitLevers() {
    const s = state;
    if (!s || !s.round.open || s.your_move || !s.seat) return;
    const cuts = s.seat.levers.map((l) => l.lever).filter((l) => draft.cuts.has(l));
    if (channel.send({type: "choose", round: s.round.number, seat: s.seat.key, cuts})) {
      for (const b of document.querySelectorAll("#channel-choices button")) b.disabled = true;
    }
  }

  function toggleLever(lever, cut) {
    if (!state || state.your_move) return;
    if (cut) draft.cuts.add(lever); else draft.cuts.delete(lever);
    renderLeverState(state);
  }

  /** "Quality and Fill rate": lever names in a sentence. */
  function names(levers, all) {
    const shown = all.filter((l) => levers.includes(l.lever)).map((l) => l.name);
    if (shown.length <= 1) return shown.join("");
    return `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
  }

  /** What a choice of cuts keeps and cuts, in words. */
  function cutWords(cuts, all) {
    if (!cuts.length) return "kept every lever";
    if (cuts.length === all.length) return "cut every lever";
    const kept = all.map((l) => l.lever).filter((l) => !cuts.includes(l));
    return `cut ${names(cuts, all)}; kept ${names(kept, all)}`;
  }

  function clauseLine(l) {
    if (l.clauses.length) return `${l.clauses.length > 1 ? "clauses" : "clause"}: ${l.clauses.map(standard).join("; ")}`;
    if (l.read === "unread") return "no clause measures it: your partner's review does not read it";
    return "no clauses: the review reads your move (a cut if any lever is cut)";
  }

  /** One row per lever: its clauses, what cutting it does, a Keep / Cut pair of buttons. */
  function renderLevers(s) {
    const seat = s.seat;
    const key = `${s.round.number}|${seat.key}`;
    if (draft.key !== key) draft = {key, cuts: new Set()};
    const shape = key + "|" + seat.levers.map((l) => l.lever + l.consequence).join("|");
    if (leverKey !== shape) {
      leverKey = shape;
      replace($("levers"), seat.levers.map((l) => el("li", {class: "lever"},
        el("div", {class: "lever-head"}, el("strong", {}, l.name), " ",
          el("span", {class: "small muted"}, `(${clauseLine(l)})`)),
        el("p", {class: "small lever-effect"}, l.consequence),
        el("div", {class: "toggle", role: "group", "aria-label": l.name},
          el("button", {type: "button", id: `lever-${l.lever}-keep`, class: "C",
            "aria-pressed": "true", onclick: () => toggleLever(l.lever, false)}, "Keep"),
          el("button", {type: "button", id: `lever-${l.lever}-cut`, class: "D",
            "aria-pressed": "false", onclick: () => toggleLever(l.lever, true)}, "Cut")))));
    }
    renderLeverState(s);
  }

  /** The toggles as chosen (the draft, or the move already sent) and whether they can change. */
  function renderLeverState(s) {
    const seat = s.seat;
    const sent = s.your_cuts;
    const cuts = sent ? new Set(sent) : draft.cuts;
    const locked = !!s.your_move || s.phase === "paused";
    for (const l of seat.levers) {
      for (const [choice, cut] of [["keep", false], ["cut", true]]) {
        const b = $(`lever-${l.lever}-${choice}`);
        if (!b) continue;
        const on = cuts.has(l.lever) === cut;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.classList.toggle("chosen", on);
        b.disabled = locked;
      }
    }
    const submit = $("submit-levers");
    submit.disabled = locked;
    submit.textContent = sent ? "Sent" : "Submit";
    const chosen = seat.levers.map((l) => l.lever).filter((x) => cuts.has(x));
    $("lever-summary").textContent = (sent ? "Sent: you " : "Your choice: ") + cutWords(chosen, seat.levers) + ".";
    for (const b of [$("choose-keep"), $("choose-cut")]) {
      const all = b.id === "choose-cut";
      const mine = !!sent && (all ? sent.length === seat.levers.length : sent.length === 0);
      b.classList.toggle("chosen", mine);
      b.disabled = locked;
      b.setAttribute("aria-pressed", mine ? "true" : "false");
    }
  }

  function num(x, digits) {
    return x === null || x === undefined ? "–" : Number(x).toLocaleString(undefined,
      {maximumFractionDigits: digits === undefined ? 0 : digits});
  }

  function standard(t) {
    if (t.threshold === null) return t.metric.replace(/_/g, " ");
    return `${t.metric.replace(/_/g, " ")} ${t.direction === ">=" ? "≥" : "≤"} ${t.threshold}`;
  }

  function renderChannel(s) {
    $("you-name").textContent = s.you.name;
    $("you-code").textContent = s.code;
    $("seat-link").textContent = `${location.origin}/join#seat=${token()}`;
    const r = s.round;
    $("round-title").textContent = s.phase === "lobby" ? "Waiting to start" :
      `Review ${r.open ? r.number : r.played} of ${s.length.rounds}`;
    clock.set(r);
    const banner = $("banner");
    banner.hidden = s.phase !== "paused";
    banner.textContent = "Paused: wait for the facilitator.";
    const seat = s.seat;
    const note = $("round-note");
    if (!seat) {
      note.textContent = "You have no seat yet.";
      return;
    }
    $("seat-line").textContent = `You play ${seat.firm}, the ${SIDE[seat.side]} of contract ` +
      `${seat.terms.contract}; your partner is ${seat.partner_firm}.`;
    $("team-line").textContent = `Team: ${seat.team.join(", ")} · ` + (s.rule === "captain" ?
      `the captain (${seat.captain_name}) decides` :
      "the majority decides, lever by lever (a tie: the captain's choice; without it, kept)");
    const select = $("seat-select");
    if (!select.matches(":focus")) {
      replace(select, s.seats.map((x) => el("option", {value: x.key},
        `${x.firm} (${x.side}, ${x.key.split(":")[0]}) · ${x.members} in the team`)));
      select.value = seat.key;
    }
    select.disabled = r.open;

    const choices = $("channel-choices");
    choices.hidden = !(r.open && seat.deciding);
    if (!choices.hidden) renderLevers(s);
    if (s.phase === "lobby") note.textContent = "You are in a team. The game starts when the facilitator opens the first review.";
    else if (r.open && !seat.deciding) note.textContent = "Your contract is not reviewed this round.";
    else if (r.open && s.your_move) note.textContent = `You ${cutWords(s.your_cuts || [], seat.levers)}. ` +
      `${seat.team_moved} of ${seat.team.length} in your team moved.`;
    else if (r.open) note.textContent = (seat.counts ? "" : "The captain's move counts; yours is advice. ") +
      "Choose before the time runs out, or the bot moves for your team.";
    else if (s.phase === "over") note.textContent = `The game is over after ${r.played} reviews.`;
    else note.textContent = "The market is running to the next review. Wait for the next round.";

    const result = $("channel-result");
    const latest = s.history[s.history.length - 1];
    result.hidden = r.open || !latest;
    if (latest) {
      result.textContent = latest.cuts === null ? `Review ${latest.round}: your contract was not reviewed.` :
        `Review ${latest.round}: your team ${cutWords(latest.cuts, seat.levers)}` +
        (latest.by_bot ? " (the bot chose: no move in time)." : ".");
    }

    $("brand-head").textContent = seat.side === "supplier" ? "Brand" : "Satisfaction";
    const letters = Object.fromEntries(seat.levers.map((l) => [l.lever, l.name]));
    const moveText = (h) => h.cuts === null ? "–" : !h.cuts.length ? "keep" :
      h.cuts.length === seat.levers.length ? "cut all" : "cut " + h.cuts.map((x) => letters[x]).join(", ");
    const rows = s.history.slice().reverse().map((h) => el("tr", {},
      el("td", {}, String(h.round)),
      el("td", {}, moveText(h), h.by_bot ? el("span", {class: "tag bot"}, "bot") : null),
      el("td", {class: "num"}, num(h.profit)),
      el("td", {class: "num"}, percent(h.market_share)),
      el("td", {class: "num"}, num(seat.side === "supplier" ? h.brand_equity : h.satisfaction, 2)),
      el("td", {class: "num"}, num(h.trust, 2))));
    replace($("channel-history"), rows.length ? rows : el("tr", {}, el("td", {colspan: 6, class: "muted"}, "No review played yet.")));

    const t = seat.terms;
    $("noise-line").textContent = `Each reading is wrong with probability ${t.monitoring_error} ` +
      `(the contract's monitoring error); the contract breaks when the distributor's trust falls below ${t.break_below}.`;
    const last = s.history[s.history.length - 1];
    const read = last ? Object.fromEntries(last.observed.map((o) => [o.clause, o.met])) : {};
    replace($("observed"), t.partner.map((c) => el("tr", {},
      el("td", {}, standard(c)),
      el("td", {}, !(c.clause in read) ? "–" : read[c.clause] ?
        el("span", {class: "read-met"}, "met") : el("span", {class: "read-breached"}, "breached")))));
    renderCounterfactual(s);
    const own = last ? Object.fromEntries(last.own_compliance.map((o) => [o.clause, o])) : {};
    replace($("own-clauses"), t.own.map((c) => el("tr", {},
      el("td", {}, standard(c)),
      el("td", {class: "num"}, own[c.clause] ? num(own[c.clause].value, 2) : "–"),
      el("td", {}, !own[c.clause] ? "" : own[c.clause].met ?
        el("span", {class: "read-met"}, "met") : el("span", {class: "read-breached"}, "missed")))));
  }

  /** Once the game is over: your firm's profit as played and had your seat played otherwise. */
  function renderCounterfactual(s) {
    const cf = s.counterfactual;
    $("counterfactual-card").hidden = !cf;
    if (!cf) return;
    $("counterfactual-line").textContent = `The same market and random numbers, replayed over the ` +
      `${cf.rounds} reviews with your seat playing each strategy; the other teams' moves as they were, ` +
      "the bots reacting. Your firm's profit over the game.";
    const signed = (x) => (x > 0.5 ? "+" : x < -0.5 ? "−" : "±") + num(Math.abs(x));
    replace($("counterfactual"),
      el("tr", {}, el("td", {}, "as played"), el("td", {class: "mono"}, cf.actual.moves),
        el("td", {class: "num"}, num(cf.actual.profit)), el("td", {class: "num"}, "")),
      cf.alternatives.map((a) => el("tr", {}, el("td", {}, a.label),
        el("td", {class: "mono"}, a.moves), el("td", {class: "num"}, num(a.profit)),
        el("td", {class: "num"}, signed(a.difference)))));
  }

  // -- start ---------------------------------------------------------------------------
  $("join-form").addEventListener("submit", join);
  $("choose-C").addEventListener("click", () => choose("C"));
  $("choose-D").addEventListener("click", () => choose("D"));
  $("choose-keep").addEventListener("click", () => chooseAction("keep"));
  $("choose-cut").addEventListener("click", () => chooseAction("cut"));
  $("submit-levers").addEventListener("click", submitLevers);
  $("seat-select").addEventListener("change", (e) => {
    if (channel) channel.send({type: "seat", seat: e.target.value});
  });

  const seat = new URLSearchParams(location.hash.slice(1)).get("seat");
  if (seat) {
    localStorage.setItem(SEAT_KEY, seat);
    history.replaceState(null, "", location.pathname + location.search);
  }
  const wanted = (new URLSearchParams(location.search).get("code") || "").toUpperCase();
  const other = wanted && !seat && wanted !== localStorage.getItem(CODE_KEY);
  if (token() && !other) {
    $("play-view").hidden = false;
    connect();
  } else {
    showJoin();
  }
})();
