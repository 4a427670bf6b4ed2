/*
 * servicepoints-finder.js — the need-finder page (我要办…): order the points offering a need nearest
 * first, from the reader's position (geolocation) or a chosen town's centre. Distances are great-circle
 * distances on WGS-84, as scripts/servicepoints/core/geo.py computes them; ties go by point id, as
 * `servicepoints nearest` does. Points without a location stay at the end in page order.
 * A chosen town also sets aside the points that say they serve other towns only (data-area, from the
 * record's area_served): they go after the others, marked. The chosen town is kept in the address (?town=)
 * and in localStorage, so the other need pages and the map start from it.
 * The open-now badges in each row come from servicepoints-hours.js.
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
    if (!list) return [];
    var rows = Array.prototype.slice.call(list.querySelectorAll("li.sp-result"));
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
    located.forEach(function (item) { list.appendChild(item.row); });
    unlocated.forEach(function (row) { list.appendChild(row); });
    elsewhere.forEach(function (row) { list.appendChild(row); });
    var status = document.getElementById("find-status");
    if (status) status.textContent = "已按离" + label + "的直线距离由近到远排列（" + located.length + " 个网点" +
      (unlocated.length ? "，另有 " + unlocated.length + " 个位置待补充，排在后面" : "") +
      (elsewhere.length ? "；" + elsewhere.length + " 个只服务其他镇街，放在最后" : "") + "）。";
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
