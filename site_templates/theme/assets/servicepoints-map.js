/* servicepoints map: loads the published GeoJSON, clusters the points, finds the nearest ones.
 * Record text only ever enters the page through textContent, never as HTML.
 * Distances are great-circle on WGS-84, computed exactly as `servicepoints nearest` does. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("sp-map-config").textContent);
  var map = window[config.map];
  var cluster = window[config.cluster];
  var EARTH_RADIUS_KM = 6371.0088;
  var NEAREST_COUNT = 5;

  /* ---- coordinates: data and distances stay WGS-84; GCJ-02 only for drawing on Amap tiles ---- */
  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function offset(lat, lon) {
    var x = lon - 105.0, y = lat - 35.0, PI = Math.PI;
    var wave = (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    var dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + wave;
    dlat += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
    dlat += (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
    var dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + wave;
    dlon += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
    dlon += (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
    var rad = lat / 180 * PI;
    var magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
    dlat = dlat * 180 / ((A * (1 - EE)) / (magic * Math.sqrt(magic)) * PI);
    dlon = dlon * 180 / (A / Math.sqrt(magic) * Math.cos(rad) * PI);
    return [dlat, dlon];
  }

  function wgsToGcj(lat, lon) {
    var d = offset(lat, lon);
    return [lat + d[0], lon + d[1]];
  }

  function gcjToWgs(lat, lon) {
    var wlat = lat, wlon = lon;
    for (var i = 0; i < 30; i++) {
      var g = wgsToGcj(wlat, wlon), dlat = g[0] - lat, dlon = g[1] - lon;
      wlat -= dlat; wlon -= dlon;
      if (Math.abs(dlat) < 1e-10 && Math.abs(dlon) < 1e-10) break;
    }
    return [wlat, wlon];
  }

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
  var pointsBase = "../points/";

  function pointUrl(id) { return pointsBase + encodeURIComponent(id) + "/"; }

  function amapUrl(p) {
    var g = wgsToGcj(p.lat, p.lon);
    return "https://uri.amap.com/navigation?to=" + g[1].toFixed(6) + "," + g[0].toFixed(6) + "," +
      encodeURIComponent(p.props.name) + "&mode=car&coordinate=gaode&callnative=1";
  }

  /* ---- markers ---- */
  var icons = {};
  Object.keys(config.types).forEach(function (code) {
    var t = config.types[code], pin = el("span", t.glyph, { "class": "sp-pin", style: "background:" + t.color });
    icons[code] = L.divIcon({ html: pin, className: "sp-pin-icon", iconSize: [26, 26], iconAnchor: [13, 13],
                              popupAnchor: [0, -12] });
  });

  function popup(p) {
    var box = el("div", null, { "class": "sp-popup" });
    box.appendChild(el("strong", p.props.name));
    var rows = [
      ["类型", (config.types[p.props.type] || {}).name || p.props.type],
      ["状态", config.statuses[p.props.status] || p.props.status],
      ["地址", [p.props.town, p.props.address].filter(Boolean).join(" ") || "待补充"],
      ["服务时间", p.props.hours ? (config.hours[p.props.hours] || p.props.hours) : "待补充"]
    ];
    rows.forEach(function (row) { box.appendChild(el("div", row[0] + "：" + row[1])); });
    var phones = el("div", "电话：");
    (p.props.phones || []).forEach(function (tel, i) {
      if (i) phones.appendChild(document.createTextNode("、"));
      phones.appendChild(el("a", tel, { href: "tel:" + tel.replace(/\s/g, "") }));
    });
    if (!(p.props.phones || []).length) phones.appendChild(document.createTextNode("待补充"));
    box.appendChild(phones);
    box.appendChild(el("a", "查看详情", { href: pointUrl(p.id) }));
    return box;
  }

  var points = [], unlocated = [], markers = {};

  function load(geojson) {
    geojson.features.forEach(function (f) {
      var p = { id: String(f.id), props: f.properties };
      if (!f.geometry) { unlocated.push(p); return; }
      p.lon = f.geometry.coordinates[0];
      p.lat = f.geometry.coordinates[1];
      points.push(p);
      var m = L.marker(toDisplay(p.lat, p.lon), { icon: icons[p.props.type], title: p.props.name,
                                                  alt: p.props.name, keyboard: true });
      m.bindPopup(function () { return popup(p); });
      m.spPoint = p;
      markers[p.id] = m;
    });
    showLayers();
    drawTowns();
    noteUnlocated();
    applyHash();
  }

  /* ---- layers: which types and statuses are drawn ---- */
  function checked(name) {
    var on = {};
    document.querySelectorAll('#layers input[name="' + name + '"]').forEach(function (box) { on[box.value] = box.checked; });
    return on;
  }

  function showLayers() {
    var types = checked("type"), statuses = checked("status");
    cluster.clearLayers();
    cluster.addLayers(points.filter(function (p) { return types[p.props.type] && statuses[p.props.status]; })
                            .map(function (p) { return markers[p.id]; }));
  }

  var townLabels = L.layerGroup();
  function drawTowns() {
    config.towns.forEach(function (t) {
      var label = el("span", t.name);
      L.marker(toDisplay(t.lat, t.lon), { icon: L.divIcon({ html: label, className: "sp-town-label", iconSize: null }),
                                          interactive: false, keyboard: false }).addTo(townLabels);
    });
    var toggle = function () {
      if (map.getZoom() >= 10) townLabels.addTo(map); else townLabels.remove();
    };
    map.on("zoomend", toggle);
    toggle();
  }

  function noteUnlocated() {
    if (!unlocated.length) return;
    var note = $("unlocated");
    note.appendChild(document.createTextNode("另有 " + unlocated.length + " 个网点位置待补充，未显示在地图上："));
    unlocated.forEach(function (p, i) {
      if (i) note.appendChild(document.createTextNode("、"));
      note.appendChild(el("a", p.props.name, { href: pointUrl(p.id) }));
    });
  }

  /* ---- nearest ---- */
  var here = null, hereMarker = null;

  function nearest(lat, lon) {
    var type = $("filter-type").value, service = $("filter-service").value;
    return points
      .filter(function (p) {
        return p.props.status !== "closed" && (!type || p.props.type === type) &&
          (!service || (p.props.services || []).indexOf(service) >= 0);
      })
      .map(function (p) { return { p: p, km: Math.round(distanceKm(lat, lon, p.lat, p.lon) * 1e6) / 1e6 }; })
      .sort(function (a, b) { return a.km - b.km || (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0); })
      .slice(0, NEAREST_COUNT);
  }

  function showNearest(lat, lon, label) {
    here = [lat, lon];
    var list = $("nearest"), hits = nearest(lat, lon), bounds = [toDisplay(lat, lon)];
    list.textContent = "";
    hits.forEach(function (hit) {
      var p = hit.p, item = el("li", null, { "data-point-id": p.id });
      item.appendChild(el("a", p.props.name, { href: pointUrl(p.id) }));
      item.appendChild(document.createTextNode(" " + hit.km.toFixed(2) + " 公里 · " +
        ((config.types[p.props.type] || {}).short || p.props.type) + " · "));
      item.appendChild(el("a", "高德导航", { href: amapUrl(p), rel: "nofollow noopener" }));
      list.appendChild(item);
      bounds.push(toDisplay(p.lat, p.lon));
    });
    $("nearest-empty").textContent = hits.length ? "" : "没有符合条件的网点，请换一个类型或服务。";
    var status = $("map-status");
    status.textContent = "已按" + label + "列出最近的 " + hits.length + " 个网点：";
    status.appendChild(el("a", "见地图下方的列表", { href: "#nearest-heading" }));
    if (hereMarker) hereMarker.remove();
    hereMarker = L.circleMarker(toDisplay(lat, lon), { radius: 8, color: "#d32f2f", fillOpacity: 0.8 }).addTo(map);
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
  }

  function showTown(slug) {
    var town = config.towns.filter(function (t) { return t.slug === slug; })[0];
    var list = $("town-points");
    list.textContent = "";
    if (!town) { $("town-empty").hidden = false; return; }
    $("town-empty").hidden = true;
    points.concat(unlocated).filter(function (p) { return p.props.town === town.name; })
      .sort(function (a, b) { return a.props.type < b.props.type ? -1 : a.props.type > b.props.type ? 1 : 0; })
      .forEach(function (p) {
        var item = el("li", null, { "data-point-id": p.id });
        item.appendChild(el("a", p.props.name, { href: pointUrl(p.id) }));
        item.appendChild(document.createTextNode(" · " + ((config.types[p.props.type] || {}).short || "") +
          " · " + (config.statuses[p.props.status] || "")));
        list.appendChild(item);
      });
    showNearest(town.lat, town.lon, town.name + "中心");
  }

  function locate() {
    if (!navigator.geolocation) {
      $("map-status").textContent = "这个浏览器不能定位，请选择镇街或点击地图。";
      return;
    }
    $("map-status").textContent = "正在定位……";
    navigator.geolocation.getCurrentPosition(function (pos) {
      showNearest(pos.coords.latitude, pos.coords.longitude, "你的位置");
    }, function () {
      $("map-status").textContent = "没能取得你的位置（可能未允许定位），请选择镇街或点击地图。";
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  function applyHash() {
    var hash = decodeURIComponent(window.location.hash.slice(1)), kv = hash.split("=");
    if (kv[0] === "town") { $("town-select").value = kv[1]; showTown(kv[1]); }
    if (kv[0] === "point" && markers[kv[1]]) {
      var m = markers[kv[1]];
      cluster.zoomToShowLayer(m, function () { m.openPopup(); });
    }
    if (kv[0] === "nearest") $("find-nearest").focus();
  }

  /* ---- wiring ---- */
  map.fitBounds(config.bounds.map(function (c) { return toDisplay(c[0], c[1]); }));
  $("find-nearest").addEventListener("click", locate);
  $("town-select").addEventListener("change", function (e) { showTown(e.target.value); });
  ["filter-type", "filter-service"].forEach(function (id) {
    $(id).addEventListener("change", function () { if (here) showNearest(here[0], here[1], "所选位置"); });
  });
  $("layers").addEventListener("change", showLayers);
  map.on("click", function (e) {
    var w = fromDisplay(e.latlng);
    showNearest(w[0], w[1], "地图上点击的位置");
  });
  window.addEventListener("hashchange", applyHash);
  fetch(config.data).then(function (r) { return r.json(); }).then(load).catch(function () {
    $("map-status").textContent = "网点数据加载失败，请刷新页面，或到“服务目录”和“镇街”页面查看。";
  });
})();
