/* servicepoints map: loads map/points.json once, clusters the points with supercluster, finds the nearest.
 * Record text only ever enters the page through textContent or attributes, never as HTML.
 * Distances are great-circle on WGS-84, computed exactly as `servicepoints nearest` does.
 * One filter form (type, service, status) decides what the markers, the nearest list, the town list and the
 * counts show. Deep links: #point=ID, #town=SLUG, #type=CODE (combinable with "&", e.g. #town=xiaolan&type=x).
 * <html data-map-ready="ms"> is set once the first view and its markers are drawn (ms since navigation start). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("sp-map-config").textContent);
  var map = window[config.map];
  var EARTH_RADIUS_KM = 6371.0088;
  var NEAREST_COUNT = 5;
  var POINT_ZOOM = 17, TOWN_ZOOM = 15;
  var MAX_ZOOM = config.maxZoom || 18;
  var LIST_LIMIT = 50, TOWN_LIST_LIMIT = 100;
  L.control.scale({ imperial: false }).addTo(map);  // metric only (folium's own scale shows miles too)

  /* ---- coordinates: data and distances stay WGS-84; GCJ-02 only for drawing on Amap tiles ---- */
  var wgsToGcj = window.ServicepointsGeo.wgsToGcj, gcjToWgs = window.ServicepointsGeo.gcjToWgs;

  var shifted = config.datum === "gcj02";
  function toDisplay(lat, lon) { return shifted ? wgsToGcj(lat, lon) : [lat, lon]; }
  function fromDisplay(latlng) { return shifted ? gcjToWgs(latlng.lat, latlng.lng) : [latlng.lat, latlng.lng]; }

  function distanceKm(lat1, lon1, lat2, lon2) {
    var r = Math.PI / 180, p1 = lat1 * r, p2 = lat2 * r;
    var dp = p2 - p1, dl = (lon2 - lon1) * r;
    var h = Math.pow(Math.sin(dp / 2), 2) + Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /* ---- small DOM helpers: text in, never HTML ---- */
  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function $(id) { return document.getElementById(id); }
  function pointUrl(id) { return "../points/" + encodeURIComponent(id) + "/"; }
  function typeOf(p) { return config.types[p.type] || {}; }

  function amapUrl(p) {
    var g = wgsToGcj(p.lat, p.lon);
    return "https://uri.amap.com/navigation?to=" + g[1].toFixed(6) + "," + g[0].toFixed(6) + "," +
      encodeURIComponent(String(p.name).replace(/,/g, "，")) + "&mode=car&coordinate=gaode&callnative=1"; // "to" is lon,lat,name
  }

  /* ---- open-now badge from servicepoints-hours.js, when the page has it ---- */
  var hoursApi = window.ServicepointsHours || null;
  var calendar = hoursApi ? hoursApi.loadCalendar() : null;
  function openBadge(p) {
    if (!hoursApi) return null;
    var badge = el("span", "", { "class": "sp-open", "data-sp-hours": p.hoursRaw || "", "data-open-state": "unknown" });
    badge.hidden = true;
    calendar.then(function (cal) { hoursApi.badge(badge, cal); });
    return badge;
  }

  /* ---- the points ---- */
  var points = [], located = [], byId = {};

  function load(doc) {
    var c = {};
    doc.columns.forEach(function (name, i) { c[name] = i; });
    var codes = doc.codes;
    doc.points.forEach(function (row) {
      var h = row[c.hours];
      var p = {
        id: String(row[c.id]), name: row[c.name], type: codes.type[row[c.type]], status: codes.status[row[c.status]],
        town: codes.town[row[c.town]] || "", lat: row[c.lat], lon: row[c.lon],
        precision: codes.precision[row[c.precision]] || "", inferred: row[c.evidence] === 1,
        address: row[c.address], hoursRaw: h >= 0 ? doc.hours[h][0] : "", hoursText: h >= 0 ? doc.hours[h][1] : "",
        phones: row[c.phones], services: row[c.services].map(function (i) { return codes.service[i]; }),
        asOf: row[c.status_as_of]
      };
      p.estimated = p.precision === "town";
      byId[p.id] = p;
      points.push(p);
      if (p.lat !== null && p.lon !== null) {
        p.display = toDisplay(p.lat, p.lon);
        located.push(p);
      }
    });
  }

  /* ---- the one filter set ---- */
  var filters = $("map-filters");
  function filterState() {
    var statuses = {};
    filters.querySelectorAll('input[name="status"]').forEach(function (box) { statuses[box.value] = box.checked; });
    return { type: $("filter-type").value, service: $("filter-service").value, statuses: statuses };
  }
  function matches(p, f, ignoreType) {
    return (ignoreType || !f.type || p.type === f.type) && f.statuses[p.status] === true &&
      (!f.service || p.services.indexOf(f.service) >= 0);
  }

  var shown = [], index = null;

  function applyFilters() {
    var f = filterState(), perType = {};
    shown = [];
    located.forEach(function (p) {
      if (matches(p, f, true)) perType[p.type] = (perType[p.type] || 0) + 1;
      if (matches(p, f)) shown.push(p);
    });
    $("filter-type").querySelectorAll("option").forEach(function (opt) {
      var n = opt.value ? perType[opt.value] || 0 : Object.keys(perType).reduce(function (s, k) { return s + perType[k]; }, 0);
      opt.textContent = opt.getAttribute("data-name") + "（" + n + "）";
    });
    var count = $("map-count");
    count.textContent = "地图和下方列表显示符合条件的 " + shown.length + " 个网点（共 " + located.length +
      " 个有位置的网点" + (points.length > located.length ? "，另有 " + (points.length - located.length) +
      " 个位置待补充" : "") + "）。";
    count.setAttribute("data-shown", String(shown.length));
    indexSites();
    drawMarkers();
    if (here) showNearest(here.lat, here.lon, here.label, true);
    if (currentTown) listTown(currentTown);
  }

  /* supercluster groups the points up to CLUSTER_ZOOM; above it every point is drawn on its own, except that
   * points at one and the same position (several placed at a town's estimated centre, say), which no zoom
   * can pull apart, are drawn as one "stack" that lists them. */
  var CLUSTER_ZOOM = 15, STACK_CHECK = 500;
  function indexSites() {
    index = new Supercluster({ radius: 56, minZoom: 8, maxZoom: CLUSTER_ZOOM, minPoints: 2 });
    index.load(shown.map(function (p, i) {
      return { type: "Feature", geometry: { type: "Point", coordinates: [p.display[1], p.display[0]] }, properties: { i: i } };
    }));
    layer.clearLayers();
    drawn = {};
  }

  /* ---- markers: clusters and single points for the visible area only ---- */
  map.createPane("sp-labels").style.zIndex = 450;   // town names: above tiles, below markers
  map.createPane("sp-here").style.zIndex = 590;     // the reader's position or town centre: under the markers,
  map.getPane("sp-here").style.pointerEvents = "none";  // so it never covers a stack or takes its taps
  var layer = L.layerGroup().addTo(map);
  var icons = {}, drawn = {};

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  // Icons are shared by many markers, so they carry HTML text (each marker parses its own copy); a DOM node
  // would be moved from marker to marker. The text comes from the page config's type styles, escaped anyway.
  function pointIcon(p) {
    var key = p.type + (p.estimated ? "~" : "");
    if (!icons[key]) {
      var t = typeOf(p);
      icons[key] = L.divIcon({
        html: '<span class="sp-pin' + (p.estimated ? " sp-pin--estimated" : "") + '" style="background:' +
          escapeHtml(t.color || "#455a64") + '">' + escapeHtml(t.glyph || "点") + "</span>",
        className: "sp-pin-icon", iconSize: [44, 44], iconAnchor: [22, 22], popupAnchor: [0, -14]  // 44 px to tap
      });
    }
    return icons[key];
  }

  function clusterIcon(n, stack) {
    var size = n < 100 ? 44 : n < 1000 ? 48 : 52;  // a thumb's width at least (44 px)
    return L.divIcon({ html: "<span>" + Number(n) + "</span>", className: "sp-cluster" + (stack ? " sp-stack" : ""),
                       iconSize: [size, size] });
  }

  // Enter and Space on a focused marker, cluster or stack do what a click does (Leaflet maps Enter only for
  // markers with bindPopup). Handled on keydown, so Leaflet's own Enter keypress never fires a second click.
  function pressable(m) {
    m.on("add", function () {
      var node = m.getElement();
      node.setAttribute("role", "button");
      node.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        m.fire("click", { latlng: m.getLatLng(), originalEvent: e });
      });
    });
  }

  function countMarker(ll, n, stack, onClick) {
    var title = stack ? "同一位置的 " + n + " 个网点，点击列出" : n + " 个网点，点击放大";
    var m = L.marker(ll, { icon: clusterIcon(n, stack), title: title, alt: title, keyboard: true });
    m.on("click", onClick);
    pressable(m);
    m.on("add", function () { m.getElement().setAttribute("data-count", String(n)); });
    return m;
  }

  function clusterMarker(f) {
    var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
    return countMarker(ll, f.properties.point_count, false, function () {
      var id = f.properties.cluster_id, zoom = index.getClusterExpansionZoom(id);
      if (zoom > CLUSTER_ZOOM && f.properties.point_count <= STACK_CHECK) {
        // Still one cluster at the last clustering zoom: if its points share one position, zooming in
        // would only turn it into a stack, so list them now.
        var members = index.getLeaves(id, STACK_CHECK).map(function (l) { return shown[l.properties.i]; });
        var first = members[0].display;
        if (members.every(function (p) { return p.display[0] === first[0] && p.display[1] === first[1]; })) {
          openSite({ ll: first, points: members });
          return;
        }
      }
      land(ll, Math.min(zoom, MAX_ZOOM));
    });
  }

  function pointMarker(p) {
    var m = L.marker(p.display, { icon: pointIcon(p), title: p.name, alt: p.name, keyboard: true });
    m.on("click", function () { openPoint(p, true); });
    pressable(m);
    m.on("add", function () { m.getElement().setAttribute("data-point-id", p.id); });
    return m;
  }

  function drawMarkers() {  // add what came into view, remove what left it, keep the rest as they are
    if (!index) return;
    var b = map.getBounds().pad(0.15), next = {}, stacks = {};
    var zoom = Math.min(Math.round(map.getZoom()), CLUSTER_ZOOM + 1);
    index.getClusters([b.getWest(), Math.max(b.getSouth(), -85), b.getEast(), Math.min(b.getNorth(), 85)], zoom)
      .forEach(function (f) {
        if (f.properties.cluster) {
          var key = "c" + f.properties.cluster_id;
          next[key] = drawn[key] || clusterMarker(f);
          return;
        }
        var p = shown[f.properties.i], at = p.display[0] + "," + p.display[1];
        (stacks[at] = stacks[at] || { ll: p.display, points: [] }).points.push(p);
      });
    Object.keys(stacks).forEach(function (at) {
      var site = stacks[at], one = site.points.length === 1;
      var key = one ? "p" + site.points[0].id : "s" + at + "|" + site.points.length;
      next[key] = drawn[key] || (one ? pointMarker(site.points[0])
        : countMarker(site.ll, site.points.length, true, function () { openSite(site); }));
    });
    Object.keys(drawn).forEach(function (key) { if (!next[key]) layer.removeLayer(drawn[key]); });
    Object.keys(next).forEach(function (key) { if (!drawn[key]) layer.addLayer(next[key]); });
    drawn = next;
  }

  function openSite(site) {  // several points share this position: list them
    var list = site.points.slice().sort(function (a, b) { return a.id < b.id ? -1 : 1; });
    var box = el("div", null, { "class": "sp-popup" });
    box.appendChild(el("strong", "此处有 " + list.length + " 个网点"));
    var estimated = list.every(function (p) { return p.estimated; });
    box.appendChild(el("div", estimated ? "它们的位置都按所在镇街的中心估算，所以落在同一处，实际地址各不相同。"
                                        : "它们登记的坐标相同。", { "class": estimated ? "sp-estimated" : "" }));
    var ul = el("ul");
    list.slice(0, LIST_LIMIT).forEach(function (p) {
      var item = el("li", null, { "data-point-id": p.id });
      item.appendChild(el("a", p.name, { href: pointUrl(p.id) }));
      item.appendChild(document.createTextNode(" · " + (typeOf(p).short || p.type) + (p.inferred ? " · 推定的网点" : "")));
      ul.appendChild(item);
    });
    box.appendChild(ul);
    if (list.length > LIST_LIMIT) box.appendChild(el("div", "……另有 " + (list.length - LIST_LIMIT) + " 个，请用上方的筛选缩小范围。"));
    popup.options.autoPan = true;
    popup.options.maxHeight = popupHeight();
    popup.options.offset = L.point(0, -8);
    popup.setLatLng(site.ll).setContent(box).openOn(map);
  }

  /* ---- popups ---- */
  var popup = L.popup({ maxWidth: 300 });
  function popupHeight() { return Math.max(140, Math.round(map.getSize().y / 2) - 40); }

  // The date of the source a status rests on, as on the pages (运营中 · 据 2023-11-15 出处); nothing for 待核实.
  function statusDate(p) {
    if (p.asOf === null || p.asOf === undefined) return "";
    return p.asOf ? " · 据 " + p.asOf + " 出处" : " · 出处未注明日期";
  }

  function popupBox(p) {
    var box = el("div", null, { "class": "sp-popup", "data-point-id": p.id });
    box.appendChild(el("strong", p.name));
    if (p.inferred) {
      box.appendChild(el("div", "推定的网点：没有公开出处点名它，按公开的数量推定存在，名称、地址和状态尚待核实。", { "class": "sp-inferred" }));
    }
    var rows = [
      ["类型", typeOf(p).name || p.type],
      ["状态", (config.statuses[p.status] || p.status) + statusDate(p)],
      ["地址", [p.town, p.address].filter(Boolean).join(" ") || "待补充"]
    ];
    rows.forEach(function (row) { box.appendChild(el("div", row[0] + "：" + row[1])); });
    if (p.precision && p.precision !== "exact") {
      box.appendChild(el("div", "位置：" + (config.precisions[p.precision] || p.precision) +
        (p.estimated ? "，地图上的点不是实际地址，距离只是估算。" : "。"), { "class": "sp-estimated" }));
    }
    box.appendChild(el("div", "服务时间：" + (p.hoursText || p.hoursRaw || "待补充")));
    var badge = openBadge(p);
    if (badge) box.appendChild(badge);
    var phones = el("div", "电话：");
    (p.phones || []).forEach(function (tel, i) {
      if (i) phones.appendChild(document.createTextNode("、"));
      phones.appendChild(el("a", tel, { href: "tel:" + tel.replace(/[^0-9+]/g, "") }));
    });
    if (!(p.phones || []).length) phones.appendChild(document.createTextNode("待补充"));
    box.appendChild(phones);
    var links = el("div");
    links.appendChild(el("a", "查看详情", { href: pointUrl(p.id) }));
    if (p.precision === "exact") {
      links.appendChild(document.createTextNode(" · "));
      links.appendChild(el("a", "高德导航", { href: amapUrl(p), rel: "nofollow noopener" }));
    }
    box.appendChild(links);
    return box;
  }

  function openPoint(p, autoPan) {
    popup.options.autoPan = autoPan;
    popup.options.maxHeight = popupHeight();
    popup.options.offset = L.point(0, -6);
    popup.setLatLng(p.display).setContent(popupBox(p)).openOn(map);
  }

  /* ---- landing: every programmatic view change goes through here, never animated ---- */
  function land(latlng, zoom) {
    // A zoom animation in flight would, when it ends, put back its own target over ours (Leaflet's
    // zoom transition end moves the map to where the animation was heading). Wait for it first.
    if (map._animatingZoom) { map.once("zoomend", function () { land(latlng, zoom); }); return; }
    map.stop();
    map.invalidateSize({ pan: false });
    map.setView(latlng, zoom, { animate: false });
    lateAnimation(function () { land(latlng, zoom); });
  }

  // Leaflet starts a requested zoom animation one animation frame later, so one asked for just before a
  // landing may begin after it and, when it ends, carry the map back to its own target: land again then.
  function lateAnimation(again) {
    requestAnimationFrame(function () { if (map._animatingZoom) map.once("zoomend", again); });
  }

  function landBounds(latlngs) {
    if (!latlngs.length) return;
    if (map._animatingZoom) { map.once("zoomend", function () { landBounds(latlngs); }); return; }
    map.stop();
    map.invalidateSize({ pan: false });
    map.fitBounds(latlngs, { padding: [30, 30], maxZoom: TOWN_ZOOM, animate: false });
    lateAnimation(function () { landBounds(latlngs); });
  }

  /* ---- the user's position (or the chosen centre): always above the clusters ---- */
  var here = null, hereMarker = null;
  function markHere(lat, lon, label) {
    var ll = toDisplay(lat, lon);
    var icon = L.divIcon({ html: el("span", null, { "class": "sp-here-dot" }), className: "sp-here", iconSize: [22, 22] });
    if (hereMarker) hereMarker.remove();
    hereMarker = L.marker(ll, { icon: icon, pane: "sp-here", title: label, alt: label, keyboard: false, interactive: false })
      .addTo(map);
  }

  /* ---- nearest ---- */
  function before(km, id, hit) { return km < hit.km || (km === hit.km && id < hit.p.id); }

  function nearest(lat, lon) {  // one pass, keeping the best few in order: no sort of every point
    var best = [];
    for (var i = 0; i < shown.length; i++) {
      var p = shown[i], km = Math.round(distanceKm(lat, lon, p.lat, p.lon) * 1e6) / 1e6;
      if (best.length === NEAREST_COUNT && !before(km, p.id, best[NEAREST_COUNT - 1])) continue;
      var j = best.length;
      best.push(null);
      while (j > 0 && before(km, p.id, best[j - 1])) { best[j] = best[j - 1]; j--; }
      best[j] = { p: p, km: km };
      if (best.length > NEAREST_COUNT) best.pop();
    }
    return best;
  }

  function distanceText(hit) {
    if (hit.p.estimated) return "约 " + hit.km.toFixed(1) + " 公里（按镇街中心估算）";
    if (hit.p.precision === "street") return "约 " + hit.km.toFixed(1) + " 公里（位置只精确到街道）";
    return hit.km.toFixed(2) + " 公里";
  }

  function showNearest(lat, lon, label, keepView) {
    here = { lat: lat, lon: lon, label: label };
    var list = $("nearest"), hits = nearest(lat, lon), bounds = [toDisplay(lat, lon)];
    var seen = {};
    hits.forEach(function (hit) { seen[hit.km] = (seen[hit.km] || 0) + 1; });
    list.textContent = "";
    var ties = 0, tiesEstimated = true;
    hits.forEach(function (hit) {
      var p = hit.p, item = el("li", null, { "data-point-id": p.id, "data-km": String(hit.km) });
      var tied = seen[hit.km] > 1;
      if (tied) { ties++; tiesEstimated = tiesEstimated && p.estimated; item.setAttribute("data-tie", "true"); }
      item.appendChild(el("a", p.name, { href: pointUrl(p.id) }));
      item.appendChild(el("span", " " + distanceText(hit) + (tied ? "（并列）" : ""), { "class": "sp-distance" }));
      item.appendChild(document.createTextNode(" · " + (typeOf(p).short || p.type) +
        (p.status !== "operating" ? " · " + (config.statuses[p.status] || p.status) : "") + (p.inferred ? " · 推定的网点" : "")));
      var badge = openBadge(p);
      if (badge) { item.appendChild(document.createTextNode(" · ")); item.appendChild(badge); }
      if (p.precision === "exact") {
        item.appendChild(document.createTextNode(" · "));
        item.appendChild(el("a", "高德导航", { href: amapUrl(p), rel: "nofollow noopener" }));
      }
      list.appendChild(item);
      bounds.push(p.display);
    });
    var note = $("nearest-note");
    note.textContent = !ties ? "" : tiesEstimated
      ? "标“并列”的 " + ties + " 个网点距离相同：它们的位置都按所在镇街的中心估算，所以算出的距离一样，实际远近可能不同。距离相同时按网点编号排列。"
      : "标“并列”的 " + ties + " 个网点距离相同，按网点编号排列。";
    $("nearest-empty").textContent = hits.length ? "" : "没有符合筛选条件的网点，请换一个类型、服务或状态。";
    var status = $("map-status");
    status.textContent = "已按" + label + "列出最近的 " + hits.length + " 个网点：";
    status.appendChild(el("a", "见地图下方的列表", { href: "#nearest-heading" }));
    markHere(lat, lon, label);
    if (!keepView) landBounds(bounds);
  }

  /* ---- towns ---- */
  var currentTown = null;
  function townBySlug(slug) { return config.towns.filter(function (t) { return t.slug === slug; })[0]; }

  function listTown(town) {
    var list = $("town-points"), f = filterState(), hidden = 0;
    list.textContent = "";
    $("town-empty").hidden = true;
    var listed = 0, more = 0;
    points.filter(function (p) { return p.town === town.name; })
      .sort(function (a, b) { return a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : 1; })
      .forEach(function (p) {
        if (!matches(p, f)) { hidden++; return; }
        if (++listed > TOWN_LIST_LIMIT) { more++; return; }
        var item = el("li", null, { "data-point-id": p.id });
        item.appendChild(el("a", p.name, { href: pointUrl(p.id) }));
        item.appendChild(document.createTextNode(" · " + (typeOf(p).short || "") + " · " + (config.statuses[p.status] || "") +
          (p.estimated ? " · 位置按镇街中心估算" : "") + (p.display ? "" : " · 位置待补充") + (p.inferred ? " · 推定的网点" : "")));
        list.appendChild(item);
      });
    var note = $("town-hidden");
    note.textContent = hidden ? town.name + "另有 " + hidden + " 个网点不符合当前筛选条件，未列出。" : "";
    if (more) {
      note.appendChild(document.createTextNode("这里只列出前 " + TOWN_LIST_LIMIT + " 个，还有 " + more + " 个：请用上方的筛选缩小范围，或打开"));
      note.appendChild(el("a", town.name + "的页面", { href: "../towns/" + encodeURIComponent(town.slug) + "/" }));
      note.appendChild(document.createTextNode("。"));
    }
  }

  function showTown(slug) {
    var town = townBySlug(slug);
    if (!town) {
      currentTown = null;
      $("town-points").textContent = "";
      $("town-hidden").textContent = "";
      $("town-empty").hidden = false;
      return false;
    }
    currentTown = town;
    $("town-select").value = town.slug;
    listTown(town);
    showNearest(town.lat, town.lon, town.name + "中心", true);
    land(toDisplay(town.lat, town.lon), TOWN_ZOOM);
    return true;
  }

  var townLabels = L.layerGroup();
  function drawTowns() {
    config.towns.forEach(function (t) {
      L.marker(toDisplay(t.lat, t.lon), { icon: L.divIcon({ html: el("span", t.name), className: "sp-town-label", iconSize: null }),
                                          interactive: false, keyboard: false, pane: "sp-labels" }).addTo(townLabels);
    });
    var toggle = function () { if (map.getZoom() >= 10) townLabels.addTo(map); else townLabels.remove(); };
    map.on("zoomend", toggle);
    toggle();
  }

  function noteUnlocated() {
    var missing = points.filter(function (p) { return !p.display; });
    if (!missing.length) return;
    var note = $("unlocated");
    note.appendChild(document.createTextNode("另有 " + missing.length + " 个网点位置待补充，未显示在地图上："));
    missing.slice(0, LIST_LIMIT).forEach(function (p, i) {
      if (i) note.appendChild(document.createTextNode("、"));
      note.appendChild(el("a", p.name, { href: pointUrl(p.id) }));
    });
    if (missing.length > LIST_LIMIT) note.appendChild(document.createTextNode("……"));
  }

  /* ---- geolocation: when it is refused or missing, say so and hand over to the town picker ---- */
  function offerTowns(reason) {
    var status = $("map-status");
    status.textContent = reason + "请在上方选择你所在的镇街，或直接点击地图上的位置。";
    $("town-picker").classList.add("sp-attention");
    $("town-select").focus();
  }

  function locate() {
    if (!navigator.geolocation || window.isSecureContext === false) {
      offerTowns("这个浏览器或网页连接不能定位。");
      return;
    }
    $("map-status").textContent = "正在定位……";
    navigator.geolocation.getCurrentPosition(function (pos) {
      showNearest(pos.coords.latitude, pos.coords.longitude, "你的位置");
    }, function (err) {
      offerTowns(err && err.code === 1 ? "你没有允许本网页使用位置信息，所以无法按你的位置查找。"
        : err && err.code === 3 ? "定位超时，没能取得你的位置。" : "暂时无法取得你的位置。");
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  /* ---- deep links ---- */
  function parseHash() {
    var out = {}, fromAddress = new URLSearchParams(window.location.search).get("town");
    if (fromAddress && window.location.hash.indexOf("town=") < 0) out.town = fromAddress;  // ?town= from a need page
    window.location.hash.slice(1).split("&").forEach(function (part) {
      var i = part.indexOf("=");
      if (i > 0) {
        try { out[part.slice(0, i)] = decodeURIComponent(part.slice(i + 1)); } catch (e) { /* malformed: ignore */ }
      }
    });
    return out;
  }

  function applyHash() {
    var h = parseHash(), select = $("filter-type");
    if (h.type !== undefined && (h.type === "" || config.types[h.type]) && select.value !== h.type) {
      select.value = h.type;
      applyFilters();
    }
    if (h.point !== undefined) {
      var p = byId[h.point];
      if (!p) {
        $("map-status").textContent = "没有找到编号为“" + h.point + "”的网点，请从列表或镇街页面查找。";
      } else if (!p.display) {
        var status = $("map-status");
        status.textContent = p.name + "的位置待补充，无法在地图上显示：";
        status.appendChild(el("a", "查看网点详情", { href: pointUrl(p.id) }));
      } else {
        land(p.display, POINT_ZOOM);
        openPoint(p, false);
        reveal();
      }
      return;
    }
    if (h.town !== undefined) {
      if (showTown(h.town)) reveal();
      else $("map-status").textContent = "没有找到镇街“" + h.town + "”，请在上方选择。";
      return;
    }
    if (h.type !== undefined) landBounds(shown.map(function (p) { return p.display; }));
    if (h.nearest !== undefined || window.location.hash === "#nearest") $("find-nearest").focus();
  }

  function reveal() {  // on a phone the map starts below the fold: bring it into view for a deep link
    var box = map.getContainer().getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) map.getContainer().scrollIntoView({ block: "center" });
  }

  function setHash(parts) {
    var text = Object.keys(parts).filter(function (k) { return parts[k]; })
      .map(function (k) { return k + "=" + encodeURIComponent(parts[k]); }).join("&");
    history.replaceState(null, "", text ? "#" + text : window.location.pathname + window.location.search);
  }

  function mark(name) { if (window.performance && performance.mark) performance.mark(name); }

  /* ---- wiring ---- */
  map.fitBounds(config.bounds.map(function (c) { return toDisplay(c[0], c[1]); }), { animate: false });
  $("find-nearest").addEventListener("click", locate);
  $("town-select").addEventListener("change", function (e) {
    $("town-picker").classList.remove("sp-attention");
    showTown(e.target.value);
    setHash({ town: e.target.value, type: $("filter-type").value });
    try { localStorage.setItem("sp-town", e.target.value); } catch (err) { /* private mode */ }  // need pages read it
  });
  filters.addEventListener("change", function (e) {
    applyFilters();
    if (e.target.id === "filter-type") setHash({ town: currentTown && currentTown.slug, type: e.target.value });
  });
  filters.addEventListener("submit", function (e) { e.preventDefault(); });
  map.on("moveend", drawMarkers);
  map.on("click", function (e) {
    var w = fromDisplay(e.latlng);
    showNearest(w[0], w[1], "地图上点击的位置", true);
  });
  if (window.ResizeObserver) new ResizeObserver(function () { map.invalidateSize(); }).observe(map.getContainer());
  window.addEventListener("hashchange", applyHash);

  fetch(config.data, { credentials: "same-origin" }).then(function (r) {
    if (!r.ok) throw new Error(r.status);
    return r.json();
  }).then(function (doc) {
    mark("sp-map:data");      // fetched and parsed
    load(doc);
    drawTowns();
    noteUnlocated();
    mark("sp-map:points");    // rows turned into points, positions shifted for the tiles
    applyFilters();           // clusters indexed, counts written, first markers drawn
    mark("sp-map:index");
    applyHash();              // a deep link: view, popup, nearest and town lists
    mark("sp-map:ready");
    document.documentElement.setAttribute("data-map-ready", String(Math.round(performance.now())));
  }).catch(function (err) {
    $("map-status").textContent = "网点数据加载失败，请刷新页面，或到“服务目录”和“镇街”页面查看。";
    $("map-count").textContent = "";
    if (window.console) console.warn("servicepoints map:", err);
  });
})();
