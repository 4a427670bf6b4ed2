/*
 * servicepoints-search.js — search that costs nothing until it is used, and hears every way of typing.
 * Loaded at the end of the body, just before the theme's bundle (main.html), and independent of the search engine behind it:
 *  - the search index is requested only when the reader first focuses the search box (or opens search from
 *    an address with ?q=): until then a request for search/search_index.json (fetch or XMLHttpRequest)
 *    waits. The engine keeps its own request; this only holds it back.
 *  - text that arrives without a key (paste, IME commit, voice input, a handwriting keyboard) raises an
 *    `input` event but no `keyup`; each `input` is passed on as a `keyup`, which is what mkdocs-material
 *    9.8 listens for (an IME's text once its composition ends, not the pinyin while it composes).
 *  - the worker (ours, site/search.py's split index) answers with the most relevant results and the count of all:
 *    the theme's count line says both.
 * Words people use for each need (data/needs.csv, column words) are in the index itself (render.need_entries).
 */
(function () {
  "use strict";
  var INDEX = /\/search\/search_index\.json(\?|$)/;
  var BOX = "input[data-md-component=search-query], form[name=search] input[type=text]";
  var opened = false, waiting = [];

  function open() {
    if (opened) return;
    opened = true;
    document.documentElement.setAttribute("data-sp-search-index", "requested");
    waiting.splice(0).forEach(function (go) { go(); });
  }

  var realFetch = window.fetch && window.fetch.bind(window);
  if (realFetch) {
    window.fetch = function (resource, init) {
      var url = typeof resource === "string" ? resource : resource && resource.url;
      if (opened || !url || !INDEX.test(url)) return realFetch(resource, init);
      return new Promise(function (resolve, reject) {
        waiting.push(function () { realFetch(resource, init).then(resolve, reject); });
      });
    };
  }

  // mkdocs-material 9.8 requests the index with XMLHttpRequest: its send() waits the same way.
  var XHR = window.XMLHttpRequest && window.XMLHttpRequest.prototype;
  if (XHR) {
    var realOpen = XHR.open, realSend = XHR.send;
    XHR.open = function (method, url) {
      this.spHeld = !opened && INDEX.test(String(url));
      return realOpen.apply(this, arguments);
    };
    XHR.send = function () {
      var xhr = this, args = arguments;
      if (!xhr.spHeld || opened) return realSend.apply(xhr, args);
      waiting.push(function () { realSend.apply(xhr, args); });
    };
  }

  document.addEventListener("focusin", function (e) {
    if (e.target && e.target.matches && e.target.matches(BOX)) open();
  }, true);
  function inBox(e) { return e.target && e.target.matches && e.target.matches(BOX); }
  // While an IME composes (pinyin shown, nothing chosen yet) the box's text is not the reader's query: it is
  // passed on once the composition ends, with the characters chosen.
  document.addEventListener("input", function (e) {
    if (!inBox(e)) return;
    open();
    if (!e.isComposing) e.target.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
  }, true);
  document.addEventListener("compositionend", function (e) {
    if (inBox(e)) e.target.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
  }, true);
  // Our worker answers with the first SHOWN results and the count of all (`total`); the theme counts what it got.
  // Say both: the count it writes ("20 个符合条件的结果") is rewritten when more matched.
  var RealWorker = window.Worker, total = null;
  if (RealWorker) {
    window.Worker = function (url, options) {
      var worker = new RealWorker(url, options);
      worker.addEventListener("message", function (e) {
        var data = e.data && e.data.type === 3 && e.data.data;
        if (data) total = data.total > data.items.length ? [data.total, data.items.length] : null;
      });
      return worker;
    };
    window.Worker.prototype = RealWorker.prototype;
  }
  function count() {
    var meta = document.querySelector(".md-search-result__meta");
    if (!meta) return;
    new MutationObserver(function () {
      if (total && /^\d+ 个符合条件的结果$/.test(meta.textContent)) {
        meta.textContent = total[0] + " 个符合条件的结果，这里列出最相关的 " + total[1] + " 个";
      }
    }).observe(meta, { childList: true, characterData: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", count);
  else count();
  if (/[?&]q=/.test(window.location.search)) open();  // a search link: the box fills itself and opens
  window.ServicepointsSearch = { open: open, opened: function () { return opened; } };
})();
