/* Staff console of the sociale kaart helpdesk.
 * Every text from the server is put in the page with textContent, never innerHTML:
 * a resident who types <script> sees it shown as text here.
 */
(function () {
  "use strict";

  var API = "/medewerkers/api";
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function showError(message) {
    var box = document.getElementById("error");
    if (box) box.textContent = message || "";
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
    document.getElementById(id + "-empty").hidden = rows.length > 0;
    document.getElementById(id).hidden = rows.length === 0;
  }

  function link(href, text) { var a = el("a", text); a.href = href; return a; }

  /* ---- the queue page ---- */

  function queuePage() {
    var outcomes = [];
    request("GET", "/me").then(function (me) { outcomes = me.outcomes; }).catch(function () {});

    function callbackActions(item) {
      var box = el("div", null, "row-actions");
      if (item.status === "open") {
        var take = el("button", "Behandelen");
        take.type = "button";
        take.addEventListener("click", function () {
          request("POST", "/callbacks/" + encodeURIComponent(item.id) + "/take").then(refresh).catch(function (e) { showError(e.message); });
        });
        box.appendChild(take);
      } else if (item.contact !== undefined) {
        var label = el("label", "Uitkomst");
        var select = el("select");
        select.id = "outcome-" + item.id;
        label.htmlFor = select.id;
        outcomes.forEach(function (o) { var opt = el("option", o.label); opt.value = o.code; select.appendChild(opt); });
        var done = el("button", "Afronden");
        done.type = "button";
        done.addEventListener("click", function () {
          request("POST", "/callbacks/" + encodeURIComponent(item.id) + "/close", { outcome: select.value }).then(refresh).catch(function (e) { showError(e.message); });
        });
        box.appendChild(label); box.appendChild(select); box.appendChild(done);
      }
      return box;
    }

    function refresh() {
      return request("GET", "/queue").then(function (data) {
        showError("");
        fillTable("waiting", data.waiting.map(function (t) {
          var tr = row([
            t.position,
            minutes(t.waiting_minutes),
            t.priority === "crisis" ? "CRISIS" : "normaal",
            need(t.summary),
            place(t.summary),
            t.summary.reason_label,
            t.assigned_to || t.team || "iedereen",
            link("/medewerkers/gesprek/" + encodeURIComponent(t.id), "Openen"),
          ]);
          if (t.priority === "crisis") tr.className = "crisis";
          return tr;
        }));
        fillTable("taken", data.taken.map(function (t) {
          return row([t.taken_by_name, need(t.summary), place(t.summary), link("/medewerkers/gesprek/" + encodeURIComponent(t.id), "Bekijken")]);
        }));
        fillTable("callbacks", data.callbacks.map(function (c) {
          var contact = c.contact !== undefined ? c.contact : (c.contact_kind === "phone" ? "telefoon (zichtbaar na Behandelen)" : "e-mail (zichtbaar na Behandelen)");
          var status = c.status_label + (c.taken_by_name ? " door " + c.taken_by_name : "");
          var tr = row([status, dateTime(c.created_at), c.moment, need(c.summary), place(c.summary), contact, callbackActions(c)]);
          if (c.priority === "crisis") tr.className = "crisis";
          return tr;
        }));
      }).catch(function (e) { showError(e.message); });
    }

    refresh();
    window.setInterval(refresh, 2000);
  }

  /* ---- one conversation ---- */

  function conversationPage() {
    var ticketId = document.querySelector('meta[name="ticket-id"]').getAttribute("content");
    var base = "/tickets/" + encodeURIComponent(ticketId);
    var shown = 0;
    var ticket = null;
    var me = null;
    var lastSearch = "";

    function summaryItem(list, term, value) {
      if (value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) return;
      list.appendChild(el("dt", term));
      list.appendChild(el("dd", Array.isArray(value) ? value.join(", ") : value));
    }

    function renderTicket(t) {
      ticket = t;
      var s = t.summary;
      var list = document.getElementById("summary");
      list.replaceChildren();
      summaryItem(list, "Vraag", need(s));
      summaryItem(list, "Voor wie", s.audience_label || s.audience);
      summaryItem(list, "Leeftijd", s.age);
      summaryItem(list, "Plaats", [s.location, s.municipality && s.municipality !== s.location ? "gemeente " + s.municipality : null].filter(Boolean).join(", "));
      summaryItem(list, "Al getoond", s.shown_services);
      summaryItem(list, "Waarom een medewerker", s.reason_label);
      summaryItem(list, "Wacht sinds", clockTime(t.requested_at) + " (" + minutes(t.waiting_minutes) + ")");
      summaryItem(list, "Voorrang", t.priority === "crisis" ? "CRISIS: eerst helpen" : "normaal");
      summaryItem(list, "Team", t.team);

      var notes = document.getElementById("notes");
      notes.replaceChildren();
      if (t.notes.length) {
        notes.appendChild(el("h2", "Notities van collega's"));
        var ul = el("ul");
        t.notes.forEach(function (n) {
          ul.appendChild(el("li", dateTime(n.at) + " – " + n.by_name + (n.team ? " → " + n.team : "") + (n.to ? " → collega " + n.to : "") + ": " + n.text));
        });
        notes.appendChild(ul);
      }

      var status = t.status_label;
      if (t.status === "taken") status += " met " + (t.mine ? "u" : t.taken_by_name);
      if (t.outcome_label) status += " – " + t.outcome_label;
      document.getElementById("status").textContent = "Status: " + status;
      document.getElementById("take").hidden = t.status !== "waiting";
      document.getElementById("handback").hidden = !t.mine;
      document.getElementById("message-form").hidden = !t.mine;
      document.getElementById("tools").hidden = !t.mine;
    }

    function renderCard(card) {
      var box = el("div", null, "card");
      box.appendChild(el("strong", card.name));
      ["what", "where", "when", "cost", "contact"].forEach(function (key) {
        if (card[key] && card[key] !== "-") box.appendChild(el("div", card[key]));
      });
      return box;
    }

    function renderLines(lines) {
      var log = document.getElementById("transcript");
      if (lines.length < shown) { log.replaceChildren(); shown = 0; }
      lines.slice(shown).forEach(function (line) {
        var who = line.from === "resident" ? "Inwoner" : line.from === "staff" ? (line.staff_name || "Medewerker") + " (medewerker)" : line.from === "system" ? "Systeem" : "Assistent";
        var li = el("li", null, "line from-" + line.from);
        var head = el("div", null, "meta");
        head.appendChild(el("span", who, "who"));
        head.appendChild(el("time", clockTime(line.at)));
        li.appendChild(head);
        if (line.card) li.appendChild(renderCard(line.card)); else li.appendChild(el("p", line.text));
        if (line.buttons && line.buttons.length) li.appendChild(el("p", "Knoppen: " + line.buttons.join(" | "), "buttons"));
        log.appendChild(li);
      });
      if (lines.length > shown) log.scrollTop = log.scrollHeight;
      shown = lines.length;
    }

    function loadTicket() {
      return request("GET", base).then(renderTicket).catch(function (e) { showError(e.message); });
    }

    var polling = false;
    function pollTranscript() {
      if (polling) return;
      polling = true;
      request("GET", base + "/transcript").then(function (data) {
        renderLines(data.lines);
        var box = document.getElementById("error");
        if (box.dataset.source === "rasa") { box.textContent = ""; box.dataset.source = ""; }
      }).catch(function (e) {
        showError(e.message);
        document.getElementById("error").dataset.source = "rasa";
      }).then(function () { polling = false; });
    }

    function act(path, body) {
      showError("");
      return request("POST", base + path, body).then(function (t) {
        if (t && t.id) renderTicket(Object.assign({ mine: t.status === "taken" && me && t.taken_by === me.username }, t));
        pollTranscript();
        return t;
      }).catch(function (e) { showError(e.message); throw e; });
    }

    document.getElementById("take").addEventListener("click", function () { act("/take").catch(function () {}); });
    document.getElementById("handback").addEventListener("click", function () { act("/handback").catch(function () {}); });

    document.getElementById("message-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var field = document.getElementById("message");
      var text = field.value.trim();
      if (!text) return;
      act("/messages", { text: text }).then(function () { field.value = ""; field.focus(); }).catch(function () {});
    });

    document.getElementById("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      lastSearch = document.getElementById("search-q").value.trim();
      var list = document.getElementById("search-results");
      list.replaceChildren(el("li", "Bezig met zoeken…"));
      request("GET", base + "/search?q=" + encodeURIComponent(lastSearch)).then(function (data) {
        list.replaceChildren();
        if (!data.results.length) list.appendChild(el("li", "Niets gevonden. Probeer andere woorden."));
        data.results.forEach(function (card) {
          var li = el("li");
          li.appendChild(renderCard(card));
          var send = el("button", "Stuur naar inwoner");
          send.type = "button";
          send.addEventListener("click", function () {
            act("/cards", { service_id: card.service_id, q: lastSearch }).then(function () { send.textContent = "Verstuurd"; send.disabled = true; }).catch(function () {});
          });
          li.appendChild(send);
          list.appendChild(li);
        });
      }).catch(function (e) { list.replaceChildren(); showError(e.message); });
    });

    document.getElementById("transfer-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var value = document.getElementById("transfer-to").value;
      var body = { note: document.getElementById("transfer-note").value };
      if (value.indexOf("team:") === 0) body.team = value.slice(5); else body.to_staff = value.slice(6);
      act("/transfer", body).then(function () { window.location.href = "/medewerkers/wachtrij"; }).catch(function () {});
    });

    document.getElementById("close-form").addEventListener("submit", function (event) {
      event.preventDefault();
      act("/close", { outcome: document.getElementById("outcome").value }).catch(function () {});
    });

    request("GET", "/me").then(function (data) {
      me = data;
      var to = document.getElementById("transfer-to");
      data.teams.forEach(function (team) { var o = el("option", "Team: " + team); o.value = "team:" + team; to.appendChild(o); });
      data.colleagues.forEach(function (c) { var o = el("option", "Collega: " + c.name); o.value = "staff:" + c.username; to.appendChild(o); });
      var outcome = document.getElementById("outcome");
      data.outcomes.forEach(function (o) { var opt = el("option", o.label); opt.value = o.code; outcome.appendChild(opt); });
    }).catch(function (e) { showError(e.message); });

    loadTicket();
    pollTranscript();
    window.setInterval(pollTranscript, 500);
    window.setInterval(loadTicket, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.body.getAttribute("data-page");
    if (page === "queue") queuePage();
    if (page === "conversation") conversationPage();
  });
})();
