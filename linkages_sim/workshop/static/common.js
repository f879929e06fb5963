/* linkages workshop: what both pages share. Plain JavaScript, no library.
   Everything a person typed (names) reaches the page as text nodes: el() appends strings
   with document.createTextNode; nothing here ever assigns innerHTML. */
"use strict";

const LW = (() => {
  /** A DOM element: el("td", {class: "num"}, "3", childNode, ...). Strings become text. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on") && typeof value === "function") {
        node.addEventListener(key.slice(2), value);
      } else node.setAttribute(key, value === true ? "" : String(value));
    }
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  /** An SVG element with attributes (and text children, as text nodes). */
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(key, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function replace(node, ...children) {
    node.replaceChildren();
    append(node, children);
  }

  function $(id) {
    return document.getElementById(id);
  }

  let toastTimer = null;
  /** A short message at the bottom of the screen. */
  function toast(message, isError) {
    let box = $("toast");
    if (!box) {
      box = el("div", {id: "toast", role: "status", "aria-live": "polite"});
      document.body.append(box);
    }
    box.className = isError ? "error" : "";
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, isError ? 6000 : 3000);
  }

  function move(letter) {
    return el("span", {class: "move " + letter, title: letter === "C" ? "cooperate" : "defect"},
      letter);
  }

  function fmt(x, digits) {
    if (x === null || x === undefined) return "–";
    return Number(x).toFixed(digits === undefined ? 0 : digits);
  }

  function percent(x) {
    return x === null || x === undefined ? "–" : Math.round(100 * x) + "%";
  }

  /** A mean with its spread over replays, "2.41 (2.30–2.52)", or just the mean when fixed. */
  function spread(s, digits) {
    const d = digits === undefined ? 2 : digits;
    if (Math.abs(s.high - s.low) < 1e-9) return fmt(s.mean, d);
    return `${fmt(s.mean, d)} (${fmt(s.low, d)}–${fmt(s.high, d)})`;
  }

  function rankText(rank) {
    return rank.best === rank.worst ? String(rank.best) : `${rank.best}–${rank.worst}`;
  }

  /** A countdown that runs locally from the "remaining" seconds the server sent. */
  class Countdown {
    constructor(node) {
      this.node = node;
      this.deadline = null;
      this.frozen = null;
      this.timer = setInterval(() => this.draw(), 200);
    }
    set(round) {
      if (round && round.open && round.remaining !== null && round.remaining !== undefined) {
        if (round.paused) {
          this.deadline = null;
          this.frozen = round.remaining;
        } else {
          this.deadline = performance.now() + round.remaining * 1000;
          this.frozen = null;
        }
      } else {
        this.deadline = null;
        this.frozen = null;
      }
      this.draw();
    }
    left() {
      if (this.deadline !== null) return Math.max(0, (this.deadline - performance.now()) / 1000);
      return this.frozen;
    }
    draw() {
      const left = this.left();
      if (left === null) {
        this.node.textContent = "";
        this.node.classList.remove("low");
        return;
      }
      const s = Math.ceil(left);
      this.node.textContent = s >= 60 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}` : `${s}s`;
      this.node.classList.toggle("low", s <= 5);
    }
  }

  /** One websocket that says hello on every (re)connection and reconnects by itself. */
  class Channel {
    constructor(hello, onMessage, onStatus) {
      this.hello = hello;
      this.onMessage = onMessage;
      this.onStatus = onStatus || (() => {});
      this.delay = 500;
      this.stopped = false;
      this.connect();
    }
    connect() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(`${scheme}//${location.host}/ws`);
      this.ws = ws;
      ws.addEventListener("open", () => {
        this.delay = 500;
        this.onStatus(true);
        ws.send(JSON.stringify(this.hello()));
      });
      ws.addEventListener("message", (event) => {
        let data;
        try { data = JSON.parse(event.data); } catch (_) { return; }
        this.onMessage(data);
      });
      ws.addEventListener("close", () => {
        this.onStatus(false);
        if (this.stopped) return;
        setTimeout(() => this.connect(), this.delay);
        this.delay = Math.min(this.delay * 2, 8000);
      });
    }
    send(message) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(JSON.stringify(message));
        return true;
      }
      toast("Not connected; reconnecting…", true);
      return false;
    }
    stop() {
      this.stopped = true;
      if (this.ws) this.ws.close();
    }
  }

  return {el, svg, replace, $, toast, move, fmt, percent, spread, rankText, Countdown, Channel};
})();
