/*!
 * Sociale-kaartassistent: chat widget for a municipal website.
 *
 * Embed with one tag (no build step, no CDN):
 *   <script src="https://example.nl/widget/widget.js" data-municipality="Assen"
 *     data-title="Digitale assistent" data-subtitle="..." data-color="#00567a"
 *     data-position="right" data-open="false" data-pages="/,/zorg*"
 *     data-socket-url="https://chat.example.nl" data-privacy-url="/privacy"
 *     data-phone="14 0592" defer></script>
 *
 * Talks to Rasa's socket.io channel (session_request / session_confirm /
 * user_uttered / bot_uttered) as described in docs/ARCHITECTURE.md.
 *
 * Security: every message is rendered with createElement/textContent, never as
 * HTML; links are only made for http(s) URLs. Works under a CSP without inline
 * script, inline style attributes or eval.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__sociaalWidgetLoaded) {
    return;
  }
  window.__sociaalWidgetLoaded = true;

  var STORAGE_KEY = "skw:conversation";
  var OPEN_KEY = "skw:open";
  // A shared computer (library, community centre) must not show the previous
  // resident's conversation: the history lives in sessionStorage only (this
  // tab, gone when it closes), is wiped on "Nieuw gesprek" and when the panel is
  // closed, and is forgotten after two idle hours. Never in localStorage.
  var HISTORY_STORE = "sessionStorage";
  var IDLE_MS = 2 * 60 * 60 * 1000;
  var MAX_ENTRIES = 300;
  var TYPING_TIMEOUT_MS = 20000;
  var STAFF_TYPING_MS = 6000;
  var USER_TYPING_EVERY_MS = 3000;
  // Five faces for the optional satisfaction question after a conversation with a medewerker.
  // Drawn as SVG (a mouth from sad to glad), so they do not depend on an emoji font.
  var CSAT_FACES = [
    { score: 1, mouth: "M8 17c1.2-2.2 6.8-2.2 8 0", label: "Heel ontevreden" },
    { score: 2, mouth: "M8.5 16.5c1.5-1.2 5.5-1.2 7 0", label: "Ontevreden" },
    { score: 3, mouth: "M8.5 15.5h7", label: "Neutraal" },
    { score: 4, mouth: "M8.5 14.5c1.5 1.2 5.5 1.2 7 0", label: "Tevreden" },
    { score: 5, mouth: "M8 14c1.2 2.6 6.8 2.6 8 0", label: "Heel tevreden" }
  ];

  function faceIcon(mouth) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var parts = [
      ["circle", { cx: "12", cy: "12", r: "10", fill: "none", stroke: "currentColor", "stroke-width": "1.6" }],
      ["circle", { cx: "9", cy: "10", r: "1.2", fill: "currentColor" }],
      ["circle", { cx: "15", cy: "10", r: "1.2", fill: "currentColor" }],
      ["path", { d: mouth, fill: "none", stroke: "currentColor", "stroke-width": "1.6", "stroke-linecap": "round" }]
    ];
    parts.forEach(function (part) {
      var node = document.createElementNS(SVG_NS, part[0]);
      Object.keys(part[1]).forEach(function (key) { node.setAttribute(key, part[1][key]); });
      svg.appendChild(node);
    });
    return svg;
  }
  var START_PAYLOAD = "/start_conversation";
  var HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

  // ---------------------------------------------------------------- config --

  function readConfig(el) {
    var d = el.dataset;
    var color = (d.color || "").trim();
    var base = new URL(".", el.src || location.href);
    return {
      municipality: (d.municipality || "").trim(),
      title: (d.title || "Digitale assistent").trim(),
      subtitle: (d.subtitle || "").trim(),
      color: HEX_COLOR.test(color) ? color : "#00567a",
      position: d.position === "left" ? "left" : "right",
      open: d.open === "true",
      pages: (d.pages || "*").split(",").map(function (p) { return p.trim(); }).filter(Boolean),
      socketUrl: (d.socketUrl || location.origin).trim(),
      socketPath: (d.socketPath || "/socket.io/").trim(),
      privacyUrl: safeUrl(d.privacyUrl || "", true),
      phone: (d.phone || "").trim(),
      base: base.href
    };
  }

  /** Returns true when the path matches one of the patterns ("*" = any, "/zorg*" = prefix). */
  function pageMatches(patterns, path) {
    return patterns.some(function (pattern) {
      if (pattern === "*") { return true; }
      if (pattern.charAt(pattern.length - 1) === "*") {
        return path.indexOf(pattern.slice(0, -1)) === 0;
      }
      return path === pattern;
    });
  }

  /** Returns the absolute URL when it is http(s) (relative allowed on request), else null. */
  function safeUrl(raw, allowRelative) {
    if (!raw || typeof raw !== "string") { return null; }
    try {
      var url = allowRelative ? new URL(raw, location.href) : new URL(raw);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // --------------------------------------------------------------- colours --

  function luminance(hex) {
    var h = hex.slice(1);
    if (h.length === 3) { h = h.replace(/./g, "$&$&"); }
    var rgb = [0, 2, 4].map(function (i) {
      var c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }

  function contrast(a, b) {
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  /** Returns CSS colours derived from the brand colour that keep WCAG AA contrast. */
  function palette(color) {
    var onAccent = contrast(color, "#ffffff") >= contrast(color, "#0b0c0c") ? "#ffffff" : "#0b0c0c";
    // A light brand colour cannot be used for text on white: fall back to dark text.
    var accentText = contrast(color, "#ffffff") >= 4.5 ? color : "#1a1a1a";
    return { accent: color, onAccent: onAccent, accentText: accentText };
  }

  // --------------------------------------------------------------- storage --

  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }

  function storageSet(store, key, value) {
    try { window[store].setItem(key, value); return true; } catch (e) { return false; }
  }

  function storageRemove(store, key) {
    try { window[store].removeItem(key); } catch (e) { /* storage disabled: nothing stored */ }
  }

  function newSessionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function freshState() {
    return { sessionId: newSessionId(), started: false, entries: [], outbox: [], updatedAt: Date.now(), leader: null };
  }

  function loadState() {
    // Earlier versions kept the conversation in localStorage: remove what they left.
    storageRemove("localStorage", STORAGE_KEY);
    var raw = storageGet(HISTORY_STORE, STORAGE_KEY);
    if (!raw) { return freshState(); }
    try {
      var state = JSON.parse(raw);
      if (!state || typeof state.sessionId !== "string" || !Array.isArray(state.entries) ||
          Date.now() - (state.updatedAt || 0) > IDLE_MS) {
        return freshState();
      }
      state.outbox = Array.isArray(state.outbox) ? state.outbox : [];
      return state;
    } catch (e) {
      return freshState();
    }
  }

  // ------------------------------------------------------------ DOM helpers --

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function srOnly(text) {
    return el("span", "skw-sr-only", text);
  }

  var SVG_NS = "http://www.w3.org/2000/svg";

  function icon(pathData) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", pathData);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  var ICON_CHAT = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm2 5v2h12V8H6zm0 4v2h8v-2H6z";
  var ICON_CLOSE = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z";
  var ICON_SEND = "M3 20.5V14l9-2-9-2V3.5L22 12z";
  var ICON_NEW = "M12 4a8 8 0 1 1-7.75 10h2.1A6 6 0 1 0 7.8 7.8L10 10H4V4l2.35 2.35A7.97 7.97 0 0 1 12 4z";

  function externalLink(href, label, className) {
    var a = el("a", className || "skw-link", label);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.appendChild(srOnly(" (opent in een nieuw venster)"));
    return a;
  }

  // Markdown-style [label](https://...) links and bare http(s) URLs.
  var LINK_PATTERN = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"']+)/gi;

  /** Appends text to parent as text nodes, with http(s) URLs turned into safe links. */
  function appendLinkified(parent, text) {
    var last = 0;
    var match;
    LINK_PATTERN.lastIndex = 0;
    while ((match = LINK_PATTERN.exec(text)) !== null) {
      var label = match[1];
      var raw = match[2] || match[3];
      var consumed = match[0];
      var trailing = "";
      if (!label) {
        // "Zie https://x.nl." : the full stop ends the sentence, not the URL.
        var trimmed = raw.replace(/[.,;:!?)\]]+$/, "");
        trailing = raw.slice(trimmed.length);
        raw = trimmed;
        consumed = raw;
      }
      var href = safeUrl(raw, false);
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (href) {
        parent.appendChild(externalLink(href, label || raw));
      } else {
        parent.appendChild(document.createTextNode(consumed));
      }
      parent.appendChild(document.createTextNode(trailing));
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function formatTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return ""; }
    return date.toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" });
  }

  function formatDistance(distance) {
    if (typeof distance === "number" && isFinite(distance)) {
      return distance.toLocaleString("nl-NL", { maximumFractionDigits: 1 }) + " km";
    }
    return typeof distance === "string" ? distance : "";
  }

  // ------------------------------------------------------ message decoding --

  function asText(value) {
    return typeof value === "string" ? value : "";
  }

  /** Returns a bot message in one shape, from the contract or Rasa's stock socket.io format. */
  function normaliseBotMessage(data) {
    if (!data || typeof data !== "object") { data = { text: asText(data) }; }
    var buttons = Array.isArray(data.buttons) ? data.buttons : Array.isArray(data.quick_replies) ? data.quick_replies : [];
    var custom = data.custom && typeof data.custom === "object" ? data.custom : null;
    if (!custom && data.type === "result_card" && data.card) { custom = { type: "result_card", card: data.card }; }
    return {
      text: asText(data.text),
      buttons: buttons.filter(function (b) { return b && typeof b === "object"; }).map(function (b) {
        return { title: asText(b.title) || asText(b.payload), payload: asText(b.payload) || asText(b.title) };
      }).filter(function (b) { return b.title; }),
      custom: custom,
      metadata: data.metadata && typeof data.metadata === "object" ? data.metadata : null
    };
  }

  /** Returns true for messages nobody waited for: a medewerker's, or a change of who talks. */
  function startsOwnTurn(entry) {
    var m = entry.metadata;
    return !!(m && (m.from === "staff" || m.handoff));
  }

  function isCard(entry) {
    return entry.kind === "bot" && entry.custom && entry.custom.type === "result_card" &&
      entry.custom.card && typeof entry.custom.card === "object";
  }

  // ---------------------------------------------------------------- widget --

  function Widget(config) {
    this.config = config;
    this.state = loadState();
    this.tabId = newSessionId();
    this.socket = null;
    this.confirmed = false;
    this.renderedCount = 0;
    this.turnStart = null;
    this.unread = 0;
    this.typingTimer = null;
    this.statusTimer = null;
    this.disconnectTimer = null;
    this.build();
  }

  Widget.prototype.save = function () {
    this.state.updatedAt = Date.now();
    if (this.state.entries.length > MAX_ENTRIES) {
      this.state.entries = this.state.entries.slice(-MAX_ENTRIES);
      this.renderAll();
    }
    storageSet(HISTORY_STORE, STORAGE_KEY, JSON.stringify(this.state));
  };

  Widget.prototype.claimLeadership = function () {
    // Every open tab receives the bot's messages; only the leader writes them
    // to storage, the others follow through the "storage" event.
    this.state.leader = this.tabId;
    this.save();
  };

  Widget.prototype.isLeader = function () {
    var raw = storageGet(HISTORY_STORE, STORAGE_KEY);
    if (!raw) { return true; }
    try { return JSON.parse(raw).leader === this.tabId; } catch (e) { return true; }
  };

  Widget.prototype.build = function () {
    var cfg = this.config;
    var colours = palette(cfg.color);
    var root = el("div", "skw-root skw-root--" + cfg.position);
    root.lang = "nl";
    root.style.setProperty("--skw-accent", colours.accent);
    root.style.setProperty("--skw-on-accent", colours.onAccent);
    root.style.setProperty("--skw-accent-text", colours.accentText);

    var launcher = el("button", "skw-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "skw-panel");
    launcher.appendChild(icon(ICON_CHAT));
    launcher.appendChild(el("span", "skw-launcher-label", "Stel uw vraag"));
    var badge = el("span", "skw-badge");
    badge.hidden = true;
    launcher.appendChild(badge);

    var panel = el("section", "skw-panel");
    panel.id = "skw-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "false");
    panel.setAttribute("aria-labelledby", "skw-title");
    panel.hidden = true;

    var header = el("div", "skw-header");
    var heading = el("div", "skw-heading");
    var title = el("h2", "skw-title", cfg.title);
    title.id = "skw-title";
    heading.appendChild(title);
    // Always present, so the header can say who the resident talks to during a live chat.
    var subtitle = el("p", "skw-subtitle", cfg.subtitle);
    subtitle.id = "skw-subtitle";
    subtitle.hidden = !cfg.subtitle;
    heading.appendChild(subtitle);
    if (cfg.subtitle) { panel.setAttribute("aria-describedby", "skw-subtitle"); }
    header.appendChild(heading);
    var tools = el("div", "skw-tools");
    var restart = el("button", "skw-tool skw-restart");
    restart.type = "button";
    restart.appendChild(icon(ICON_NEW));
    restart.appendChild(el("span", "skw-tool-label", "Nieuw gesprek"));
    var close = el("button", "skw-tool skw-close");
    close.type = "button";
    close.setAttribute("aria-label", "Chat sluiten");
    close.appendChild(icon(ICON_CLOSE));
    tools.appendChild(restart);
    tools.appendChild(close);
    header.appendChild(tools);

    var status = el("p", "skw-status");
    status.setAttribute("role", "status");
    status.hidden = true;

    var log = el("div", "skw-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", "Gesprek met de " + cfg.title.toLowerCase());
    // Focusable so keyboard users can scroll a long conversation.
    log.tabIndex = 0;

    var typing = el("div", "skw-typing");
    typing.setAttribute("role", "status");
    var typingDots = el("span", "skw-typing-dots");
    typingDots.setAttribute("aria-hidden", "true");
    typingDots.appendChild(el("span"));
    typingDots.appendChild(el("span"));
    typingDots.appendChild(el("span"));
    typing.appendChild(typingDots);
    var typingText = el("span", "skw-sr-only");
    typing.appendChild(typingText);
    typing.hidden = true;

    var form = el("form", "skw-composer");
    form.noValidate = true;
    var label = el("label", "skw-sr-only", "Typ uw bericht");
    label.htmlFor = "skw-input";
    var input = el("input", "skw-input");
    input.id = "skw-input";
    input.type = "text";
    input.autocomplete = "off";
    input.maxLength = 1000;
    input.placeholder = "Typ uw vraag...";
    var send = el("button", "skw-send");
    send.type = "submit";
    send.appendChild(icon(ICON_SEND));
    send.appendChild(el("span", "skw-send-label", "Verstuur"));
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);

    var footer = el("p", "skw-footer");
    var footerText = document.createTextNode("U praat met een computer. ");
    footer.appendChild(footerText);
    if (cfg.privacyUrl) {
      footer.appendChild(externalLink(cfg.privacyUrl, "Privacy", "skw-link"));
    }

    panel.appendChild(header);
    panel.appendChild(status);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(form);
    panel.appendChild(footer);
    root.appendChild(panel);
    root.appendChild(launcher);

    this.root = root;
    this.launcher = launcher;
    this.badge = badge;
    this.panel = panel;
    this.statusEl = status;
    this.log = log;
    this.typing = typing;
    this.typingText = typingText;
    this.input = input;
    this.titleEl = title;
    this.subtitleEl = subtitle;
    this.footerText = footerText;
    this.lastUserTyping = 0;

    var self = this;
    launcher.addEventListener("click", function () { self.open(true); });
    close.addEventListener("click", function () { self.close(); });
    restart.addEventListener("click", function () { self.restart(); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        self.close();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) {
        input.focus();
        return;
      }
      input.value = "";
      self.send(text, text);
    });
    input.addEventListener("input", function () { self.userTyping(); });
    log.addEventListener("click", function (event) {
      var face = event.target.closest ? event.target.closest("button.skw-face") : null;
      if (face && log.contains(face)) {
        self.answerCsat(face.dataset.token, parseInt(face.dataset.score, 10));
        return;
      }
      var button = event.target.closest ? event.target.closest("button.skw-reply") : null;
      if (button && log.contains(button)) {
        self.send(button.dataset.title, button.dataset.payload);
        input.focus();
      }
    });
    window.addEventListener("storage", function (event) {
      if (event.key === STORAGE_KEY) { self.syncFromStorage(); }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { self.claimLeadership(); }
    });

    // Render the stored conversation before the log is in the document, so a
    // screen reader does not read the whole history again on every page.
    this.renderAll();
    this.applyLive();
    document.body.appendChild(root);
    this.claimLeadership();

    var stored = storageGet("sessionStorage", OPEN_KEY);
    if (stored === "1" || (stored === null && cfg.open)) {
      this.open(false);
    }
  };

  // ---------------------------------------------------------- open / close --

  Widget.prototype.open = function (moveFocus) {
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    this.root.classList.add("skw-root--open");
    storageSet("sessionStorage", OPEN_KEY, "1");
    this.unread = 0;
    this.updateBadge();
    this.scrollToEnd();
    if (moveFocus) { this.input.focus(); }
    if (!this.state.started) { this.startConversation(); }
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.root.classList.remove("skw-root--open");
    storageSet("sessionStorage", OPEN_KEY, "0");
    // Closing ends what this browser remembers: the next person at this computer reads nothing.
    storageRemove(HISTORY_STORE, STORAGE_KEY);
    this.launcher.focus();
  };

  Widget.prototype.isOpen = function () {
    return !this.panel.hidden;
  };

  Widget.prototype.updateBadge = function () {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = "";
    if (this.unread > 0) {
      this.badge.appendChild(document.createTextNode(String(this.unread)));
      this.badge.appendChild(srOnly(this.unread === 1 ? " nieuw bericht" : " nieuwe berichten"));
    }
  };

  // ------------------------------------------------------------ conversation --

  Widget.prototype.startConversation = function () {
    // The bot writes its own opening (who it is, that it is a computer, privacy);
    // the widget only asks for it, once per conversation.
    this.state.started = true;
    this.save();
    this.deliver(START_PAYLOAD, null);
  };

  Widget.prototype.restart = function () {
    this.state = freshState();
    this.state.leader = this.tabId;
    this.renderedCount = 0;
    this.log.textContent = "";
    this.turnStart = null;
    this.hideTyping();
    this.applyLive();
    this.save();
    this.setStatus("U bent een nieuw gesprek begonnen. Het vorige gesprek is gewist uit uw browser.", 6000);
    // A fresh socket leaves the old conversation's room on the server.
    if (this.socket) {
      this.confirmed = false;
      this.socket.disconnect();
      this.socket.connect();
    }
    this.startConversation();
    this.input.focus();
  };

  /** Shows `display` as the resident's message and sends `message` to the assistant. */
  Widget.prototype.send = function (display, message) {
    if (!message) { return; }
    this.removeReplies();
    var entry = { id: newSessionId().slice(0, 12), kind: "user", text: display, time: new Date().toISOString() };
    this.state.leader = this.tabId;
    this.addEntry(entry);
    this.deliver(message, entry.id);
  };

  Widget.prototype.deliver = function (message, entryId) {
    if (this.socket && this.socket.connected && this.confirmed) {
      this.emitMessage(message);
      return;
    }
    this.state.outbox.push({ message: message, entryId: entryId });
    this.save();
    if (entryId) {
      this.markPending(entryId, true);
      this.setStatus("Nog geen verbinding. Uw bericht wordt verstuurd zodra er weer verbinding is.");
    }
  };

  Widget.prototype.emitMessage = function (message) {
    var payload = { message: message, session_id: this.state.sessionId };
    // The site this widget runs on: the assistant names this municipality until it knows where the resident lives.
    if (this.config.municipality) { payload.metadata = { municipality: this.config.municipality }; }
    this.socket.emit("user_uttered", payload);
    this.showTyping();
  };

  Widget.prototype.flushOutbox = function () {
    var pending = this.state.outbox;
    this.state.outbox = [];
    this.save();
    for (var i = 0; i < pending.length; i++) {
      this.emitMessage(pending[i].message);
      if (pending[i].entryId) { this.markPending(pending[i].entryId, false); }
    }
  };

  Widget.prototype.receive = function (data) {
    this.hideTyping();
    var message = normaliseBotMessage(data);
    if (!message.text && !message.buttons.length && !message.custom) { return; }
    if (!this.isLeader()) {
      // Another tab records this message; we show it when storage tells us.
      return;
    }
    var entry = {
      id: newSessionId().slice(0, 12),
      kind: "bot",
      text: message.text,
      buttons: message.buttons,
      custom: message.custom,
      metadata: message.metadata,
      time: new Date().toISOString()
    };
    // For a reconnect: the channel sends what arrived after this moment (rasa_addons/live_chat.py).
    this.state.lastBotAt = Date.now();
    this.followHandoff(message.metadata);
    this.addEntry(entry);
    if (!this.isOpen()) {
      this.unread += 1;
      this.updateBadge();
    }
  };

  Widget.prototype.addEntry = function (entry) {
    this.state.entries.push(entry);
    this.save();
    this.renderNew();
  };

  Widget.prototype.syncFromStorage = function () {
    var state = loadState();
    var sameConversation = state.sessionId === this.state.sessionId;
    this.state = state;
    if (!sameConversation || state.entries.length < this.renderedCount) {
      this.renderedCount = 0;
      this.log.textContent = "";
      this.turnStart = null;
    }
    this.renderNew();
    this.applyLive();
    if (!sameConversation && this.socket) {
      this.confirmed = false;
      this.socket.disconnect();
      this.socket.connect();
    }
  };

  // ---------------------------------------------------------------- render --

  Widget.prototype.renderAll = function () {
    this.renderedCount = 0;
    this.turnStart = null;
    this.log.textContent = "";
    this.renderNew();
  };

  Widget.prototype.renderNew = function () {
    var entries = this.state.entries;
    var lastUser = -1;
    for (var j = 0; j < entries.length; j++) {
      if (entries[j] && entries[j].kind === "user") { lastUser = j; }
    }
    for (var i = this.renderedCount; i < entries.length; i++) {
      // Quick replies only make sense until the resident answers.
      this.renderEntry(entries[i], entries[i - 1], i > lastUser);
    }
    this.renderedCount = entries.length;
    this.scrollToEnd();
  };

  Widget.prototype.renderEntry = function (entry, previous, withReplies) {
    if (!entry || typeof entry !== "object") { return; }
    if (entry.kind === "user") {
      this.renderUser(entry);
      this.turnStart = null;
      return;
    }
    var lastBefore = this.log.lastElementChild;
    if (startsOwnTurn(entry)) {
      // A medewerker writes without being asked: show each such message from its first line.
      this.turnStart = null;
    }
    if (isCard(entry)) {
      this.renderCard(entry, previous);
    } else {
      this.renderBot(entry);
    }
    if (withReplies && Array.isArray(entry.buttons) && entry.buttons.length) {
      this.renderReplies(entry.buttons);
    }
    if (!this.turnStart && this.log.lastElementChild !== lastBefore) {
      this.turnStart = this.log.lastElementChild;
    }
  };

  Widget.prototype.messageShell = function (kind, who, time) {
    var item = el("div", "skw-msg skw-msg--" + kind);
    var meta = el("p", "skw-meta");
    var whoEl = el("span", kind.indexOf("staff") === 0 ? "skw-who" : "skw-sr-only", who);
    meta.appendChild(whoEl);
    meta.appendChild(document.createTextNode(" "));
    var stamp = el("time", "skw-time", formatTime(time));
    stamp.dateTime = time || "";
    meta.appendChild(stamp);
    item.appendChild(meta);
    return item;
  };

  Widget.prototype.renderUser = function (entry) {
    var item = this.messageShell("user", "U zei:", entry.time);
    item.dataset.entry = entry.id || "";
    var bubble = el("div", "skw-bubble");
    appendLinkified(bubble, asText(entry.text));
    item.appendChild(bubble);
    var pending = el("p", "skw-pending", "Nog niet verstuurd");
    pending.hidden = !this.state.outbox.some(function (o) { return o.entryId === entry.id; });
    item.appendChild(pending);
    this.log.appendChild(item);
  };

  Widget.prototype.markPending = function (entryId, pending) {
    var items = this.log.querySelectorAll(".skw-msg--user");
    for (var i = 0; i < items.length; i++) {
      if (items[i].dataset.entry === entryId) {
        var note = items[i].querySelector(".skw-pending");
        if (note) { note.hidden = !pending; }
      }
    }
  };

  Widget.prototype.renderBot = function (entry) {
    var staff = entry.metadata && entry.metadata.from === "staff";
    var who = staff ? (asText(entry.metadata.staff_name) || "Medewerker") + " (medewerker van de gemeente)" : "Assistent:";
    var notice = !staff && entry.metadata && entry.metadata.handoff;
    var item = this.messageShell(staff ? "staff" : notice ? "bot skw-msg--notice" : "bot", who, entry.time);
    if (entry.text) {
      var bubble = el("div", "skw-bubble");
      appendLinkified(bubble, entry.text);
      item.appendChild(bubble);
    }
    if (entry.custom && entry.custom.type === "csat" && typeof entry.custom.token === "string") {
      item.appendChild(this.buildCsat(entry));
    }
    this.log.appendChild(item);
  };

  Widget.prototype.renderCard = function (entry, previous) {
    var list;
    var last = this.log.lastElementChild;
    var staff = !!(entry.metadata && entry.metadata.from === "staff");
    var previousStaff = !!(previous && previous.metadata && previous.metadata.from === "staff");
    var sameSender = previous && isCard(previous) && previousStaff === staff;
    if (sameSender && last && last.classList.contains("skw-msg--cards")) {
      // Consecutive result cards form one list, so a screen reader says "list, 3 items".
      list = last.querySelector("ol");
    } else {
      var item = staff
        ? this.messageShell("staff skw-msg--cards", (asText(entry.metadata.staff_name) || "Medewerker") + " (medewerker van de gemeente) stuurt u:", entry.time)
        : this.messageShell("bot skw-msg--cards", "Assistent, zoekresultaten:", entry.time);
      list = el("ol", "skw-cards");
      item.appendChild(list);
      this.log.appendChild(item);
    }
    list.appendChild(buildCard(entry.custom.card));
  };

  Widget.prototype.renderReplies = function (buttons) {
    var group = el("div", "skw-replies");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Antwoordkeuzes");
    buttons.forEach(function (b) {
      var button = el("button", "skw-reply", b.title);
      button.type = "button";
      button.dataset.title = b.title;
      button.dataset.payload = b.payload;
      group.appendChild(button);
    });
    this.log.appendChild(group);
  };

  Widget.prototype.removeReplies = function () {
    var groups = this.log.querySelectorAll(".skw-replies");
    for (var i = 0; i < groups.length; i++) { groups[i].remove(); }
  };

  Widget.prototype.scrollToEnd = function () {
    var log = this.log;
    var start = this.turnStart;
    // A long answer (the opening, a list of results) is read from its first
    // line: show the start of the assistant's turn when it does not fit.
    if (start && start.parentNode === log && log.scrollHeight - start.offsetTop > log.clientHeight) {
      log.scrollTop = Math.max(0, start.offsetTop - 8);
    } else {
      log.scrollTop = log.scrollHeight;
    }
  };

  Widget.prototype.showTyping = function () {
    var self = this;
    this.typing.hidden = false;
    this.typingText.textContent = "De assistent schrijft een antwoord.";
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.hideTyping(); }, TYPING_TIMEOUT_MS);
  };

  Widget.prototype.showStaffTyping = function (name) {
    var self = this;
    this.typing.hidden = false;
    this.typingText.textContent = (name || "De medewerker") + " schrijft een bericht.";
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.hideTyping(); }, STAFF_TYPING_MS);
  };

  /** Tells the medewerker (not the assistant) that the resident is typing, at most every few seconds. */
  Widget.prototype.userTyping = function () {
    var live = this.state.live;
    if (!live || live.mode !== "staff" || !this.socket || !this.confirmed || !this.input.value) { return; }
    var now = Date.now();
    if (now - this.lastUserTyping < USER_TYPING_EVERY_MS) { return; }
    this.lastUserTyping = now;
    this.socket.emit("user_typing", { session_id: this.state.sessionId });
  };

  /** Follows who the resident talks to from the handoff metadata of a message. */
  Widget.prototype.followHandoff = function (metadata) {
    if (!metadata) { return; }
    var step = metadata.handoff;
    var live = this.state.live || { mode: "assistant" };
    if (step === "joined" || (metadata.from === "staff" && live.mode !== "staff")) {
      live = { mode: "staff", staffName: asText(metadata.staff_name) || "een medewerker" };
    } else if (step === "handed_on") {
      live = { mode: "waiting" };
    } else if (step === "handed_back" || step === "closed") {
      live = { mode: "assistant" };
    } else {
      return;
    }
    this.state.live = live;
    this.applyLive();
  };

  /** Shows in the header and footer who the resident talks to now. */
  Widget.prototype.applyLive = function () {
    var cfg = this.config;
    var live = this.state.live || { mode: "assistant" };
    var title = cfg.title;
    var subtitle = cfg.subtitle;
    var footer = "U praat met een computer. ";
    if (live.mode === "staff") {
      title = "U praat met " + live.staffName;
      subtitle = "Medewerker van de gemeente" + (cfg.municipality ? " " + cfg.municipality : "");
      footer = "U praat met een medewerker, niet met een computer. ";
    } else if (live.mode === "waiting") {
      subtitle = "U wacht op een medewerker.";
      footer = "U wacht op een medewerker. Blijf in dit venster. ";
    }
    this.titleEl.textContent = title;
    this.subtitleEl.textContent = subtitle;
    this.subtitleEl.hidden = !subtitle;
    if (subtitle) { this.panel.setAttribute("aria-describedby", "skw-subtitle"); } else { this.panel.removeAttribute("aria-describedby"); }
    this.footerText.textContent = footer;
    this.log.setAttribute("aria-label", live.mode === "staff" ? "Gesprek met " + live.staffName : "Gesprek met de " + cfg.title.toLowerCase());
    this.root.classList.toggle("skw-root--live", live.mode === "staff");
  };

  /** Returns the five faces of the satisfaction question, or the thanks once answered. */
  Widget.prototype.buildCsat = function (entry) {
    var box = el("div", "skw-csat");
    if (entry.csatScore) {
      box.appendChild(el("p", "skw-csat-done", "Dank u voor uw antwoord."));
      return box;
    }
    var group = el("div", "skw-faces");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Hoe tevreden bent u? Kies een van vijf gezichtjes");
    CSAT_FACES.forEach(function (f) {
      var b = el("button", "skw-face");
      b.type = "button";
      b.dataset.score = String(f.score);
      b.dataset.token = entry.custom.token;
      b.setAttribute("aria-label", f.score + " van 5: " + f.label);
      b.title = f.label;
      b.appendChild(faceIcon(f.mouth));
      group.appendChild(b);
    });
    box.appendChild(group);
    return box;
  };

  Widget.prototype.answerCsat = function (token, score) {
    if (!token || !(score >= 1 && score <= 5) || !this.socket || !this.confirmed) {
      this.setStatus("Uw antwoord kon niet worden verstuurd. Dat hoeft ook niet.", 6000);
      return;
    }
    this.socket.emit("csat", { token: token, score: score });
    var entries = this.state.entries;
    for (var i = 0; i < entries.length; i++) {
      if (entries[i] && entries[i].custom && entries[i].custom.token === token) { entries[i].csatScore = score; }
    }
    this.save();
    var faces = this.log.querySelectorAll("button.skw-face");
    for (var j = 0; j < faces.length; j++) {
      if (faces[j].dataset.token === token) {
        var box = faces[j].closest(".skw-csat");
        if (box) { box.replaceChildren(el("p", "skw-csat-done", "Dank u voor uw antwoord.")); }
        break;
      }
    }
    this.input.focus();
  };

  Widget.prototype.hideTyping = function () {
    clearTimeout(this.typingTimer);
    this.typing.hidden = true;
    this.typingText.textContent = "";
  };

  Widget.prototype.setStatus = function (text, clearAfterMs) {
    var self = this;
    clearTimeout(this.statusTimer);
    this.statusEl.textContent = text;
    this.statusEl.hidden = !text;
    if (text && clearAfterMs) {
      this.statusTimer = setTimeout(function () { self.setStatus(""); }, clearAfterMs);
    }
  };

  /** Returns a result card as an <li>: name, what, where + distance, when, cost, contact, route. */
  function buildCard(card) {
    var li = el("li", "skw-card");
    li.appendChild(el("p", "skw-card-name", asText(card.name) || "Onbekende organisatie"));
    var facts = el("dl", "skw-facts");
    function fact(term, value) {
      if (!value || (typeof value !== "string" && !value.nodeType)) { return; }
      var row = el("div", "skw-fact");
      row.appendChild(el("dt", null, term));
      var dd = el("dd");
      if (typeof value === "string") { dd.textContent = value; } else { dd.appendChild(value); }
      row.appendChild(dd);
      facts.appendChild(row);
    }
    fact("Wat", asText(card.what));
    var where = asText(card.where);
    var distance = formatDistance(card.distance);
    // Some cards already name the distance in "where"; say it once.
    var withDistance = where && distance && where.indexOf(distance) === -1;
    fact("Waar", withDistance ? where + " (" + distance + ")" : where || distance);
    fact("Wanneer", asText(card.when));
    fact("Kosten", asText(card.cost));
    var contact = buildContact(card);
    if (contact) { fact("Contact", contact); }
    li.appendChild(facts);
    var route = safeUrl(asText(card.route_url), false);
    if (route) {
      var link = el("a", "skw-route", "Route plannen");
      link.href = route;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.appendChild(srOnly(" naar " + (asText(card.name) || "deze plek") + " (opent in een nieuw venster)"));
      li.appendChild(link);
    }
    return li;
  }

  function buildContact(card) {
    var parts = [];
    var phone = asText(card.phone);
    var digits = phone.replace(/[^0-9+]/g, "");
    if (digits.length >= 3) {
      var tel = el("a", "skw-link", phone);
      tel.href = "tel:" + digits;
      parts.push(tel);
    }
    var email = asText(card.email).trim();
    if (/^[^\s@<>"]+@[^\s@<>"]+\.[a-z]{2,}$/i.test(email)) {
      var mail = el("a", "skw-link", email);
      mail.href = "mailto:" + email;
      parts.push(mail);
    }
    var website = safeUrl(asText(card.website), false);
    if (website) {
      parts.push(externalLink(website, new URL(website).hostname.replace(/^www\./, "")));
    }
    if (!parts.length) {
      var text = asText(card.contact);
      return text || null;
    }
    var span = el("span", "skw-contact");
    parts.forEach(function (part, i) {
      if (i) { span.appendChild(document.createTextNode(" · ")); }
      span.appendChild(part);
    });
    return span;
  }

  // ---------------------------------------------------------------- socket --

  Widget.prototype.connect = function () {
    var self = this;
    var cfg = this.config;
    if (typeof window.io !== "function") {
      this.setStatus("De chat kan nu niet laden. Probeer het later opnieuw" +
        (cfg.phone ? " of bel " + cfg.phone + "." : "."));
      return;
    }
    var socket = window.io(cfg.socketUrl, {
      path: cfg.socketPath,
      // WebSocket first: one connection, no CORS preflights; long-polling is the fallback.
      transports: ["websocket", "polling"],
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000
    });
    this.socket = socket;
    socket.on("connect", function () {
      // since/now let the channel send the messages that arrived while this window was closed.
      var request = { session_id: self.state.sessionId };
      if (typeof self.state.lastBotAt === "number") {
        request.since = self.state.lastBotAt / 1000;
        request.now = Date.now() / 1000;
      }
      socket.emit("session_request", request);
    });
    socket.on("staff_typing", function (data) {
      self.showStaffTyping(data && asText(data.staff_name));
    });
    socket.on("csat_saved", function (data) {
      if (data && data.ok === false) { self.setStatus("Uw antwoord is niet bewaard. Dat hoeft ook niet.", 6000); }
    });
    socket.on("session_confirm", function (data) {
      var id = typeof data === "string" ? data : data && data.session_id;
      if (id && id !== self.state.sessionId) {
        // Only possible when the server refused our id; follow the server.
        self.state.sessionId = id;
        self.save();
      }
      clearTimeout(self.disconnectTimer);
      var wasDown = self.connectionLost;
      self.connectionLost = false;
      self.confirmed = true;
      if (wasDown) { self.setStatus("De verbinding is hersteld.", 4000); } else if (!self.state.outbox.length) { self.setStatus(""); }
      self.flushOutbox();
    });
    socket.on("bot_uttered", function (data) { self.receive(data); });
    function lost() {
      self.confirmed = false;
      self.hideTyping();
      clearTimeout(self.disconnectTimer);
      // Short hiccups (a network switch) reconnect within a second: no alarm for those.
      self.disconnectTimer = setTimeout(function () {
        if (!self.confirmed) {
          self.connectionLost = true;
          self.setStatus("Er is geen verbinding met de assistent. We proberen opnieuw te verbinden." +
            (cfg.phone ? " Lukt het niet? Bel " + cfg.phone + "." : ""));
        }
      }, 2500);
    }
    socket.on("disconnect", function (reason) {
      if (reason !== "io client disconnect") { lost(); }
    });
    socket.on("connect_error", function () {
      // Some networks block WebSockets and some block long-polling: alternate
      // the order on every failed attempt, so the next try uses the other one.
      var manager = socket.io;
      if (manager && manager.opts && Array.isArray(manager.opts.transports) && manager.opts.transports.length === 2) {
        manager.opts.transports = [manager.opts.transports[1], manager.opts.transports[0]];
      }
      lost();
    });
  };

  // ----------------------------------------------------------------- start --

  function loadScript(src, done) {
    var tag = document.createElement("script");
    tag.src = src;
    tag.async = true;
    tag.addEventListener("load", function () { done(true); });
    tag.addEventListener("error", function () { done(false); });
    document.head.appendChild(tag);
  }

  function start() {
    var config = readConfig(script);
    if (!pageMatches(config.pages, location.pathname)) { return; }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = config.base + "widget.css";
    var built = false;
    // Build after the stylesheet arrived, so residents never see an unstyled flash.
    function build() {
      if (built) { return; }
      built = true;
      var widget = new Widget(config);
      if (typeof window.io === "function") {
        widget.connect();
      } else {
        loadScript(config.base + "socket.io.min.js", function () { widget.connect(); });
      }
      window.SociaalWidget = {
        open: function () { widget.open(true); },
        close: function () { widget.close(); }
      };
    }
    css.addEventListener("load", build);
    css.addEventListener("error", build);
    document.head.appendChild(css);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
