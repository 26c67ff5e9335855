/* incidentlog site: filters, search and history tools. Plain JavaScript, no libraries.
   Pages read fine without it; it only hides rows, fills tables and compares versions.
   Text is always set with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var FIELDS = ["q", "severity", "status", "service", "team"];

  function wanted(form) {
    var w = {};
    FIELDS.forEach(function (name) {
      var el = form.elements[name];
      w[name] = el ? el.value.trim() : "";
    });
    w.words = w.q.toLowerCase().split(/\s+/).filter(Boolean);
    return w;
  }

  function matches(w, r) {
    if (w.severity && r.severity !== w.severity) return false;
    if (w.status && r.status !== w.status) return false;
    if (w.team && r.team !== w.team) return false;
    if (w.service && r.services.indexOf(w.service) < 0) return false;
    return w.words.every(function (word) { return r.text.indexOf(word) >= 0; });
  }

  function prefill(form) {
    var params = new URLSearchParams(window.location.search);
    FIELDS.forEach(function (name) {
      var el = form.elements[name];
      var value = params.get(name);
      if (!el || value === null) return;
      if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) {
        return o.value === value;
      })) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value;
        el.appendChild(option);
      }
      el.value = value;
    });
  }

  function remember(form) {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var el = form.elements[name];
      if (el && el.value) params.set(name, el.value);
    });
    var query = params.toString();
    try {
      window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
    } catch (e) { /* some browsers refuse on file:// pages; the filter still works */ }
  }

  function cell(tr, text, href) {
    var td = document.createElement("td");
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    tr.appendChild(td);
    return td;
  }

  function badge(td, kind, value) {
    var span = document.createElement("span");
    span.className = "badge " + kind + "-" + value.toLowerCase().replace(/ /g, "-");
    span.textContent = value;
    td.appendChild(span);
  }

  function listing(form) {
    var table = document.querySelector("table.incidents");
    var rows = Array.prototype.map.call(table.tBodies[0].rows, function (tr) {
      return {
        tr: tr, severity: tr.dataset.severity, status: tr.dataset.status,
        team: tr.dataset.team, services: JSON.parse(tr.dataset.services || "[]"),
        text: tr.dataset.text
      };
    });
    var count = form.querySelector("output.count");
    var empty = document.querySelector("p.empty");
    function apply() {
      var w = wanted(form);
      var shown = 0;
      rows.forEach(function (r) {
        var ok = matches(w, r);
        r.tr.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown + " of " + rows.length + " shown";
      if (empty) empty.hidden = shown > 0;
      document.body.dataset.shown = String(shown);
    }
    form.addEventListener("input", function () { apply(); remember(form); });
    prefill(form);
    apply();
  }

  function search(form) {
    var data = window.incidentlogIndex || [];
    var table = document.getElementById("results");
    var body = table.tBodies[0];
    var more = document.getElementById("more");
    var count = form.querySelector("output.count");
    var LIMIT = 500;
    var withTeam = table.dataset.team === "yes";
    var rows = data.map(function (d) {
      return {
        d: d, severity: d[3], status: d[4], services: d[6], team: d[7],
        text: [d[0], d[8], d[3], d[4], d[6].join(" "), d[7]].join(" ").toLowerCase()
      };
    });
    function apply() {
      var w = wanted(form);
      var found = rows.filter(function (r) { return matches(w, r); });
      body.textContent = "";
      found.slice(0, LIMIT).forEach(function (r) {
        var d = r.d;
        var tr = document.createElement("tr");
        cell(tr, d[0], d[1]);
        cell(tr, d[8]);
        cell(tr, d[2]).className = "num";
        badge(cell(tr, ""), "sev", d[3] || "unrated");
        badge(cell(tr, ""), "status", d[4]);
        cell(tr, d[5]).className = "num";
        cell(tr, d[6].join(", "));
        if (withTeam) cell(tr, d[7]);
        body.appendChild(tr);
      });
      table.hidden = false;
      count.textContent = found.length + " of " + rows.length + " match";
      more.hidden = found.length <= LIMIT;
      more.textContent = "Showing the newest " + LIMIT + "; add words or filters to narrow.";
      document.body.dataset.shown = String(Math.min(found.length, LIMIT));
    }
    form.addEventListener("input", function () { apply(); remember(form); });
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); remember(form); });
    prefill(form);
    apply();
  }

  function json(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function shown(value) {
    if (value === undefined || value === null) return "—";
    if (typeof value === "string") return value;
    if (Array.isArray(value)) return value.map(shown).join("; ");
    if (typeof value === "object") {
      return Object.keys(value).filter(function (k) {
        return value[k] !== null && value[k] !== "";
      }).map(function (k) { return k + ": " + shown(value[k]); }).join(" · ");
    }
    return String(value);
  }

  function history() {
    var versions = json("versions-data");
    var recorded = json("recorded-data");
    var changes = json("changes-data");
    /* The value of every path at version v: the last change to it at or before v. */
    function at(v) {
      var state = {};
      changes.forEach(function (c) {
        if (c[0] > v) return;
        if (c[2] === "removed") delete state[c[1]];
        else state[c[1]] = c[4];
      });
      return state;
    }
    function fill(select, selected) {
      versions.forEach(function (v, i) {
        var option = document.createElement("option");
        option.value = String(v);
        option.textContent = v + " (recorded " + recorded[i].replace("T", " ") + ")";
        select.appendChild(option);
      });
      select.value = String(selected);
    }
    var compare = document.querySelector("form.compare");
    var asof = document.querySelector("form.asof");
    var last = versions[versions.length - 1];
    var none = document.createElement("option");
    none.value = "0";
    none.textContent = "0 (nothing yet)";
    compare.elements.a.appendChild(none);
    fill(compare.elements.a, Math.max(1, last - 1));
    fill(compare.elements.b, last);
    fill(asof.elements.v, last);
    function row(body, cells) {
      var tr = document.createElement("tr");
      cells.forEach(function (text) { cell(tr, text); });
      body.appendChild(tr);
    }
    function showCompare() {
      var a = at(Number(compare.elements.a.value));
      var b = at(Number(compare.elements.b.value));
      var body = document.querySelector("#compare-result tbody");
      body.textContent = "";
      var paths = Object.keys(Object.assign({}, a, b)).sort();
      var n = 0;
      paths.forEach(function (p) {
        if (JSON.stringify(a[p]) === JSON.stringify(b[p])) return;
        n += 1;
        row(body, [p, shown(a[p]), shown(b[p])]);
      });
      document.getElementById("compare-count").textContent = n + " field(s) differ";
    }
    function showAsOf() {
      var v = Number(asof.elements.v.value);
      var state = at(v);
      var body = document.querySelector("#asof-result tbody");
      body.textContent = "";
      Object.keys(state).sort().forEach(function (p) {
        if (state[p] === null || (Array.isArray(state[p]) && !state[p].length)) return;
        row(body, [p, shown(state[p])]);
      });
      document.getElementById("asof-when").textContent = v ?
        "version " + v + ", recorded " + recorded[versions.indexOf(v)].replace("T", " ") +
        " UTC" : "nothing was recorded yet";
    }
    /* "What did we know at 14:30?": the last version recorded at or before that time. */
    function showAt() {
      var when = asof.elements.at.value;
      if (!when) return;
      when = (when + ":00").slice(0, 19);
      var v = 0;
      versions.forEach(function (version, i) {
        if (recorded[i] && recorded[i] <= when) v = version;
      });
      if (!v) {
        var none = document.createElement("option");
        none.value = "0";
        none.textContent = "0 (nothing yet)";
        if (!asof.elements.v.querySelector('option[value="0"]')) {
          asof.elements.v.insertBefore(none, asof.elements.v.firstChild);
        }
      }
      asof.elements.v.value = String(v);
      showAsOf();
    }
    compare.addEventListener("change", showCompare);
    Array.prototype.forEach.call(document.querySelectorAll("a.changes-link"), function (a) {
      a.hidden = false;
      a.addEventListener("click", function () {
        var v = Number(a.dataset.version);
        compare.elements.a.value = String(Math.max(0, v - 1));
        compare.elements.b.value = String(v);
        showCompare();
      });
    });
    asof.elements.v.addEventListener("change", showAsOf);
    asof.elements.at.addEventListener("change", showAt);
    var params = new URLSearchParams(window.location.search);
    if (params.get("at")) asof.elements.at.value = params.get("at");
    document.getElementById("tools").hidden = false;
    document.getElementById("asof").hidden = false;
    showCompare();
    showAsOf();
    showAt();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.filters");
    if (form && document.getElementById("results")) search(form);
    else if (form && document.querySelector("table.incidents")) listing(form);
    if (document.getElementById("changes-data")) history();
  });
})();
