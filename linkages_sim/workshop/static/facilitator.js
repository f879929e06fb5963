/* linkages workshop: the facilitator's page (the projector).
   The token arrives once in the URL (?token=...), moves to sessionStorage and leaves the
   address bar, so the projected URL never shows it. Every action goes over the websocket;
   the page redraws from the state the server sends back. History: the page can show the
   session as it was after any saved event (the server replays its log), while the live
   state keeps arriving underneath; downloads go through fetch, with the token in a header. */
"use strict";

(() => {
  const {el, svg, replace, $, toast, move, fmt, percent, spread, rankText, Countdown, Channel} = LW;
  const TOKEN_KEY = "linkages-facilitator-token";

  const params = new URLSearchParams(location.search);
  if (params.get("token")) {
    sessionStorage.setItem(TOKEN_KEY, params.get("token"));
    history.replaceState(null, "", location.pathname + location.hash);
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  const clock = new Countdown($("clock"));
  let channel = null;
  let state = null;  // what is drawn: the live state, or the replayed one
  let live = null;
  let replay = null;  // {upto, total, event, state} while stepping through the history
  let code = location.hash.slice(1).toUpperCase() || null;

  async function request(path, options) {
    const response = await fetch(path, {
      ...(options || {}),
      headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.message || `the server answered ${response.status}`);
    }
    return response;
  }

  async function api(path, options) {
    return (await request(path, options)).json();
  }

  async function loadSessions() {
    const {sessions} = await api("/api/sessions");
    const select = $("session-select");
    replace(select, sessions.map((s) => el("option", {value: s.code}, s.code)));
    if (!sessions.length) {
      $("no-session").hidden = false;
      $("main").hidden = true;
      return;
    }
    if (!code || !sessions.some((s) => s.code === code)) code = sessions[sessions.length - 1].code;
    select.value = code;
    open(code);
  }

  async function createSession() {
    try {
      const body = await api("/api/sessions", {method: "POST", body: "{}"});
      code = body.code;
      await loadSessions();
    } catch (err) {
      toast(err.message, true);
    }
  }

  function open(newCode) {
    code = newCode;
    history.replaceState(null, "", location.pathname + "#" + code);
    $("no-session").hidden = true;
    $("main").hidden = false;
    if (channel) channel.stop();
    live = null;
    replay = null;
    channel = new Channel(
      () => ({type: "hello", role: "facilitator", token, code}),
      onMessage,
      (up) => {
        $("link-dot").classList.toggle("on", up);
        $("link-text").textContent = up ? "live" : "reconnecting…";
      },
    );
  }

  function onMessage(data) {
    if (data.type === "state") {
      live = data;
      if (replay) renderHistory();
      else {
        state = data;
        render();
      }
    } else if (data.type === "error") {
      toast(data.message, true);
      if (data.ref === "hello") {  // the session or the token is gone (a restarted server)
        if (channel) channel.stop();
        channel = null;
        if (data.code === "unauthorised") $("no-token").hidden = false;
        else loadSessions().catch((err) => toast(err.message, true));
      }
    }
  }

  function send(type, extra) {
    if (channel) channel.send({type, ...(extra || {})});
  }

  // -- rendering ----------------------------------------------------------------------

  const PHASES = {
    lobby: "lobby", open: "round open", paused: "paused", closed: "between rounds",
    over: "match over", revealing: "computing the reveal", revealed: "revealed",
  };

  function render() {
    const s = state;
    $("join-code").textContent = s.code;
    $("join-url").textContent = s.join_url;
    const qr = `/qr/${encodeURIComponent(s.code)}.svg`;
    if ($("qr").getAttribute("src") !== qr) $("qr").setAttribute("src", qr);
    $("seed-line").textContent = `seed ${s.seed} · match ${s.match + 1}`;
    $("joined-count").textContent = String(s.participants.length);
    replace($("people"), s.participants.map((p) => el("li", {class: p.moved ? "moved" : ""},
      el("span", {class: "status-dot" + (p.connected ? " on" : "")}), p.name,
      p.moved ? " ✓" : "")));

    const channelGame = s.activity === "channel";
    document.body.classList.toggle("channel", channelGame);
    const activity = $("set-activity");
    if (!activity.matches(":focus")) activity.value = s.activity;
    activity.disabled = s.phase !== "lobby" || Boolean(replay);
    renderRound(s);
    if (channelGame) {
      if (s.phase === "lobby") $("round-line").textContent = `${s.participants.length} joined; ` +
        `scenario ${s.scenario.name}: ${s.scenario.contracts} contracts, ${s.seats.length} seats (bots take the empty ones)`;
      renderChannelSettings(s);
      renderSeats(s);
      renderChannelCharts(s);
      renderCounterfactuals(s);
      renderHistory();
      return;
    }
    renderSettings(s);
    renderChart(s);
    renderPairs(s);
    renderLeaderboard(s);
    renderReveal(s);
    renderHistory();
  }

  // -- the channel game ----------------------------------------------------------------
  const COLOURS = ["#1d4ed8", "#b91c1c", "#15803d", "#a16207", "#7c3aed", "#0e7490",
    "#be185d", "#4d7c0f", "#c2410c", "#334155", "#9333ea", "#0f766e"];

  function renderChannelSettings(s) {
    const st = s.channel_settings;
    $("channel-summary").textContent = `${st.rounds} reviews · ${st.customers} customers · ` +
      `bot ${st.bot} · the ${st.rule} decides · ${st.round_seconds}s`;
    const form = $("channel-form");
    const lobby = s.phase === "lobby" && !replay;
    for (const input of form.querySelectorAll("input, select, button")) input.disabled = !lobby;
    if (!lobby) $("channel-settings-panel").open = false;
    if (form.contains(document.activeElement) && lobby) return;
    const bot = $("ch-bot");
    if (bot.options.length !== s.strategies.length + 1) {
      replace(bot, el("option", {value: "contract"}, "each party's own (the scenario's)"),
        s.strategies.map((name) => el("option", {value: name}, name)));
    }
    bot.value = st.bot === "contract" || s.strategies.includes(st.bot) ? st.bot : "contract";
    $("ch-rounds").value = st.rounds;
    $("ch-customers").value = st.customers;
    $("ch-rule").value = st.rule;
    $("ch-seconds").value = st.round_seconds;
  }

  function applyChannel(event) {
    event.preventDefault();
    const number = (id) => Math.round(Number($(id).value));
    send("channel_settings", {rounds: number("ch-rounds"), customers: number("ch-customers"),
      bot: $("ch-bot").value, rule: $("ch-rule").value, round_seconds: number("ch-seconds")});
    document.activeElement.blur();
    toast("Settings sent");
  }

  function renderSeats(s) {
    const rows = s.seats.map((seat, k) => el("tr", {},
      el("td", {}, el("span", {class: "status-dot on", style: null, title: seat.key},
        ""), " ", el("strong", {style: null}, seat.firm), ` ${seat.side} · ${seat.contract}`),
      el("td", {}, seat.members.length ? seat.members.map((m, i) => [i ? ", " : "",
        m.captain ? "★" : "", m.name, m.moved ? " ✓" : ""]) : el("em", {class: "muted"}, "bot")),
      el("td", {}, el("span", {class: "strip"}, seat.actions.map((a, i) => el("span", {
        class: `cell ${a === "cut" ? "D" : a === "keep" ? "C" : ""}${seat.by_bot[i] ? " bot" : ""}`,
        title: `round ${i + 1}: ${a || "not reviewed"}${seat.by_bot[i] ? " (bot)" : ""}`,
      }, a === "cut" ? "X" : a === "keep" ? "K" : "–")))),
      el("td", {class: "num"}, s.round.open ? (seat.deciding ? `${seat.moved}/${seat.expected}` : "–") : ""),
      el("td", {}, el("span", {class: "legend-swatch", title: "chart colour"},
        el("span", {class: "tag", "data-k": String(k)}, String(k + 1))))));
    replace($("seats"), rows);
    for (const tag of $("seats").querySelectorAll("span.tag[data-k]")) {
      tag.style.background = COLOURS[Number(tag.dataset.k) % COLOURS.length];
      tag.style.color = "#fff";
    }
    $("chart-legend").textContent = "Line n is seat n in the table (its colour tag). Profit: over the round's periods; " +
      "share: of value sold (supplier) or of customers' spending (distributor); brand equity (supplier) " +
      "or its stores' satisfaction (distributor); trust in the partner after the review's readings.";
  }

  function lineChart(id, title, seats, value, format) {
    const chart = $(id);
    const W = Math.max(280, Math.round(chart.getBoundingClientRect().width) || 320);
    const H = 180, left = 56, right = 10, top = 22, bottom = 24;
    chart.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const series = seats.map((seat) => seat.kpis.map(value));
    const all = series.flat().filter((v) => v !== null && v !== undefined && isFinite(v));
    const parts = [svg("text", {x: left, y: 14}, title)];
    const n = Math.max(2, ...series.map((x) => x.length));
    if (!all.length) {
      parts.push(svg("text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, "no round played yet"));
      replace(chart, parts);
      return;
    }
    let lo = Math.min(...all), hi = Math.max(...all);
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const x = (k) => left + k * (W - left - right) / (n - 1);
    const y = (v) => top + (1 - (v - lo) / (hi - lo)) * (H - top - bottom);
    for (const v of [lo, hi]) {
      parts.push(svg("line", {x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: "#d1d5db"}));
      parts.push(svg("text", {x: left - 4, y: y(v) + 4, "text-anchor": "end"}, format(v)));
    }
    for (let k = 0; k < n; k++) parts.push(svg("text", {x: x(k), y: H - 6, "text-anchor": "middle"}, String(k + 1)));
    series.forEach((values, i) => {
      const pts = values.map((v, k) => (v === null || v === undefined ? null : `${x(k)},${y(v)}`)).filter(Boolean);
      const colour = COLOURS[i % COLOURS.length];
      if (pts.length > 1) parts.push(svg("polyline", {points: pts.join(" "), fill: "none", stroke: colour, "stroke-width": 2}));
      values.forEach((v, k) => {
        if (v === null || v === undefined) return;
        parts.push(svg("circle", {cx: x(k), cy: y(v), r: 3, fill: colour},
          svg("title", {}, `${seats[i].key}, round ${k + 1}: ${format(v)}`)));
      });
    });
    replace(chart, parts);
  }

  function renderChannelCharts(s) {
    const money = (v) => Math.abs(v) >= 1000 ? `${Math.round(v / 1000)}k` : fmt(v);
    lineChart("chart-profit", "Profit", s.seats, (k) => k.profit, money);
    lineChart("chart-share", "Market share", s.seats, (k) => k.market_share, percent);
    lineChart("chart-brand", "Brand equity / satisfaction", s.seats,
      (k) => k.brand_equity !== null ? k.brand_equity : k.satisfaction, (v) => fmt(v, 2));
    lineChart("chart-trust", "Trust in the partner", s.seats, (k) => k.trust, (v) => fmt(v, 2));
  }

  // -- the channel game's debrief: the same market replayed with other moves ---------------
  const amount = (x) => x === null || x === undefined ? "–" :
    Number(x).toLocaleString("en", {maximumFractionDigits: 0});
  const signed = (x, digits) => {
    const d = digits || 0;
    if (x === null || x === undefined || Math.abs(x) < 0.5 * 10 ** -d) return "±0";
    const text = Number(Math.abs(x)).toLocaleString("en", {minimumFractionDigits: d, maximumFractionDigits: d});
    return (x > 0 ? "+" : "−") + text;
  };

  function difference(x, digits) {
    return el("div", {class: "small " + (x > 0 ? "gain" : x < 0 ? "loss" : "muted")}, signed(x, digits));
  }

  function letters(moves) {
    return el("span", {class: "strip"}, moves.split("").map((m) => el("span", {
      class: `cell ${m === "X" ? "D" : m === "K" ? "C" : ""}`}, m === "-" ? "–" : m)));
  }

  function renderCounterfactuals(s) {
    const panel = $("counterfactual-panel");
    const cf = s.counterfactuals;
    panel.hidden = !(cf || s.counterfactuals_pending || s.counterfactual_error);
    if (panel.hidden) return;
    if (!cf) {
      $("cf-line").textContent = s.counterfactual_error ||
        "Replaying the market with other moves, same random numbers… (a few seconds; the room can carry on)";
      for (const id of ["cf-seat-head", "cf-seats", "cf-room-head", "cf-room"]) replace($(id));
      $("cf-legend").textContent = "";
      return;
    }
    $("cf-line").textContent = `The same market, same random numbers, replayed over the game's ` +
      `${cf.rounds} reviews (${cf.periods} weeks) with one seat playing each strategy at every review. ` +
      "A team's recorded moves elsewhere stay as they were (people cannot react to a history that " +
      "did not happen); seats the bot played are played by the bot again, which reacts.";
    const teams = Object.fromEntries(s.seats.map((seat) => [seat.key, seat.members.map((m) => m.name)]));
    replace($("cf-seat-head"), el("tr", {}, el("th", {}, "Seat"), el("th", {}, "Team"),
      el("th", {}, "Moves"), el("th", {class: "num"}, "Profit as played"),
      cf.alternatives.map((a) => el("th", {class: "num"}, a.label))));
    replace($("cf-seats"), cf.seats.map((row) => el("tr", {},
      el("td", {}, el("strong", {}, row.firm), ` ${row.side} · ${row.contract}`),
      el("td", {}, teams[row.seat] && teams[row.seat].length ? teams[row.seat].join(", ") :
        el("em", {class: "muted"}, "bot")),
      el("td", {}, letters(row.actual.moves)),
      el("td", {class: "num"}, amount(row.actual.profit)),
      cf.alternatives.map((a) => {
        const out = row[a.key];
        return el("td", {class: "num", title: `${row.seat} playing ${a.label}: moves ${out.moves}; ` +
            `the partner ${out.partner_moves}; its trust in the seat at the end ${fmt(out.partner_trust, 2)}` +
            (out.relationship_active ? "" : "; the contract had ended")},
          amount(out.profit), difference(out.difference),
          out.relationship_active ? null : el("span", {class: "tag bot"}, "broken"));
      }))));
    const rows = [
      ["Customers churned", "churned", 0], ["of whom silently", "churned_silent", 0],
      ["Customer satisfaction", "satisfaction", 3], ["Channel profit", "profit", 0],
      ["Contracts active at the end", "relationship_active", 0],
    ];
    replace($("cf-room-head"), el("tr", {}, el("th", {}, ""),
      cf.room.map((r) => el("th", {class: "num"}, r.label))));
    replace($("cf-room"),
      rows.map(([label, key, d]) => el("tr", {}, el("td", {}, label), cf.room.map((r, k) =>
        el("td", {class: "num"}, r[key] === null ? "–" : d ? fmt(r[key], d) : amount(r[key]),
          k ? difference(r.difference[key], d) : null)))),
      Object.keys(cf.room[0].brand_equity).map((brand) => el("tr", {},
        el("td", {}, `Brand equity of ${brand}`), cf.room.map((r, k) =>
          el("td", {class: "num"}, fmt(r.brand_equity[brand], 3),
            k ? difference(r.brand_difference[brand], 3) : null)))));
    $("cf-legend").textContent = `Profit: the seat's firm's over the game; below it the difference ` +
      `from as played; "broken": the contract had ended by the last week. Customers: of the ${cf.customers} simulated, ` +
      `churn summed over the weeks, satisfaction and brand equity in the last week. ` +
      "Download: History and data, Counterfactuals.";
  }

  function renderRound(s) {
    const r = s.round;
    const badge = $("phase-badge");
    badge.textContent = PHASES[s.phase] || s.phase;
    badge.className = "phase-badge " + s.phase;
    const len = s.length;
    const of = len.hidden ? "" : ` of ${len.rounds}`;
    $("round-title").textContent = s.phase === "lobby" ? "Ready" : `Round ${r.open ? r.number : r.played}${of}`;
    clock.set(replay ? {...r, paused: true} : r);  // a replayed clock stands still
    let line = "";
    if (r.open) line = `${r.moved} of ${r.expected} moved`;
    else if (s.phase === "lobby") line = `${s.participants.length} joined; pairs form when round 1 opens`;
    else if (r.last_close_reason) line = `round ${r.played} closed: ${r.last_close_reason}`;
    if (len.hidden) {
      line += (line ? " · " : "") + `hidden length (w = ${len.continuation})`;
      if (s.phase === "over" || s.phase === "revealed") line += `: it ended after ${r.played} rounds`;
    }
    if (len.ended_early) line += " · ended early";
    $("round-line").textContent = line;

    const p = s.phase;
    const over = p === "over" || p === "revealing" || p === "revealed";
    $("open-round").textContent = p === "lobby" ? "Open round 1" :
      over || r.open ? "Open round" : `Open round ${r.played + 1}`;
    $("open-round").disabled = !(p === "lobby" || p === "closed") ||
      (!s.participants.length && s.activity !== "channel");
    $("close-round").disabled = !(p === "open" || p === "paused");
    $("pause").disabled = p !== "open";
    $("resume").disabled = p !== "paused";
    $("pause").hidden = p === "paused";
    $("resume").hidden = p !== "paused";
    $("reveal").disabled = !(p === "closed" || p === "over") || s.activity === "channel";
    $("reset").disabled = p === "lobby" || p === "revealing";
    if (replay) for (const b of $("round-controls").querySelectorAll("button")) b.disabled = true;
  }

  function renderSettings(s) {
    const form = $("settings-form");
    const lobby = s.phase === "lobby" && !replay;
    for (const input of form.querySelectorAll("input, select, button")) input.disabled = !lobby;
    const st = s.settings;
    const length = st.continuation === null ? `${st.rounds} rounds` :
      `random length, w = ${st.continuation} (at most ${st.rounds})`;
    $("settings-summary").textContent =
      `${length} · noise ${st.noise} · T,R,P,S = ${st.payoffs.T},${st.payoffs.R},${st.payoffs.P},${st.payoffs.S}` +
      ` · bot ${st.bot} · ${st.round_seconds}s`;
    if (!lobby) $("settings-panel").open = false;
    if (form.contains(document.activeElement) && lobby) return;  // being edited
    const bot = $("set-bot");
    if (bot.options.length !== s.strategies.length) {
      replace(bot, s.strategies.map((name) => el("option", {value: name}, name)));
    }
    $("set-length").value = st.continuation === null ? "fixed" : "random";
    $("set-rounds").value = st.rounds;
    $("set-continuation").value = st.continuation === null ? 0.9 : st.continuation;
    $("set-noise").value = st.noise;
    for (const k of ["T", "R", "P", "S"]) $("set-" + k).value = st.payoffs[k];
    bot.value = s.strategies.includes(st.bot) ? st.bot : s.strategies[0];
    $("set-seconds").value = st.round_seconds;
    syncLength();
  }

  function syncLength() {
    const random = $("set-length").value === "random";
    $("set-continuation").disabled = !random || !(state && state.phase === "lobby");
    $("rounds-label").textContent = random ? "At most (rounds)" : "Rounds";
  }

  function applySettings(event) {
    event.preventDefault();
    const number = (id) => Number($(id).value);
    const random = $("set-length").value === "random";
    const message = {
      length: random ? "random" : "fixed",
      rounds: Math.round(number("set-rounds")),
      noise: number("set-noise"),
      payoffs: {T: number("set-T"), R: number("set-R"), P: number("set-P"), S: number("set-S")},
      bot: $("set-bot").value,
      round_seconds: Math.round(number("set-seconds")),
    };
    if (random) message.continuation = number("set-continuation");
    send("settings", message);
    document.activeElement.blur();
    toast("Settings sent");
  }

  function renderChart(s) {
    // the drawing is as wide as its panel, so its text stays at the page's size
    const chart = $("chart");
    const W = Math.max(320, Math.round(chart.getBoundingClientRect().width) || 480);
    const H = 200, left = 58, right = 14, top = 14, bottom = 30;
    chart.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const rows = s.cooperation;
    // a hidden length: the axis grows with the rounds played, never showing the end
    const ended = ["over", "revealing", "revealed"].includes(s.phase);
    const n = !s.length.hidden ? Math.max(s.length.rounds || 1, 1) :
      ended ? Math.max(rows.length, 1) : Math.max(rows.length + 1, 5);
    const x = (k) => left + (n === 1 ? (W - left - right) / 2 : (k - 1) * (W - left - right) / (n - 1));
    const y = (v) => top + (1 - v) * (H - top - bottom);
    const parts = [];
    for (const v of [0, 0.5, 1]) {
      parts.push(svg("line", {x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: "#d1d5db"}));
      parts.push(svg("text", {x: left - 6, y: y(v) + 4, "text-anchor": "end"}, `${v * 100}%`));
    }
    const step = Math.max(1, Math.ceil(n / 12));
    for (let k = 1; k <= n; k += step) {
      parts.push(svg("text", {x: x(k), y: H - 8, "text-anchor": "middle"}, String(k)));
    }
    const line = (key, attrs) => {
      const pts = rows.filter((r) => r[key] !== null).map((r) => `${x(r.round)},${y(r[key])}`);
      if (pts.length > 1) parts.push(svg("polyline", {points: pts.join(" "), fill: "none", ...attrs}));
      return pts;
    };
    line("all", {stroke: "#6b7280", "stroke-width": 2, "stroke-dasharray": "6 4"});
    line("people", {stroke: "#15803d", "stroke-width": 4});
    for (const r of rows) {
      if (r.people === null) continue;
      parts.push(svg("circle", {cx: x(r.round), cy: y(r.people), r: 6, fill: "#15803d"},
        svg("title", {}, `round ${r.round}: ${percent(r.people)} of ${r.people_n} people cooperated`)));
    }
    if (!rows.length) {
      parts.push(svg("text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, "no round played yet"));
    }
    replace($("chart"), parts);
  }

  function strip(seat) {
    return el("span", {class: "strip"}, seat.moves.split("").map((m, k) => el("span", {
      class: `cell ${m}${seat.by_bot[k] ? " bot" : ""}${seat.flipped[k] ? " flipped" : ""}`,
      title: `round ${k + 1}: ${m}${seat.by_bot[k] ? " (bot)" : ""}${seat.flipped[k] ? " (noise)" : ""}`,
    }, m)));
  }

  function renderPairs(s) {
    if (!s.pairs.length) {
      replace($("pairs"), el("tr", {}, el("td", {class: "muted"}, "Pairs form when the first round opens.")));
      return;
    }
    const rows = [];
    for (const pair of s.pairs) {
      pair.seats.forEach((seat, side) => {
        rows.push(el("tr", {},
          side === 0 ? el("td", {rowspan: 2, class: "muted"}, `#${pair.index + 1}`) : null,
          el("td", {}, seat.name === null ? el("em", {class: "muted"}, "bot") : seat.name),
          el("td", {}, strip(seat)),
          el("td", {class: "num"}, fmt(seat.score))));
      });
    }
    replace($("pairs"), rows);
  }

  function renderLeaderboard(s) {
    const rows = s.leaderboard.map((r, k) => el("tr", {},
      el("td", {class: "num"}, String(k + 1)),
      el("td", {}, r.name, r.bot_rounds ? el("span", {class: "tag bot", title: "rounds the bot chose"}, `bot ${r.bot_rounds}`) : null),
      el("td", {class: "num"}, fmt(r.score)),
      el("td", {class: "num"}, percent(r.cooperation))));
    replace($("leaderboard"), rows.length ? rows : el("tr", {}, el("td", {colspan: 4, class: "muted"}, "No one yet.")));
  }

  /** A sequence of moves; the ones the bot chose are underlined and lighter. */
  function sequence(w) {
    return el("span", {class: "mono small"}, w.moves.split("").map((m, k) =>
      el("span", {class: w.by_bot[k] ? "by-bot" : "", title: w.by_bot[k] ? "the bot chose" : null}, m)));
  }

  function renderReveal(s) {
    const panel = $("reveal-panel");
    if (s.revealing) {
      panel.hidden = false;
      replace(panel, el("h2", {}, "Reveal"), el("p", {}, "Replaying the room's sequences…"));
      return;
    }
    if (s.reveal_error) {
      panel.hidden = false;
      replace(panel, el("h2", {}, "Reveal"), el("p", {class: "error"}, s.reveal_error));
      return;
    }
    const r = s.reveal;
    if (!r) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    const spreadNote = r.random
      ? `Brackets: lowest–highest over ${r.replays} replays with independent random draws (noise ${r.noise}, stochastic strategies).`
      : "No randomness: every replay is the same.";
    const tournament = el("table", {class: "leaderboard"},
      el("thead", {}, el("tr", {}, el("th", {}, "Rank"), el("th", {}, "Player"),
        el("th", {class: "num"}, "Points per round"), el("th", {class: "num"}, "C"))),
      el("tbody", {}, r.tournament.map((row) => el("tr", {},
        el("td", {}, rankText(row.rank)),
        el("td", {}, row.kind === "participant" ? el("strong", {}, row.name) : el("span", {class: "muted"}, row.name),
          row.bot_rounds ? el("span", {class: "tag bot", title: "rounds the bot chose"}, `bot ${row.bot_rounds}`) : null),
        el("td", {class: "num"}, spread(row.score_per_round)),
        el("td", {class: "num"}, row.kind === "participant" ? percent(row.cooperation) : "")))));
    const head = el("tr", {}, el("th", {}, "Sequence"), el("th", {class: "num"}, "actual"),
      r.strategies.map((name) => el("th", {class: "num"}, name)));
    const body = r.what_if.map((w) => {
      const byName = Object.fromEntries(w.rows.map((x) => [x.strategy, x]));
      return el("tr", {},
        el("td", {}, el("strong", {}, w.name), " ", sequence(w)),
        el("td", {class: "num"}, fmt(w.actual_score)),
        r.strategies.map((name) => {
          const cell = byName[name].score;
          return el("td", {class: "num", title: `${w.name} against ${name}: ${spread(cell, 1)}`},
            fmt(cell.mean, 1),
            Math.abs(cell.high - cell.low) > 1e-9 ? el("div", {class: "small muted"}, `${fmt(cell.low)}–${fmt(cell.high)}`) : null);
        }));
    });
    replace(panel,
      el("h2", {}, "Reveal"),
      el("div", {class: "reveal-grid"},
        el("div", {},
          el("h3", {}, "Room tournament"),
          el("p", {class: "small muted"}, `Every sequence as a fixed player in a round robin with the library, ${r.turns} rounds a match.`),
          tournament),
        el("div", {class: "lesson"}, el("h3", {}, "What it says"), r.lesson.map((t) => el("p", {}, t)))),
      el("h3", {}, "Each sequence against each strategy (total points)"),
      el("table", {class: "whatif"}, el("thead", {}, head), el("tbody", {}, body)),
      el("p", {class: "legend"}, spreadNote));
  }

  // -- history and downloads -------------------------------------------------------------

  function savedEvents() {
    return live ? live.version + 1 : 0;  // the log: its "created" record, then one per change
  }

  function renderHistory() {
    const total = savedEvents();
    const slider = $("replay-slider");
    slider.max = String(Math.max(total, 1));
    slider.value = String(replay ? replay.upto : Math.max(total, 1));
    $("history-summary").textContent = total ? `${total} events saved` : "";
    const upto = replay ? replay.upto : total;
    $("replay-first").disabled = $("replay-prev").disabled = !total || upto <= 1;
    $("replay-next").disabled = $("replay-last").disabled = !replay || upto >= total;
    $("replay-live").disabled = $("replay-live-top").disabled = !replay;
    document.body.classList.toggle("replaying", Boolean(replay));
    $("replay-banner").hidden = !replay;
    if (!replay) {
      $("replay-line").textContent = total ? `Live: after event ${total} of ${total}.` : "";
      return;
    }
    const e = replay.event;
    const when = new Date(e.time).toLocaleTimeString();
    const text = `History: after event ${replay.upto} of ${total} (${when}): ${e.summary}`;
    $("replay-line").textContent = text;
    $("replay-banner-text").textContent = text + " · the controls are off until you go back to live";
  }

  async function step(upto) {
    const total = savedEvents();
    if (!code || !total) return;
    const n = Math.min(Math.max(1, upto), total);
    try {
      const body = await api(`/api/sessions/${encodeURIComponent(code)}/replay?upto=${n}`);
      if (!live || body.code !== live.code) return;  // the session changed meanwhile
      replay = body;
      state = body.state;
      render();
    } catch (err) {
      toast(err.message, true);
    }
  }

  function goLive() {
    replay = null;
    if (live) {
      state = live;
      render();
    }
  }

  async function download(name) {
    if (!code) return;
    try {
      const response = await request(`/api/sessions/${encodeURIComponent(code)}/export/${name}`);
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", {href: url, download: `${code}-${name}`, hidden: true});
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      toast(`Downloaded ${code}-${name}`);
    } catch (err) {
      toast(err.message, true);
    }
  }

  // -- start --------------------------------------------------------------------------
  $("create-session").addEventListener("click", createSession);
  $("create-first").addEventListener("click", createSession);
  $("session-select").addEventListener("change", (e) => open(e.target.value));
  $("settings-form").addEventListener("submit", applySettings);
  $("channel-form").addEventListener("submit", applyChannel);
  $("set-activity").addEventListener("change", (e) => send("activity", {activity: e.target.value}));
  $("set-length").addEventListener("change", syncLength);
  window.addEventListener("resize", () => {
    if (state && state.activity === "channel") renderChannelCharts(state);
    else if (state) renderChart(state);
  });
  for (const [id, type] of [["open-round", "open_round"], ["close-round", "close_round"],
    ["pause", "pause"], ["resume", "resume"], ["reveal", "reveal"]]) {
    $(id).addEventListener("click", () => send(type));
  }
  $("replay-first").addEventListener("click", () => step(1));
  $("replay-prev").addEventListener("click", () => step((replay ? replay.upto : savedEvents()) - 1));
  $("replay-next").addEventListener("click", () => (replay ? step(replay.upto + 1) : null));
  $("replay-last").addEventListener("click", () => step(savedEvents()));
  $("replay-slider").addEventListener("input", (e) => {
    $("replay-line").textContent = `event ${e.target.value} of ${savedEvents()}…`;
  });
  $("replay-slider").addEventListener("change", (e) => step(Number(e.target.value)));
  $("replay-live").addEventListener("click", goLive);
  $("replay-live-top").addEventListener("click", goLive);
  for (const button of $("downloads").querySelectorAll("button[data-export]")) {
    button.addEventListener("click", () => download(button.dataset.export));
  }
  $("reset").addEventListener("click", () => {
    if (confirm("Reset: back to the lobby for a new match (same people, scores cleared)?")) send("reset");
  });

  if (!token) {
    $("no-token").hidden = false;
    $("create-session").hidden = true;
  } else {
    loadSessions().catch((err) => {
      toast(err.message, true);
      if (/token/.test(err.message)) $("no-token").hidden = false;
    });
  }
})();
