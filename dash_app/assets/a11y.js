/* Accessibility the bundled components leave out (checked with axe-core in
   tests/test_browser.py): names for the DataTable's paging buttons and for unnamed check
   lists, a role for the date picker's opener, dropdowns reached by their own button, and a
   text alternative for every chart. Applied to what is on the page and to what Dash
   renders later. */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || navigator.language || "").toLowerCase()
    .indexOf("zh") === 0;
  var names = {
    "first-page": zh ? "第一页" : "First page",
    "previous-page": zh ? "上一页" : "Previous page",
    "next-page": zh ? "下一页" : "Next page",
    "last-page": zh ? "最后一页" : "Last page",
  };
  function mend(root) {
    Object.keys(names).forEach(function (cls) {
      root.querySelectorAll("button." + cls + ":not([aria-label])").forEach(function (b) {
        b.setAttribute("aria-label", names[cls]);
        b.setAttribute("title", names[cls]);
      });
    });
    // The date picker's opener: a div with aria-expanded and an input inside. A combobox
    // may hold its input (a button may not: nested-interactive).
    root.querySelectorAll("div[aria-haspopup][aria-expanded]:not([role])").forEach(function (d) {
      d.setAttribute("role", "combobox");
    });
    // Dash's dropdowns take the tab on a hidden input that hands focus to the (untabbable)
    // button: the button takes the tab itself, the hidden input none.
    root.querySelectorAll("input.dash-dropdown-focus-target[tabindex='0']").forEach(function (i) {
      var button = i.parentElement && i.parentElement.querySelector("button.dash-dropdown");
      if (!button) return;
      i.setAttribute("tabindex", "-1");
      button.setAttribute("tabindex", "0");
    });
    // Dash's check lists are listboxes of options holding native checkboxes (an option
    // may not hold a control): a group of checkboxes, as they are.
    root.querySelectorAll(".dash-checklist[role=listbox]").forEach(function (box) {
      box.setAttribute("role", "group");
      box.querySelectorAll("[role=option]").forEach(function (o) {
        o.removeAttribute("role");
        o.removeAttribute("aria-selected");
      });
    });
    // Check lists and option lists without a name: named by their options' words.
    root.querySelectorAll(
      ".dash-checklist:not([aria-label]):not([aria-labelledby]), " +
      "[role=listbox]:not([aria-label]):not([aria-labelledby])"
    ).forEach(function (box) {
      var words = Array.prototype.map.call(box.querySelectorAll("label, [role=option]"),
        function (o) { return o.textContent.trim(); }).filter(Boolean);
      if (words.length) box.setAttribute("aria-label", words.join(" / "));
    });
    // The map's lines (routes, legs, fences) would take the tab one by one before the
    // nodes; they are read on the route pages: the tab goes to the nodes (Enter opens one).
    root.querySelectorAll(".leaflet-overlay-pane path:not([tabindex='-1'])").forEach(function (p) {
      p.setAttribute("tabindex", "-1");
    });
    // A chart is described when first seen; its plotly_afterplot hook follows its updates.
    root.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (!gd._cwDescribed) { describeChart(gd); }
    });
  }

  // A text alternative for every chart: its title and, per series, how many points, the
  // first and last, the lowest and the highest (read from the drawn figure, so it follows
  // every update). The chart is a figure named by that text.
  var words = zh
    ? { points: "个点", from: "从", to: "至", min: "最低", max: "最高", last: "最新", chart: "图表" }
    : { points: "points", from: "from", to: "to", min: "lowest", max: "highest", last: "latest",
        chart: "Chart" };
  function fmt(v) {
    if (typeof v === "number") {
      return Math.abs(v) >= 100 ? Math.round(v).toLocaleString() : String(Math.round(v * 100) / 100);
    }
    return String(v);
  }
  function summary(gd) {
    var layout = gd.layout || {}, title = layout.title;
    var parts = [(title && (title.text || title)) || words.chart];
    (gd.data || []).forEach(function (t, i) {
      var ys = t.orientation === "h" ? t.x : (t.y || t.z || t.values), xs = t.orientation === "h" ? t.y : (t.x || t.labels);
      if (!ys || !ys.length) return;
      var n = ys.length, lo = null, hi = null;
      for (var k = 0; k < n; k++) {
        var y = ys[k];
        if (typeof y !== "number" || !isFinite(y)) continue;
        if (lo === null || y < ys[lo]) lo = k;
        if (hi === null || y > ys[hi]) hi = k;
      }
      var name = t.name || (words.chart + " " + (i + 1));
      var text = name + ": " + n + " " + words.points;
      if (xs && xs.length) text += ", " + words.from + " " + fmt(xs[0]) + " " + words.to + " " + fmt(xs[n - 1]);
      if (lo !== null) {
        text += ", " + words.min + " " + fmt(ys[lo]) + (xs ? " (" + fmt(xs[lo]) + ")" : "") +
          ", " + words.max + " " + fmt(ys[hi]) + (xs ? " (" + fmt(xs[hi]) + ")" : "") +
          ", " + words.last + " " + fmt(ys[n - 1]);
      }
      parts.push(text);
    });
    return parts.join(". ");
  }
  function describeChart(gd) {
    if (!gd._cwDescribed && gd.on) {
      gd._cwDescribed = true;
      gd.on("plotly_afterplot", function () { describeChart(gd); });
    }
    gd.setAttribute("role", "figure");
    gd.setAttribute("aria-label", summary(gd));
  }
  var pending = false;
  function later() {  // at most twice a second: the map moves many nodes while it pans
    if (pending) return;
    pending = true;
    setTimeout(function () { pending = false; mend(document); }, 500);
  }
  function start() {
    mend(document);
    new MutationObserver(later).observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
