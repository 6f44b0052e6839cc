/* Staff console of the sociale kaart helpdesk.
 * Every text from the server is put in the page with textContent, never as HTML:
 * a resident who types <script> sees it shown as text here.
 *
 * Keyboard: Alt+N takes the next waiting conversation, Alt+O takes this one, Enter sends
 * (Shift+Enter is a new line), Alt+T hands back, Alt+A closes, Alt+W goes to the queue.
 */
(function () {
  "use strict";

  var API = "/medewerkers/api";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var NOTIFY_KEY = "medewerker:meldingen";
  var baseTitle = document.title;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function byId(id) { return document.getElementById(id); }

  /* An error stays until the next action succeeds or the same source reports success:
   * the 2-second refresh clears only errors it caused itself. */
  function showError(message, source) {
    var box = byId("error");
    if (!box) return;
    box.textContent = message || "";
    box.dataset.source = message ? (source || "action") : "";
  }

  function clearError(source) {
    var box = byId("error");
    if (box && box.dataset.source === source) { box.textContent = ""; box.dataset.source = ""; }
  }

  function request(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (method !== "GET") {
      options.headers["X-CSRF-Token"] = csrf;
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    return fetch(API + path, options).then(function (response) {
      if (response.status === 401) {
        window.location.href = "/medewerkers/inloggen?next=" + encodeURIComponent(window.location.pathname);
        throw new Error("Niet ingelogd");
      }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.error || "Er ging iets mis (" + response.status + ").");
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  function minutes(n) { return n === 1 ? "1 minuut" : n + " minuten"; }

  function clockTime(value) {
    if (value === null || value === undefined) return "";
    var date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    if (isNaN(date.getTime())) return "";
    return date.toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" });
  }

  function dateTime(value) {
    var date = new Date(value);
    if (isNaN(date.getTime())) return "";
    return date.toLocaleString("nl-NL", { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  function need(summary) { return summary.need_label || summary.need || "onbekend"; }
  function place(summary) { return summary.location || summary.municipality || "onbekend"; }

  function presenceText(p) {
    if (!p || !p.last_seen) return "onbekend";
    if (p.online) return p.typing ? "online, typt…" : "online";
    return "offline sinds " + clockTime(p.last_seen);
  }

  function presenceNode(p) {
    var span = el("span", presenceText(p), "presence-badge " + (p && p.online ? "is-online" : "is-offline"));
    return span;
  }

  function priorityNode(t) {
    if (t.urgent) return el("strong", t.urgent_at ? "URGENT (crisis tijdens gesprek)" : "URGENT", "badge-urgent");
    return el("span", "normaal");
  }

  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (cell) {
      var td = document.createElement("td");
      if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell === null || cell === undefined ? "" : String(cell);
      tr.appendChild(td);
    });
    return tr;
  }

  function fillTable(id, rows) {
    var body = document.querySelector("#" + id + " tbody");
    body.replaceChildren.apply(body, rows);
    byId(id + "-empty").hidden = rows.length > 0;
    byId(id).hidden = rows.length === 0;
  }

  function link(href, text) { var a = el("a", text); a.href = href; return a; }

  function button(text, onClick, className) {
    var b = el("button", text, className);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  /* ---- never miss a resident: title count, sound, notification (opt-in) ---- */

  var alerts = {
    seen: null,
    enabled: function () { try { return window.localStorage.getItem(NOTIFY_KEY) === "aan"; } catch (e) { return false; } },
    setEnabled: function (on) { try { window.localStorage.setItem(NOTIFY_KEY, on ? "aan" : "uit"); } catch (e) { /* private mode */ } },
    beep: function (urgent) {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      try {
        var ctx = new Ctx();
        var tones = urgent ? [880, 660, 880] : [660];
        tones.forEach(function (freq, i) {
          var osc = ctx.createOscillator();
          var gain = ctx.createGain();
          osc.frequency.value = freq;
          gain.gain.value = 0.15;
          osc.connect(gain); gain.connect(ctx.destination);
          osc.start(ctx.currentTime + i * 0.25);
          osc.stop(ctx.currentTime + i * 0.25 + 0.18);
        });
      } catch (e) { /* no audio device */ }
    },
    notify: function (text, urgent) {
      if (!this.enabled()) return;
      this.beep(urgent);
      if (window.Notification && Notification.permission === "granted") {
        try { new Notification("Helpdesk sociale kaart", { body: text, tag: urgent ? "urgent" : "nieuw" }); } catch (e) { /* not allowed here */ }
      }
    },
    /* Compare the waiting list with the previous one; alert on new requests and new urgency. */
    update: function (waiting) {
      var count = waiting.length;
      document.title = (count ? "(" + count + ") " : "") + baseTitle;
      var now = {};
      waiting.forEach(function (t) { now[t.id] = t.urgent ? "u" : "n"; });
      if (this.seen !== null) {
        var fresh = waiting.filter(function (t) { return !(t.id in alerts.seen) || (t.urgent && alerts.seen[t.id] !== "u"); });
        if (fresh.length) {
          var urgent = fresh.some(function (t) { return t.urgent; });
          this.notify(urgent ? "Urgent: een inwoner in nood wacht op een medewerker." : "Een inwoner wacht op een medewerker.", urgent);
        }
      }
      this.seen = now;
    }
  };

  function currentInbox() {
    var select = byId("inbox");
    if (select) return select.value;
    try { return window.sessionStorage.getItem("medewerker:inbox") || "mine"; } catch (e) { return "mine"; }
  }

  function takeNext() {
    request("POST", "/queue/next", { inbox: currentInbox() }).then(function (t) {
      window.location.href = "/medewerkers/gesprek/" + encodeURIComponent(t.id) + "#bericht";
    }).catch(function (e) { showError(e.message); });
  }

  /* ---- every page: availability, shortcuts, the waiting count in the title ---- */

  var me = null;

  function common(pageName) {
    var toggle = byId("availability");
    function showStatus(profile) {
      if (!toggle) return;
      var available = profile.status === "beschikbaar";
      toggle.hidden = false;
      toggle.textContent = available ? "Beschikbaar" : "Afwezig";
      toggle.setAttribute("aria-pressed", available ? "true" : "false");
      toggle.className = "availability " + (available ? "is-available" : "is-away");
    }
    var ready = request("GET", "/me").then(function (data) {
      me = data;
      showStatus(data.profile);
      return data;
    });
    if (toggle) {
      toggle.addEventListener("click", function () {
        var next = toggle.getAttribute("aria-pressed") === "true" ? "afwezig" : "beschikbaar";
        request("POST", "/me/status", { status: next }).then(showStatus).catch(function (e) { showError(e.message); });
      });
    }
    document.addEventListener("keydown", function (event) {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.code === "KeyN") { event.preventDefault(); takeNext(); }
      if (event.code === "KeyW") { event.preventDefault(); window.location.href = "/medewerkers/wachtrij"; }
    });
    if (pageName !== "queue") {
      // The queue page refreshes itself; elsewhere a slower poll keeps the title count and alerts.
      var poll = function () {
        request("GET", "/queue?inbox=" + encodeURIComponent(currentInbox())).then(function (data) { alerts.update(data.waiting); }).catch(function () {});
      };
      poll();
      window.setInterval(poll, 5000);
    }
    return ready;
  }

  /* ---- the queue page ---- */

  function queuePage() {
    var inbox = byId("inbox");
    try { inbox.value = window.sessionStorage.getItem("medewerker:inbox") || "mine"; } catch (e) { /* default */ }
    if (!inbox.value) inbox.value = "mine";
    inbox.addEventListener("change", function () {
      try { window.sessionStorage.setItem("medewerker:inbox", inbox.value); } catch (e) { /* default */ }
      refresh();
    });
    byId("take-next").addEventListener("click", takeNext);

    var notifyButton = byId("notify");
    function showNotifyState() {
      var on = alerts.enabled();
      notifyButton.textContent = on ? "Geluid en meldingen uitzetten" : "Geluid en meldingen aanzetten";
      var permission = window.Notification ? Notification.permission : "niet beschikbaar";
      byId("notify-state").textContent = on
        ? (permission === "granted" ? "Geluid en meldingen staan aan." : "Geluid staat aan. Meldingen van de browser zijn niet toegestaan.")
        : "Geluid en meldingen staan uit.";
    }
    notifyButton.addEventListener("click", function () {
      var on = !alerts.enabled();
      alerts.setEnabled(on);
      if (on) alerts.beep(false);
      if (on && window.Notification && Notification.permission === "default") {
        Notification.requestPermission().then(showNotifyState, showNotifyState);
      }
      showNotifyState();
    });
    showNotifyState();

    function closeNoAnswer(t) {
      request("POST", "/tickets/" + encodeURIComponent(t.id) + "/close", { outcome: "no_answer" }).then(function () {
        showError("");
        refresh();
      }).catch(function (e) { showError(e.message); });
    }

    function callbackActions(item) {
      var box = el("div", null, "row-actions");
      box.appendChild(link("/medewerkers/terugbellen/" + encodeURIComponent(item.id), "Bekijken"));
      if (item.status === "open") {
        box.appendChild(button("Behandelen", function () {
          request("POST", "/callbacks/" + encodeURIComponent(item.id) + "/take").then(refresh).catch(function (e) { showError(e.message); });
        }));
      } else if (item.mine) {
        var label = el("label", "Uitkomst");
        var select = el("select");
        select.id = "outcome-" + item.id;
        label.htmlFor = select.id;
        ((me && me.outcomes) || []).forEach(function (o) { var opt = el("option", o.label); opt.value = o.code; select.appendChild(opt); });
        box.appendChild(label); box.appendChild(select);
        box.appendChild(button("Afronden", function () {
          request("POST", "/callbacks/" + encodeURIComponent(item.id) + "/close", { outcome: select.value }).then(refresh).catch(function (e) { showError(e.message); });
        }));
      }
      return box;
    }

    function refresh() {
      return request("GET", "/queue?inbox=" + encodeURIComponent(inbox.value)).then(function (data) {
        clearError("refresh");
        alerts.update(data.waiting);
        byId("waiting-count").textContent = "(" + data.waiting.length + (data.inbox === "all" ? "" : " in deze inbox, " + data.waiting_total + " in totaal") + ")";
        fillTable("waiting", data.waiting.map(function (t) {
          var actions = el("div", null, "row-actions");
          actions.appendChild(link("/medewerkers/gesprek/" + encodeURIComponent(t.id), "Openen"));
          actions.appendChild(button("Sluiten: geen reactie", function () { closeNoAnswer(t); }, "secondary"));
          var wait = el("span", minutes(t.waiting_minutes), "wait wait-" + t.wait_level);
          var tr = row([
            t.position,
            wait,
            priorityNode(t),
            presenceNode(t.presence),
            need(t.summary),
            place(t.summary),
            t.summary.reason_label,
            t.assigned_to_name ? "collega " + t.assigned_to_name : (t.team || "iedereen"),
            actions,
          ]);
          if (t.urgent) tr.className = "crisis";
          return tr;
        }));
        fillTable("taken", data.taken.map(function (t) {
          var tr = row([t.taken_by_name, priorityNode(t), presenceNode(t.presence), need(t.summary), place(t.summary), link("/medewerkers/gesprek/" + encodeURIComponent(t.id), "Bekijken")]);
          if (t.urgent) tr.className = "crisis";
          return tr;
        }));
        fillTable("callbacks", data.callbacks.map(function (c) {
          var kind = c.contact_kind === "phone" ? "telefoon" : "e-mail";
          var contact;
          if (c.contact !== undefined) contact = c.contact;
          else if (c.status === "taken") contact = kind + " (alleen zichtbaar voor " + c.taken_by_name + ")";
          else contact = kind + " (zichtbaar na Behandelen)";
          var status = c.status_label + (c.taken_by_name ? " door " + c.taken_by_name : "");
          var tr = row([status, dateTime(c.created_at), c.moment, need(c.summary), place(c.summary), contact, callbackActions(c)]);
          if (c.priority === "crisis") tr.className = "crisis";
          return tr;
        }));
      }).catch(function (e) { showError(e.message, "refresh"); });
    }

    common("queue").then(refresh, refresh);
    window.setInterval(refresh, 2000);
  }

  /* ---- transcripts (conversation and callback pages) ---- */

  function renderCard(card) {
    var box = el("div", null, "card");
    box.appendChild(el("strong", card.name));
    ["what", "where", "when", "cost", "contact"].forEach(function (key) {
      if (card[key] && card[key] !== "-") box.appendChild(el("div", card[key]));
    });
    return box;
  }

  function transcriptRenderer(log) {
    var shown = 0;
    return function (lines) {
      if (lines.length < shown) { log.replaceChildren(); shown = 0; }
      lines.slice(shown).forEach(function (line) {
        var who = line.from === "resident" ? "Inwoner" : line.from === "staff" ? (line.staff_name || "Medewerker") + " (medewerker)" : line.from === "system" ? "Systeem" : "Assistent";
        var li = el("li", null, "line from-" + line.from);
        var head = el("div", null, "meta");
        head.appendChild(el("span", who, "who"));
        head.appendChild(el("time", clockTime(line.at)));
        li.appendChild(head);
        if (line.card) {
          if (line.from === "staff") li.appendChild(el("p", "Stuurde dit resultaat:", "buttons"));
          li.appendChild(renderCard(line.card));
        } else {
          li.appendChild(el("p", line.button ? "(knop) " + line.text : line.text));
        }
        if (line.csat) li.appendChild(el("p", "Vraag naar tevredenheid met vijf gezichtjes", "buttons"));
        if (line.buttons && line.buttons.length) li.appendChild(el("p", "Knoppen: " + line.buttons.join(" | "), "buttons"));
        log.appendChild(li);
      });
      if (lines.length > shown) log.scrollTop = log.scrollHeight;
      shown = lines.length;
    };
  }

  function summaryItem(list, term, value) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) return;
    list.appendChild(el("dt", term));
    list.appendChild(el("dd", Array.isArray(value) ? value.join(", ") : value));
  }

  function summaryList(list, s) {
    summaryItem(list, "Vraag", need(s));
    summaryItem(list, "Voor wie", s.audience_label || s.audience);
    summaryItem(list, "Leeftijd", s.age);
    summaryItem(list, "Plaats", [s.location, s.municipality && s.municipality !== s.location ? "gemeente " + s.municipality : null].filter(Boolean).join(", "));
    summaryItem(list, "Al getoond", s.shown_services);
    summaryItem(list, "Waarom een medewerker", s.reason_label);
  }

  /* ---- one conversation ---- */

  function conversationPage() {
    var ticketId = document.querySelector('meta[name="ticket-id"]').getAttribute("content");
    var base = "/tickets/" + encodeURIComponent(ticketId);
    var ticket = null;
    var lastSearch = "";
    var wasUrgent = null;
    var renderLines = transcriptRenderer(byId("transcript"));
    var message = byId("message");

    function renderTicket(t) {
      var firstRender = ticket === null;
      var becameMine = t.mine && !(ticket && ticket.mine);
      ticket = t;
      var s = t.summary;
      var list = byId("summary");
      list.replaceChildren();
      summaryList(list, s);
      summaryItem(list, "Wacht sinds", clockTime(t.requested_at) + " (" + minutes(t.waiting_minutes) + (t.status === "waiting" ? "" : " gewacht") + ")");
      summaryItem(list, "Voorrang", t.urgent ? "URGENT: eerst helpen" : "normaal");
      summaryItem(list, "Team", t.team);
      summaryItem(list, "Doorgegeven aan", t.assigned_to_name ? "collega " + t.assigned_to_name : null);

      var urgent = byId("urgent");
      urgent.hidden = !t.urgent;
      urgent.textContent = t.urgent
        ? (t.urgent_at ? "URGENT: de inwoner schreef om " + clockTime(t.urgent_at) + " iets dat op een crisis lijkt. De assistent noemde 113. Help eerst deze inwoner." : "URGENT: mogelijk crisis. De assistent noemde 113 al. Help eerst deze inwoner.")
        : "";
      if (wasUrgent === false && t.urgent) alerts.notify("Urgent: crisis in een gesprek.", true);
      wasUrgent = t.urgent;

      var notes = byId("notes");
      notes.replaceChildren();
      t.notes.forEach(function (n) {
        var target = n.team ? " → team " + n.team : (n.to ? " → collega " + (n.to_name || n.to) : "");
        var label = n.kind === "internal" ? "Interne notitie" : "Overdracht";
        notes.appendChild(el("li", label + ", " + dateTime(n.at) + ", " + n.by_name + target + ": " + n.text, "note note-" + n.kind));
      });
      if (!t.notes.length) notes.appendChild(el("li", "Nog geen notities.", "hint"));

      var status = t.status_label;
      if (t.status === "taken") status += " met " + (t.mine ? "u" : t.taken_by_name);
      if (t.outcome_label) status += " – " + t.outcome_label;
      byId("status").textContent = "Status: " + status;
      showPresence(t.presence);
      byId("take").hidden = t.status !== "waiting";
      var ended = (t.status === "handed_back" || t.status === "closed") && t.handled_by_me;
      byId("finish-form").hidden = !(t.mine || ended);
      byId("handback").hidden = !t.mine;
      byId("close").hidden = !t.mine;
      byId("save-outcome").hidden = !ended;
      if (ended && t.outcome) byId("outcome").value = t.outcome;
      byId("message-form").hidden = !t.mine;
      byId("tools").hidden = !t.mine;
      if (t.mine && (becameMine || (firstRender && window.location.hash === "#bericht"))) {
        loadCanned();
        message.focus();
      }
    }

    function showPresence(p) {
      var box = byId("presence");
      if (!p || !p.last_seen) { box.textContent = "Inwoner: chatvenster onbekend"; box.className = "presence"; return; }
      box.textContent = p.online ? "Inwoner: chatvenster is open" : "Inwoner: chatvenster gesloten sinds " + clockTime(p.last_seen) + ". Berichten ziet de inwoner pas als die de chat weer opent.";
      box.className = "presence " + (p.online ? "is-online" : "is-offline");
      byId("resident-typing").textContent = p.online && p.typing ? "De inwoner typt…" : "";
    }

    function loadTicket() {
      return request("GET", base).then(function (t) { clearError("refresh"); renderTicket(t); }).catch(function (e) { showError(e.message, "refresh"); });
    }

    var polling = false;
    function pollTranscript() {
      if (polling) return;
      polling = true;
      request("GET", base + "/transcript").then(function (data) {
        renderLines(data.lines);
        showPresence(data.presence);
        clearError("rasa");
      }).catch(function (e) {
        showError(e.message, "rasa");
      }).then(function () { polling = false; });
    }

    function act(path, body) {
      showError("");
      return request("POST", base + path, body).then(function (t) {
        if (t && t.id) renderTicket(t);
        pollTranscript();
        return t;
      }).catch(function (e) { showError(e.message); throw e; });
    }

    function take() { if (ticket && ticket.status === "waiting") act("/take").catch(function () {}); }
    function outcomeValue() { return byId("outcome").value || null; }
    function handBack() { if (ticket && ticket.mine) act("/handback", { outcome: outcomeValue() }).catch(function () {}); }
    function closeIt() {
      if (!(ticket && ticket.mine)) return;
      if (!outcomeValue()) { showError("Kies eerst een uitkomst. Daarna kunt u afsluiten."); byId("outcome").focus(); return; }
      act("/close", { outcome: outcomeValue() }).catch(function () {});
    }

    byId("take").addEventListener("click", take);
    byId("handback").addEventListener("click", handBack);
    byId("close").addEventListener("click", closeIt);
    byId("save-outcome").addEventListener("click", function () {
      if (!outcomeValue()) { showError("Kies eerst een uitkomst."); return; }
      act("/outcome", { outcome: outcomeValue() }).then(function () { byId("status").focus && byId("status").focus(); }).catch(function () {});
    });
    document.addEventListener("keydown", function (event) {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.code === "KeyO") { event.preventDefault(); take(); }
      if (event.code === "KeyT") { event.preventDefault(); handBack(); }
      if (event.code === "KeyA") { event.preventDefault(); closeIt(); }
    });

    function send() {
      var text = message.value.trim();
      if (!text) return;
      // Empty the box at once: what the medewerker types next must never be wiped by a late answer.
      message.value = "";
      act("/messages", { text: text }).then(function () {
        lastTyping = 0;  // the next words start a new "is typing"
      }).catch(function () {
        if (!message.value) message.value = text;  // not sent: give the text back
      });
      message.focus();
    }
    byId("message-form").addEventListener("submit", function (event) { event.preventDefault(); send(); });
    var lastTyping = 0;
    message.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
    });
    message.addEventListener("input", function () {
      var now = Date.now();
      if (ticket && ticket.mine && message.value && now - lastTyping > 3000) {
        lastTyping = now;
        request("POST", base + "/typing").catch(function () {});
      }
    });

    var cannedItems = [];
    function loadCanned() {
      request("GET", base + "/canned").then(function (data) {
        cannedItems = data.canned;
        var select = byId("canned");
        select.replaceChildren(el("option", "Kies een standaardantwoord…"));
        select.firstChild.value = "";
        cannedItems.forEach(function (c) {
          var o = el("option", c.title + (c.team ? " (" + c.team + ")" : ""));
          o.value = String(c.id);
          select.appendChild(o);
        });
      }).catch(function (e) { showError(e.message); });
    }
    byId("canned").addEventListener("change", function (event) {
      var chosen = cannedItems.filter(function (c) { return String(c.id) === event.target.value; })[0];
      if (!chosen) return;
      message.value = chosen.filled;
      event.target.value = "";
      message.focus();
    });

    byId("note-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var field = byId("note");
      if (!field.value.trim()) { showError("Schrijf eerst een notitie."); return; }
      act("/notes", { text: field.value }).then(function () { field.value = ""; }).catch(function () {});
    });

    byId("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      lastSearch = byId("search-q").value.trim();
      var list = byId("search-results");
      list.replaceChildren(el("li", "Bezig met zoeken…"));
      request("GET", base + "/search?q=" + encodeURIComponent(lastSearch)).then(function (data) {
        list.replaceChildren();
        if (!data.results.length) list.appendChild(el("li", "Niets gevonden. Probeer andere woorden."));
        data.results.forEach(function (card) {
          var li = el("li");
          li.appendChild(renderCard(card));
          var send = button("Stuur naar inwoner", function () {
            act("/cards", { service_id: card.service_id, q: lastSearch }).then(function () { send.textContent = "Verstuurd"; send.disabled = true; loadTicket(); }).catch(function () {});
          });
          li.appendChild(send);
          list.appendChild(li);
        });
      }).catch(function (e) { list.replaceChildren(); showError(e.message); });
    });

    byId("transfer-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var value = byId("transfer-to").value;
      var body = { note: byId("transfer-note").value };
      if (value.indexOf("team:") === 0) body.team = value.slice(5); else body.to_staff = value.slice(6);
      act("/transfer", body).then(function () { window.location.href = "/medewerkers/wachtrij"; }).catch(function () {});
    });

    common("conversation").then(function (data) {
      var to = byId("transfer-to");
      data.teams.forEach(function (team) { var o = el("option", "Team: " + team); o.value = "team:" + team; to.appendChild(o); });
      data.colleagues.forEach(function (c) { var o = el("option", "Collega: " + c.name); o.value = "staff:" + c.username; to.appendChild(o); });
      var outcome = byId("outcome");
      data.outcomes.forEach(function (o) { var opt = el("option", o.label); opt.value = o.code; outcome.appendChild(opt); });
      if (ticket && ticket.outcome) outcome.value = ticket.outcome;
    }).catch(function (e) { showError(e.message); });

    loadTicket();
    pollTranscript();
    window.setInterval(pollTranscript, 500);
    window.setInterval(loadTicket, 2000);
  }

  /* ---- one callback request ---- */

  function callbackPage() {
    var callbackId = document.querySelector('meta[name="callback-id"]').getAttribute("content");
    var renderLines = transcriptRenderer(byId("transcript"));
    function load() {
      request("GET", "/callbacks/" + encodeURIComponent(callbackId)).then(function (c) {
        var list = byId("summary");
        list.replaceChildren();
        summaryList(list, c.summary);
        summaryItem(list, "Gevraagd op", dateTime(c.created_at));
        summaryItem(list, "Moment", c.moment);
        summaryItem(list, "Voorrang", c.priority === "crisis" ? "URGENT: mogelijk crisis" : "normaal");
        var kind = c.contact_kind === "phone" ? "telefoon" : "e-mail";
        summaryItem(list, "Contact", c.contact !== undefined ? c.contact : (c.status === "taken" ? kind + " (alleen zichtbaar voor " + c.taken_by_name + ")" : (c.status === "open" ? kind + " (zichtbaar na Behandelen)" : "verwijderd")));
        byId("status").textContent = "Status: " + c.status_label + (c.taken_by_name ? " door " + c.taken_by_name : "") + (c.outcome_label ? " – " + c.outcome_label : "");
        var actions = byId("callback-actions");
        actions.replaceChildren();
        if (c.status === "open") {
          actions.appendChild(button("Behandelen", function () {
            request("POST", "/callbacks/" + encodeURIComponent(c.id) + "/take").then(load).catch(function (e) { showError(e.message); });
          }));
        } else if (c.mine) {
          var label = el("label", "Uitkomst");
          var select = el("select");
          select.id = "callback-outcome";
          label.htmlFor = select.id;
          ((me && me.outcomes) || []).forEach(function (o) { var opt = el("option", o.label); opt.value = o.code; select.appendChild(opt); });
          actions.appendChild(label); actions.appendChild(select);
          actions.appendChild(button("Afronden", function () {
            request("POST", "/callbacks/" + encodeURIComponent(c.id) + "/close", { outcome: select.value }).then(load).catch(function (e) { showError(e.message); });
          }));
        }
        renderLines(c.lines || []);
        if (c.transcript_error) showError(c.transcript_error, "rasa");
      }).catch(function (e) { showError(e.message); });
    }
    common("callback").then(load, load);
  }

  /* ---- history ---- */

  function historyPage() {
    var form = byId("history-form");
    function search(event) {
      if (event) event.preventDefault();
      var params = new URLSearchParams();
      ["from", "to", "team", "outcome", "place", "q"].forEach(function (name) {
        var value = form.elements[name].value.trim();
        if (value) params.set(name, value);
      });
      request("GET", "/history?" + params.toString()).then(function (data) {
        showError("");
        byId("history-count").textContent = data.results.length === 1 ? "1 gevonden." : data.results.length + " gevonden.";
        fillTable("history", data.results.map(function (item) {
          var href = item.kind === "ticket" ? "/medewerkers/gesprek/" + encodeURIComponent(item.id) : "/medewerkers/terugbellen/" + encodeURIComponent(item.id);
          return row([
            dateTime(item.started_at),
            item.kind === "ticket" ? "Chat" : "Terugbelverzoek",
            need(item.summary),
            place(item.summary),
            item.team || "",
            item.taken_by_name || "",
            item.outcome_label || item.status_label,
            item.excerpt || "",
            link(href, "Openen"),
          ]);
        }));
      }).catch(function (e) { showError(e.message); });
    }
    form.addEventListener("submit", search);
    common("history");
    search();
  }

  /* ---- satisfaction ---- */

  function csatPage() {
    common("csat");
    request("GET", "/csat").then(function (data) {
      fillTable("csat", data.report.map(function (r) {
        return row([r.week, r.team || "algemeen", r.answers, String(r.average).replace(".", ","), r.counts["1"], r.counts["2"], r.counts["3"], r.counts["4"], r.counts["5"]]);
      }));
    }).catch(function (e) { showError(e.message); });
  }

  /* ---- admin (team leads) ---- */

  function adminPage() {
    var teams = [];
    var municipalities = [];  // the lead's own: she assigns only these
    function loadCanned() {
      request("GET", "/canned").then(function (data) {
        fillTable("canned-list", data.canned.map(function (c) {
          var actions = el("div", null, "row-actions");
          actions.appendChild(button("Wijzigen", function () {
            byId("canned-id").value = String(c.id);
            byId("canned-title").value = c.title;
            byId("canned-team").value = c.team || "";
            byId("canned-text").value = c.text;
            byId("canned-title").focus();
          }, "secondary"));
          actions.appendChild(button("Verwijderen", function () {
            request("POST", "/canned/" + encodeURIComponent(c.id) + "/delete").then(loadCanned).catch(function (e) { showError(e.message); });
          }, "secondary"));
          return row([c.title, c.team || "alle teams", c.text, actions]);
        }));
      }).catch(function (e) { showError(e.message); });
    }
    byId("canned-form").addEventListener("submit", function (event) {
      event.preventDefault();
      request("POST", "/canned", {
        id: byId("canned-id").value || null,
        title: byId("canned-title").value,
        team: byId("canned-team").value,
        text: byId("canned-text").value,
      }).then(function () {
        showError("");
        event.target.reset();
        byId("canned-id").value = "";
        loadCanned();
      }).catch(function (e) { showError(e.message); });
    });

    function renderAccounts(data) {
      fillTable("accounts", data.accounts.map(function (a) {
        var teamBox = el("div", null, "row-actions");
        var boxes = teams.map(function (team) {
          var label = el("label", null, "inline");
          var box = el("input");
          box.type = "checkbox";
          box.value = team;
          box.checked = a.teams.indexOf(team) >= 0;
          label.appendChild(box);
          label.appendChild(document.createTextNode(" " + team));
          teamBox.appendChild(label);
          return box;
        });
        teamBox.appendChild(button("Teams opslaan", function () {
          var chosen = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
          request("POST", "/accounts/" + encodeURIComponent(a.username), { teams: chosen }).then(renderAccounts).catch(function (e) { showError(e.message); });
        }, "secondary"));
        // Which municipalities' conversations this employee sees (socialmap.tenants).
        var muniBoxes = municipalities.map(function (name) {
          var label = el("label", null, "inline");
          var box = el("input");
          box.type = "checkbox";
          box.value = name;
          box.checked = (a.municipalities || []).indexOf(name) >= 0;
          label.appendChild(box);
          label.appendChild(document.createTextNode(" " + name));
          teamBox.appendChild(label);
          return box;
        });
        if (muniBoxes.length > 1) {
          teamBox.appendChild(button("Gemeenten opslaan", function () {
            var chosen = muniBoxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
            request("POST", "/accounts/" + encodeURIComponent(a.username), { municipalities: chosen }).then(renderAccounts).catch(function (e) { showError(e.message); });
          }, "secondary"));
        } else {
          muniBoxes.forEach(function (b) { b.disabled = true; });
        }
        var actions = el("div", null, "row-actions");
        if (me && a.username !== me.username) {
          actions.appendChild(button(a.disabled ? "Weer toelaten" : "Uitschakelen", function () {
            request("POST", "/accounts/" + encodeURIComponent(a.username), { disabled: !a.disabled }).then(renderAccounts).catch(function (e) { showError(e.message); });
          }, "secondary"));
        }
        return row([a.username, a.name, a.role_label || a.role, teamBox, a.disabled ? "uitgeschakeld" : a.status_label, actions]);
      }));
    }
    function loadAccounts() { request("GET", "/accounts").then(renderAccounts).catch(function (e) { showError(e.message); }); }
    byId("account-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = Array.prototype.filter.call(document.querySelectorAll('input[name="acc-team"]'), function (b) { return b.checked; }).map(function (b) { return b.value; });
      request("POST", "/accounts", {
        username: byId("acc-username").value,
        name: byId("acc-name").value,
        password: byId("acc-password").value,
        role: byId("acc-role").value,
        teams: chosen,
      }).then(function (data) { showError(""); event.target.reset(); renderAccounts(data); }).catch(function (e) { showError(e.message); });
    });
    common("admin").then(function (data) { teams = data.teams; municipalities = data.municipalities || []; loadAccounts(); });
    loadCanned();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.body.getAttribute("data-page");
    if (page === "queue") queuePage();
    else if (page === "conversation") conversationPage();
    else if (page === "callback") callbackPage();
    else if (page === "history") historyPage();
    else if (page === "csat") csatPage();
    else if (page === "admin") adminPage();
    else if (csrf) common(page);
  });
})();
