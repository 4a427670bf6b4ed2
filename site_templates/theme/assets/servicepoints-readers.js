/* servicepoints: reading aids on every page.
 * - 长者模式: large text and high contrast, switched by the header button, remembered in localStorage
 *   (the <head> applies it before the first paint, so pages do not flash).
 * - Wide tables: on a phone each row is stacked as label/value pairs (labels from the header row);
 *   anything still wider than the screen becomes a focusable, named region with a scroll hint.
 * - The map's filters (folded on a phone, see map.md.j2): the folded box's summary names what they select.
 */
(function () {
  "use strict";
  var KEY = "servicepoints-large-text";
  var root = document.documentElement;

  function stored() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }

  function apply(on) {
    root.classList.toggle("sp-large", on);
    document.querySelectorAll("[data-sp-mode-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "退出长者模式" : "长者模式";  // says what a press does now
    });
  }

  function toggle() {
    var on = !root.classList.contains("sp-large");
    try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
    apply(on);
    fitTables();
    markScrollers();
  }

  var PHONE = window.matchMedia("(max-width: 44.9375em)");

  // Label every cell with its column's heading once; stack a table only when, on a phone,
  // it would not fit the screen (a short table of numbers reads better as a table).
  function fitTables() {
    document.querySelectorAll(".md-typeset table").forEach(function (table) {
      if (table.closest(".sp-nostack, .sp-matrix, .md-search-result")) return;
      if (!table.dataset.spLabelled) {
        var heads = table.querySelectorAll("thead th");
        if (heads.length < 2) return;
        var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
        table.querySelectorAll("tbody tr, tfoot tr").forEach(function (row) {
          Array.prototype.forEach.call(row.children, function (cell, i) {
            if (names[i] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[i]);
          });
        });
        table.dataset.spLabelled = "1";
      }
      // an attribute, not a class: the theme styles only table:not([class])
      table.removeAttribute("data-sp-stack");
      var box = table.closest(".md-typeset__scrollwrap, .sp-table-wrap") || table.parentElement;
      if (PHONE.matches && table.scrollWidth > box.clientWidth + 1) table.setAttribute("data-sp-stack", "");
    });
  }

  var named = 0;
  var SCROLLERS = ".md-typeset__scrollwrap, .sp-table-wrap, .md-typeset pre > code";

  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      var ours = box.dataset.spScroll === "1";
      // The theme makes a code block focusable itself once it overflows (sometimes before this runs): such a
      // box still needs its name. Whatever was there before is left as it was when the box fits again.
      if (wide && !ours && !(box.hasAttribute("tabindex") && box.hasAttribute("aria-label"))) {
        box.dataset.spScroll = "1";
        if (!box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
          box.dataset.spFocus = "1";
        }
        if (!box.hasAttribute("aria-label")) {
          box.dataset.spName = "1";
          box.setAttribute("role", "region");
          // numbered: two regions with one name cannot be told apart (axe landmark-unique)
          named += 1;
          box.setAttribute("aria-label", (box.matches("code") ? "代码 " : "表格 ") + named + "（可左右滑动）");
        }
        if (!box.matches("code")) {
          var hint = document.createElement("p");
          hint.className = "sp-scroll-hint";
          hint.setAttribute("aria-hidden", "true");
          hint.textContent = "表格较宽，可左右滑动查看 →";
          box.parentNode.insertBefore(hint, box);
        }
      } else if (!wide && ours) {
        if (box.dataset.spFocus) box.removeAttribute("tabindex");
        if (box.dataset.spName) {
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
        delete box.dataset.spScroll;
        delete box.dataset.spFocus;
        delete box.dataset.spName;
        var prev = box.previousElementSibling;
        if (prev && prev.classList.contains("sp-scroll-hint")) prev.remove();
      }
    });
  }

  // The map page's filter box says what its filters select, so a folded box hides nothing: it follows
  // the reader's changes and a deep link's (the map rewrites #map-count whenever it applies the filters).
  function summariseMapFilters() {
    var form = document.getElementById("map-filters"), out = document.getElementById("map-filter-summary");
    if (!form || !out) return;
    function chosen(select) {
      var option = select.options[select.selectedIndex];
      return option ? option.getAttribute("data-name") || option.textContent.trim() : "";
    }
    function update() {
      var on = [], off = [];
      form.querySelectorAll('input[name="status"]').forEach(function (box) {
        (box.checked ? on : off).push(box.parentNode.textContent.trim());
      });
      var statuses = !off.length ? "全部状态" : !on.length ? "未选状态" :
        off.length <= on.length ? "不含" + off.join("、") : "仅" + on.join("、");
      out.textContent = [chosen(form.elements.type), chosen(form.elements.service), statuses].join(" · ");
    }
    form.addEventListener("change", update);
    var count = document.getElementById("map-count");
    if (count && window.MutationObserver) new MutationObserver(update).observe(count, { childList: true, characterData: true, subtree: true });
    update();
  }

  function ready() {
    apply(stored());
    summariseMapFilters();
    document.querySelectorAll("[data-sp-mode-toggle]").forEach(function (button) {
      button.addEventListener("click", toggle);
    });
    fitTables();
    markScrollers();
  }

  var timer;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { fitTables(); markScrollers(); }, 150);
  });
  // The theme wraps tables in its own scroll boxes once its bundle has run: look again after load.
  window.addEventListener("load", function () { fitTables(); markScrollers(); });
  window.addEventListener("storage", function (event) { if (event.key === KEY) apply(stored()); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
