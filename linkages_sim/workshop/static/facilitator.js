/* linkages workshop: the facilitator's page (the projector).
   The token arrives once in the URL (?token=...), moves to sessionStorage and leaves the
   address bar, so the projected URL never shows it. Every action goes over the websocket;
   the page redraws from the state the server sends back. History: the page can show the
   session as it was after any saved event (the server replays its log), while the live
   state keeps arriving underneath; downloads go through fetch, with the token in a header.
   The what-if panel asks the server once per contract for the market's runs (a "whatif"
   message; the answer comes on the websocket when computed) and recomputes the payoff matrix
   here (whatif.js) at every move of its sliders: nothing goes back to the server. */
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
  // the what-if: records by contract, the contracts asked for, the one shown
  const whatif = {records: {}, asked: new Set(), status: {}, selected: null, shown: null};

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
    whatif.records = {};  // another session may play another market
    whatif.asked.clear();
    whatif.status = {};
    whatif.selected = null;
    whatif.shown = null;
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
    if (data.type === "welcome") {
      whatif.asked.clear();  // a new connection: ask again for what has not arrived
    } else if (data.type === "whatif") {
      onWhatIf(data);
    } else if (data.type === "state") {
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
      renderWhatIfChoice(s);
      renderSeats(s);
      renderMap(s);
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

  /** One review of a seat: K kept all, X cut all, the letters of the levers cut, – not reviewed. */
  function moveCell(s, seat, action, i) {
    const levers = (s.levers || {})[seat.side] || [];
    const cuts = (seat.cuts || [])[i];
    const partial = !!cuts && cuts.length > 0 && cuts.length < levers.length;
    const byLever = Object.fromEntries(levers.map((l) => [l.lever, l]));
    const bot = seat.by_bot[i] ? " (bot)" : "";
    if (partial) {
      return el("span", {class: "cell partial" + (seat.by_bot[i] ? " bot" : ""),
        title: `round ${i + 1}: cut ${cuts.map((x) => byLever[x].name.toLowerCase()).join(", ")}, ` +
          `kept the rest${bot}`}, cuts.map((x) => byLever[x].letter).join(""));
    }
    return el("span", {
      class: `cell ${action === "cut" ? "D" : action === "keep" ? "C" : ""}${seat.by_bot[i] ? " bot" : ""}`,
      title: `round ${i + 1}: ${action === "cut" ? "cut all" : action === "keep" ? "kept all" : "not reviewed"}${bot}`,
    }, action === "cut" ? "X" : action === "keep" ? "K" : "–");
  }

  function renderSeats(s) {
    const rows = s.seats.map((seat, k) => el("tr", {},
      el("td", {}, el("span", {class: "status-dot on", style: null, title: seat.key},
        ""), " ", el("strong", {style: null}, seat.firm), ` ${seat.side} · ${seat.contract}`),
      el("td", {}, seat.members.length ? seat.members.map((m, i) => [i ? ", " : "",
        m.captain ? "★" : "", m.name, m.moved ? " ✓" : ""]) : el("em", {class: "muted"}, "bot")),
      el("td", {}, el("span", {class: "strip"}, seat.actions.map((a, i) => moveCell(s, seat, a, i)))),
      el("td", {class: "num"}, s.round.open ? (seat.deciding ? `${seat.moved}/${seat.expected}` : "–") : ""),
      el("td", {}, el("span", {class: "legend-swatch", title: "chart colour"},
        el("span", {class: "tag", "data-k": String(k)}, String(k + 1))))));
    replace($("seats"), rows);
    const key = (side) => ((s.levers || {})[side] || []).map((l) => `${l.letter} ${l.name.toLowerCase()}`).join(", ");
    $("seats-legend").textContent = "K kept all, X cut all, letters: the levers cut (supplier: " +
      `${key("supplier")}; distributor: ${key("distributor")}), – not reviewed · dashed outline: ` +
      "the bot chose · ★ captain · ✓ moved";
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

  // -- the store map -------------------------------------------------------------------
  const MAP_COLOURS = ["#1d4ed8", "#b91c1c", "#15803d", "#a16207", "#7c3aed", "#0e7490",
    "#be185d", "#334155"];

  function renderMap(s) {
    const m = s.map;
    if (!m) return;
    const W = 440, pad = 18;
    const scale = (W - 2 * pad) / Math.max(m.width_km, m.height_km);
    const H = Math.round(2 * pad + m.height_km * scale);
    const X = (km) => pad + km * scale, Y = (km) => H - pad - km * scale;  // north up
    const chart = $("store-map");
    chart.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const colour = Object.fromEntries(m.distributors.map((d, i) => [d.id, MAP_COLOURS[i % MAP_COLOURS.length]]));
    const names = Object.fromEntries(m.distributors.map((d) => [d.id, d.name]));
    const sales = m.sales;
    const parts = [svg("rect", {x: pad, y: pad, width: m.width_km * scale, height: m.height_km * scale,
      fill: "#f9fafb", stroke: "#9ca3af"})];
    for (const c of m.centres) {
      parts.push(svg("circle", {cx: X(c.x), cy: Y(c.y), r: c.spread_km * scale, fill: "none",
        stroke: "#9ca3af", "stroke-dasharray": "4 4"}, svg("title", {}, `segment ${c.segment}: homes around (${c.x}, ${c.y}) km, spread ${c.spread_km} km`)));
      parts.push(svg("path", {d: `M${X(c.x) - 5},${Y(c.y)} h10 M${X(c.x)},${Y(c.y) - 5} v10`, stroke: "#6b7280", "stroke-width": 2}));
      parts.push(svg("text", {x: X(c.x) + 7, y: Y(c.y) + 14, class: "centre"}, c.segment));
    }
    const km = 5;  // a scale bar
    parts.push(svg("path", {d: `M${X(0.5)},${H - 6} h${km * scale}`, stroke: "#111827", "stroke-width": 3}));
    parts.push(svg("text", {x: X(0.5) + km * scale + 4, y: H - 2}, `${km} km`));
    for (const st of m.stores) {
      const own = sales && sales.stores[st.id];
      const share = own ? own.share : null;
      const r = share === null || share === undefined ? 8 : 5 + 40 * Math.sqrt(Math.max(0, share));
      const detail = own ? `: over weeks ${sales.periods[0] + 1}–${sales.periods[1]}, retail revenue ` +
        `${amount(own.retail_revenue)}, ${percent(share)} of customers' spending, ` +
        `${amount(own.customers_active)} active customers at the end` : "";
      parts.push(svg("circle", {cx: X(st.x), cy: Y(st.y), r, fill: colour[st.distributor] || "#334155",
        "fill-opacity": 0.8, stroke: "#fff", "stroke-width": 2, class: "store", "data-store": st.id},
        svg("title", {}, `${st.id} (${names[st.distributor] || st.distributor})${detail}`)));
      parts.push(svg("text", {x: X(st.x) + r + 3, y: Y(st.y) + 4, class: "store-label"},
        share === null || share === undefined ? st.id : `${st.id} ${percent(share)}`));
    }
    replace(chart, parts);
    replace($("map-key"), m.distributors.map((d, i) => el("li", {},
      el("span", {class: "swatch", "data-i": String(i)}), d.name)));
    for (const sw of $("map-key").querySelectorAll(".swatch")) sw.style.background = MAP_COLOURS[Number(sw.dataset.i) % MAP_COLOURS.length];
    $("map-legend").textContent = `${m.width_km} × ${m.height_km} km, north up. Each store in its distributor's colour; ` +
      "crosses and dashed circles: the customer segments' centres and the spread of their homes. " +
      (sales ? `Marker area and label: the store's share of customers' spending over the latest round ` +
        `(round ${sales.round}, weeks ${sales.periods[0] + 1}–${sales.periods[1]}; the market's retail_revenue ` +
        "of the store over customer_spend); hover a store for its revenue and active customers."
        : "Once a round has been played, each store's share of customers' spending sizes its marker.");
  }

  // -- the what-if: the market's payoff matrix for a contract, recomputed here ---------------
  const WI = LWWhatIf;

  function renderWhatIfChoice(s) {
    const select = $("wi-contract");
    const keys = (s.contracts || []).map((c) => c.key);
    if ([...select.options].map((o) => o.value).join("|") !== keys.join("|")) {
      replace(select, s.contracts.map((c) => el("option", {value: c.key},
        `${c.key} (${c.supplier_name} – ${c.distributor_name})`)));
    }
    if (!whatif.selected || !keys.includes(whatif.selected)) whatif.selected = keys[0] || null;
    if (!select.matches(":focus") && whatif.selected) select.value = whatif.selected;
    askWhatIf();
    drawWhatIf();
  }

  function askWhatIf() {
    const key = whatif.selected;
    if (!key || whatif.records[key] || whatif.asked.has(key) || !channel) return;
    if (channel.send({type: "whatif", contract: key})) whatif.asked.add(key);
  }

  function onWhatIf(data) {
    if (data.status === "ready") {
      whatif.records[data.contract] = data.record;
      delete whatif.status[data.contract];
    } else {
      whatif.status[data.contract] = data;
      if (data.status === "failed") whatif.asked.delete(data.contract);
    }
    if (data.contract === whatif.selected) drawWhatIf();
  }

  const money = (x) => Number(x).toLocaleString("en", {maximumFractionDigits: 0});

  function drawWhatIf() {
    const key = whatif.selected;
    const record = key ? whatif.records[key] : null;
    const status = key ? whatif.status[key] : null;
    const horizon = $("wi-horizon"), penalty = $("wi-penalty");
    $("wi-body").hidden = !record;
    for (const id of ["wi-horizon", "wi-penalty", "wi-to-threshold", "wi-no-penalty"]) $(id).disabled = !record;
    if (!record) {
      $("wi-summary").textContent = "";
      $("wi-legend").textContent = "";
      $("wi-status").textContent = !key ? "" : status && status.status === "failed" ? status.message :
        `Computing the payoff matrix of ${key}: the market plays each of the four profiles ` +
        (status ? `${status.replications} times for ${status.weeks} weeks (${money(status.customers)} simulated customers, seed ${status.seed})` : "several times") +
        "… a few seconds; the room can carry on.";
      return;
    }
    if (whatif.shown !== key) {  // a record newly shown: its sliders' ranges
      horizon.max = String(record.weeks);
      penalty.max = String(record.max_penalty);
      if (whatif.shown === null) horizon.value = String(record.default_horizon);
      whatif.shown = key;
    }
    const H = Math.min(Math.max(1, Number(horizon.value)), record.weeks);
    const x = record.clauses ? Number(penalty.value) : 0;
    penalty.disabled = !record.clauses;
    $("wi-horizon-out").textContent = `${H} week${H === 1 ? "" : "s"}`;
    $("wi-penalty-out").textContent = record.clauses ? money(x) : "no clauses";
    const m = WI.matrix(record, H, x);
    const sure = WI.established(record, H, x);
    const limits = WI.threshold(record, H);
    const both = Object.values(limits);
    const top = both.includes(null) ? null : Math.max(...both);
    const step = Number(penalty.step) || 1;
    const jump = top === null ? null : Math.ceil((top + 1e-9) / step) * step;
    $("wi-to-threshold").disabled = !record.clauses || jump === null || jump > record.max_penalty;
    $("wi-to-threshold").dataset.penalty = jump === null ? "" : String(jump);
    const sName = record.supplier_name, dName = record.distributor_name;
    $("wi-summary").textContent = `${record.contract} · ${H} weeks · penalty ${money(x)}`;
    $("wi-status").textContent = `${sName} (supplier) and ${dName} (distributor) each keep or cut all ` +
      `their clauses for the whole horizon; everything else as in the scenario. ${record.replications} ` +
      `replications of ${money(record.customers)} simulated customers (seed ${record.seed}), computed once ` +
      `in ${fmt(record.seconds, 1)} s; the sliders recompute the matrix in this page.`;

    const cell = (profile) => {
      const pay = m.profiles[profile], best = m.best[profile];
      const eq = m.equilibria.includes(profile);
      const trap = eq && m.better[profile].length > 0;
      const better = m.equilibria.some((e) => m.better[e].includes(profile));
      const notes = [];
      if (trap) notes.push("equilibrium: where self-interest leads");
      else if (eq) notes.push("equilibrium");
      if (better) notes.push("better for both");
      return el("td", {class: [eq ? "equilibrium" : "", trap ? "trap" : "", better ? "better" : ""].join(" ").trim(),
        "data-profile": profile},
        el("span", {class: "pay" + (best.supplier ? " best" : "")}, money(pay.supplier)), el("span", {class: "who"}, record.supplier),
        el("span", {class: "pay" + (best.distributor ? " best" : "")}, money(pay.distributor)), el("span", {class: "who"}, record.distributor),
        notes.map((n) => el("span", {class: "note"}, n)));
    };
    replace($("wi-matrix"),
      el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, `${dName} keeps`), el("th", {}, `${dName} cuts`))),
      el("tbody", {},
        el("tr", {}, el("th", {}, `${sName} keeps`), cell("CC"), cell("CD")),
        el("tr", {}, el("th", {}, `${sName} cuts`), cell("DC"), cell("DD"))));

    replace($("wi-sides"), WI.PARTIES.map((party) => {
      const side = m.sides[party];
      const name = party === "supplier" ? sName : dName;
      const order = ["T", "R", "P", "S"].sort((a, b) => side[b] - side[a]);
      const limit = limits[party];
      const cutting = party === "supplier" ? "DC" : "CD";
      const read = WI.breaches(record, cutting, party, H);
      let line;
      if (!record.clauses) line = "The contract has no clauses: a penalty has nothing to apply to.";
      else if (limit === null) line = `No penalty makes keeping its best reply over ${H} weeks (cutting is not read as a breach more often than keeping).`;
      else if (limit === 0) line = `Keeping is already its best reply over ${H} weeks, at any penalty.`;
      else line = `Keeping becomes its best reply whatever the other does above a penalty of ${money(Math.ceil(limit))} per breached clause (over ${H} weeks).`;
      return el("div", {class: "wi-side", id: `wi-side-${party}`},
        el("h3", {}, `${name} (${party})`),
        el("p", {class: `wi-class ${side.class}`, id: `wi-class-${party}`}, WI.CLASS_WORDS[side.class]),
        el("p", {class: `small wi-verdict ${sure[party].established ? "established" : "unsettled"}`,
          id: `wi-established-${party}`}, sure[party].verdict),
        // the comparisons the class is made of (the three gaps for a side with no standard class)
        el("p", {class: "small mono wi-gaps", id: `wi-gaps-${party}`},
          (WI.DEFINING[side.class].length ? WI.DEFINING[side.class] : WI.GAPS).map(([a, b]) => {
          const g = sure[party].gaps[`${a}-${b}`];
          const open = sure[party].unsettled.includes(`${a}-${b}`);
          const range = Number.isFinite(g.ci_low) ? ` [${WI.whole(g.ci_low)}, ${WI.whole(g.ci_high)}]` : "";
          return el("span", {class: open ? "gap unsettled" : "gap"}, `${a}\u2212${b} ${WI.whole(g.mean)}${range}`);
        })),
        el("p", {class: "small muted"}, WI.CLASS_MEANING[side.class]),
        el("p", {class: "small mono"}, order.map((k) => `${k} ${money(side[k])}`).join(" > ")),
        el("p", {class: "small", id: `wi-threshold-${party}`}, line,
          side.dominant ? el("strong", {}, " Now: keeping is its best reply.") : el("strong", {}, " Now: it is not.")),
        el("p", {class: "small muted"}, `Cutting while the other keeps, it is read to breach ` +
          `${Number.isInteger(read) ? read : fmt(read, 1)} clause${read === 1 ? "" : "s"} in ${H} weeks ` +
          `(reviews every ${record.review_every} weeks).`));
    }));
    $("wi-legend").textContent = "Each firm's profit per week over the horizon (the market's first weeks), mean of the replications " +
      "(common random numbers: the same draws in the four cells). Under each side's class: whether the paired 95% " +
      "intervals (Student t over the replications) of its gaps T\u2212R, R\u2212P, P\u2212S all lie on one side of zero, " +
      "then each gap's mean [interval]; a gap in red is not settled, so neither is the class. The penalty is paid to the other side for each clause " +
      "read as breached at a review. Underlined: that firm's best reply to the other's move; outlined: an equilibrium " +
      "(both best replies); red: an equilibrium both would leave together; green: the cell better for both. " +
      "T temptation (cut while the other keeps), R reward (both keep), P punishment (both cut), S sucker's payoff (keep while the other cuts).";
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
  $("wi-contract").addEventListener("change", (e) => {
    whatif.selected = e.target.value;
    askWhatIf();
    drawWhatIf();
  });
  $("wi-horizon").addEventListener("input", drawWhatIf);
  $("wi-penalty").addEventListener("input", drawWhatIf);
  $("wi-to-threshold").addEventListener("click", (e) => {
    if (e.target.dataset.penalty) $("wi-penalty").value = e.target.dataset.penalty;
    drawWhatIf();
  });
  $("wi-no-penalty").addEventListener("click", () => {
    $("wi-penalty").value = "0";
    drawWhatIf();
  });
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
