/*
 * servicepoints-finder.js — the need-finder page (我要办…): order the points offering a need nearest
 * first, from the reader's position (geolocation) or a chosen town's centre. Distances are great-circle
 * distances on WGS-84, as scripts/servicepoints/core/geo.py computes them; ties go by point id, as
 * `servicepoints nearest` does. Points without a location stay at the end in page order.
 * A chosen town also sets aside the points that say they serve other towns only (data-area, from the
 * record's area_served): they go after the others, marked. The chosen town is kept in the address (?town=)
 * and in localStorage, so the other need pages and the map start from it.
 * The open-now badges in each row come from servicepoints-hours.js.
 * A page that lists only its first points (data-points on the list: the build's `listed` setting) fetches
 * every point offering the need from that file (render.need_data: positions and what a card shows) when the
 * reader asks for an order, sorts them all and shows the nearest as many as the page lists: a card already
 * in the page is moved, the others are made from the file, with a link to the point page's directions.
 */
(function () {
  "use strict";
  var EARTH_RADIUS_KM = 6371.0088;

  function distanceKm(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180, p1 = lat1 * rad, p2 = lat2 * rad, dp = p2 - p1, dl = (lon2 - lon1) * rad;
    var h = Math.pow(Math.sin(dp / 2), 2) + Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function servesElsewhere(row, townName) {
    var area = row.getAttribute("data-area");
    if (!townName || !area) return false;
    var towns = area.split(";");
    return towns.indexOf("全市") < 0 && towns.indexOf(townName) < 0;
  }

  function orderFrom(lat, lon, label, townName) {
    var list = document.getElementById("find-results");
    if (!list) return Promise.resolve([]);
    var source = list.getAttribute("data-points");
    if (!source) return Promise.resolve(sortRows(list, rowsOf(list), lat, lon, label, townName, 0));
    var status = document.getElementById("find-status");
    if (status && !everyPoint) status.textContent = "正在读取全部网点的位置…";
    return loadAll(source).then(function (doc) {
      var keep = parseInt(list.getAttribute("data-listed"), 10) || 0;
      var inPage = {};
      rowsOf(list).forEach(function (row) { inPage[row.getAttribute("data-point-id")] = row; });
      var rows = doc.points.map(function (p) { return inPage[p.id] || cardOf(p, doc); });
      return sortRows(list, rows, lat, lon, label, townName, keep);
    }, function () {
      if (status) status.textContent = "没能读取全部网点的位置，下面按页面上列出的网点排序。";
      return sortRows(list, rowsOf(list), lat, lon, label, townName, 0);
    });
  }

  function rowsOf(list) { return Array.prototype.slice.call(list.querySelectorAll("li.sp-result")); }

  var everyPoint = null;  // the need's points.json, fetched once, on the first order asked for
  function loadAll(source) {
    if (!everyPoint) everyPoint = fetch(source).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (doc) {
      var c = {};
      doc.columns.forEach(function (name, i) { c[name] = i; });
      doc.points = doc.points.map(function (row) {
        return { id: row[c.id], name: row[c.name], type: doc.types[row[c.type]], town: row[c.town],
          lat: row[c.lat], lon: row[c.lon], area: row[c.area], inferred: row[c.inferred],
          estimated: row[c.estimated], phone: row[c.phone],
          hours: row[c.hours] < 0 ? "" : doc.hours[row[c.hours]], status: row[c.status] };
      });
      return doc;
    });
    everyPoint.catch(function () { everyPoint = null; });  // asked again, it tries again
    return everyPoint;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function areaText(area) {  // the wording of _macros.j2's area_text
    var towns = area ? area.split(";") : [];
    if (!towns.length) return "";
    return towns.indexOf("全市") >= 0 ? "全市都可以找" : "只服务" + towns.join("、");
  }

  function cardOf(p, doc) {  // a card like need.html.j2's, for a point the page does not list
    var row = el("li", "sp-result");
    row.setAttribute("data-point-id", p.id);
    if (p.area) row.setAttribute("data-area", p.area);
    if (p.lat !== null) { row.setAttribute("data-lat", p.lat); row.setAttribute("data-lon", p.lon); }
    var main = row.appendChild(el("div", "sp-result-main"));
    var name = main.appendChild(el("a", "sp-result-name", p.name));
    name.href = "../../points/" + encodeURIComponent(p.id) + "/";
    main.appendChild(document.createTextNode("\n"));
    var meta = main.appendChild(el("span", "sp-result-meta", p.type + " · " + (p.town || "镇街待补充")));
    meta.appendChild(el("span", "sp-distance"));
    if (p.area) { meta.appendChild(document.createTextNode(" · ")); meta.appendChild(el("span", "sp-area", areaText(p.area))); }
    if (p.inferred) { meta.appendChild(document.createTextNode(" · ")); meta.appendChild(el("span", "sp-evidence sp-evidence-inferred", "推定的网点")); }
    if (p.estimated) meta.appendChild(document.createTextNode(" · 位置为镇街中心估计"));
    var badge = main.appendChild(el("span", "sp-open"));
    badge.setAttribute("data-sp-hours", p.hours);
    badge.setAttribute("data-sp-status", p.status);
    badge.setAttribute("data-open-state", "unknown");
    badge.hidden = true;
    var actions = row.appendChild(el("div", "sp-result-actions"));
    if (p.phone) {
      var call = actions.appendChild(el("a", "sp-act", "打电话"));
      call.href = "tel:" + p.phone.replace(/ /g, "");
    } else {
      actions.appendChild(el("span", "sp-act-none", "电话待补充" + (document.getElementById("channels") ? " · 可先找上方的求助渠道" : "")));
    }
    var go = actions.appendChild(el("a", "sp-act", "位置和导航"));
    go.href = "../../points/" + encodeURIComponent(p.id) + "/#location";
    return row;
  }

  /* Order rows nearest first; keep (when not 0) shows only that many, the nearest, and says so. */
  function sortRows(list, rows, lat, lon, label, townName, keep) {
    var located = [], unlocated = [], elsewhere = [];
    rows.forEach(function (row) {
      var away = servesElsewhere(row, townName);
      row.classList.toggle("sp-elsewhere", away);
      var note = row.querySelector(".sp-elsewhere-note");
      if (note) note.remove();
      if (away) {
        var meta = row.querySelector(".sp-result-meta");
        if (meta) meta.appendChild(Object.assign(document.createElement("span"),
          { className: "sp-elsewhere-note", textContent: " · 不服务" + townName }));
        elsewhere.push(row);
        return;
      }
      var plat = parseFloat(row.getAttribute("data-lat")), plon = parseFloat(row.getAttribute("data-lon"));
      var span = row.querySelector(".sp-distance");
      if (isNaN(plat) || isNaN(plon)) { unlocated.push(row); if (span) span.textContent = ""; return; }
      var km = Math.round(distanceKm(lat, lon, plat, plon) * 1e6) / 1e6;
      if (span) span.textContent = " · " + (km < 0.1 ? "不到 0.1" : "约 " + (km < 10 ? km.toFixed(1) : Math.round(km))) + " 公里";
      located.push({ row: row, km: km, id: row.getAttribute("data-point-id") });
    });
    located.sort(function (a, b) { return a.km - b.km || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0); });
    var order = located.map(function (item) { return item.row; }).concat(unlocated, elsewhere);
    var shown = keep ? order.slice(0, keep) : order;
    rowsOf(list).forEach(function (row) { if (shown.indexOf(row) < 0) row.remove(); });
    shown.forEach(function (row) { list.appendChild(row); });
    if (keep && window.ServicepointsHours) window.ServicepointsHours.renderAll(list);
    var status = document.getElementById("find-status");
    var aside = (unlocated.length ? "，另有 " + unlocated.length + " 个位置待补充，排在后面" : "") +
      (elsewhere.length ? "；" + elsewhere.length + " 个只服务其他镇街，放在最后" : "");
    if (status) status.textContent = keep
      ? "已从全部 " + order.length + " 个网点中按离" + label + "的直线距离由近到远排列，这里列出最前面的 " +
        shown.length + " 个" + (aside ? "（" + located.length + " 个有位置" + aside + "）" : "") +
        "。其余的在网点地图和开放数据中。"
      : "已按离" + label + "的直线距离由近到远排列（" + located.length + " 个网点" + aside + "）。";
    return located.map(function (item) { return item.id; });
  }

  function towns() {
    var el = document.getElementById("sp-find-towns");
    try { return el ? JSON.parse(el.textContent) : []; } catch (e) { return []; }
  }

  function start() {
    var button = document.getElementById("find-locate"), select = document.getElementById("find-town");
    var status = document.getElementById("find-status");
    if (button) button.addEventListener("click", function () {
      if (!navigator.geolocation) { if (status) status.textContent = "这个浏览器不能定位，请选择镇街。"; return; }
      if (status) status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        orderFrom(pos.coords.latitude, pos.coords.longitude, "你的位置");
      }, function () {
        if (status) status.textContent = "没能取得你的位置（可能未允许定位），请选择镇街。";
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
    });
    function chooseTown(slug, remember) {
      var town = towns().filter(function (t) { return t.slug === slug; })[0];
      if (!town) return false;
      if (select) select.value = slug;
      orderFrom(town.lat, town.lon, town.name + "中心", town.name);
      if (remember) rememberTown(slug);
      return true;
    }
    if (select) select.addEventListener("change", function () { chooseTown(select.value, true); });
    chooseTown(chosenTown(), false);
  }

  var KEY = "sp-town";  // the reader's town, shared with the map page (servicepoints-map.js)
  function chosenTown() {
    var fromAddress = new URLSearchParams(location.search).get("town");
    if (fromAddress) return fromAddress;
    try { return localStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }
  function rememberTown(slug) {
    try { localStorage.setItem(KEY, slug); } catch (e) { /* private mode: the address still carries it */ }
    var url = new URL(location.href);
    url.searchParams.set("town", slug);
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }

  window.ServicepointsFinder = { orderFrom: orderFrom, distanceKm: distanceKm, chosenTown: chosenTown };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
