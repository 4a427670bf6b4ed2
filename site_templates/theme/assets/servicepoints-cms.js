/* The browser editor (/admin/): the project's rules on top of the vendored Decap CMS. An ES module.
 *
 * - point records are read and written by a "servicepoints-yaml" format built on the vendored `yaml`
 *   package's Document API: saving patches only the values that changed into the file as it was read,
 *   so comments, key order, quoting and number spelling of everything else stay exactly as they were
 *   (Decap's own YAML format rewrites the whole file); a new record is written in the form's order,
 *   with the schema line first;
 * - code lists (towns.csv, types.csv, services.csv) are edited as lists of rows: a "servicepoints-csv"
 *   format reads (servicepoints-csv.js, the validator's reader) and writes RFC 4180 CSV with the header
 *   the data package declares;
 * - before a point record is saved, empty optional values are dropped (so the file never holds
 *   `key: ""` or an empty list) and a new record without an id gets one by the project's rule,
 *   <type>-<town slug>-<n> with the smallest free n (the same rule as `servicepoints new`);
 *   the file name is the id (the collection's slug is {{id}}).
 * - a "sp-location" widget: a map with the site's own tiles (settings, site/tiles.py) on which the editor
 *   clicks or drags the pin onto the building; on save the point goes into lat/lon as WGS-84 (the GCJ-02
 *   shift of Amap tiles undone by servicepoints-geo.js, the map page's own code), precision becomes
 *   exact and crs goes.
 * The page first says who can log in and the ways in without an account (admin.html.j2). Decap itself
 * (5 MB), Leaflet and the geo script are loaded only when the editor starts: when the login button is
 * pressed (there only when a login is configured), when an editor who logged in before comes back, or
 * on localhost with the "edit on this computer" button, which gives Decap its local backend (decap-server;
 * the published config never names it, so no other host ever asks for it).
 * The configuration itself (admin/config.yml) is generated at build time by servicepoints.site.cms.
 */
import * as YAML from "./vendor/yaml/index.js";
import { parseCsv } from "./servicepoints-csv.js";

(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sp-cms-data").textContent);
  var LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
  var local = LOCAL_HOSTS.indexOf(location.hostname) >= 0;
  var taken = {};
  data.taken.forEach(function (id) { taken[id] = true; });

  function csvCell(value) {
    var text = value === null || value === undefined ? "" : String(value);
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function headerFor(rows) {
    var keys = rows.length ? Object.keys(rows[0]) : [];
    var names = Object.keys(data.csvHeaders);
    for (var n = 0; n < names.length; n += 1) {
      var header = data.csvHeaders[names[n]];
      if (keys.every(function (k) { return header.indexOf(k) >= 0; })) { return header; }
    }
    return keys;
  }

  var csvFormat = {
    fromFile: function (text) {
      var rows = parseCsv(text || "").map(function (pair) { return pair[1]; }); // throws on malformed CSV
      var header = (rows.shift() || []).map(function (name) { return name.trim(); });
      return {
        rows: rows.map(function (cells) {
          var out = {};
          header.forEach(function (name, k) { out[name] = cells[k] === undefined ? "" : cells[k]; });
          return out;
        })
      };
    },
    toFile: function (value) {
      var rows = (value && value.rows) || [];
      var header = headerFor(rows);
      var lines = [header.map(csvCell).join(",")];
      rows.forEach(function (row) {
        lines.push(header.map(function (name) { return csvCell(row[name]); }).join(","));
      });
      return lines.join("\n") + "\n";
    }
  };

  var originals = new Map(); // record id -> the file's text as last read or written
  var TEXT = { lineWidth: 0 }; // never fold long lines: a re-written line must stay one line

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // Patch `node` (which holds `before`) so that it holds `after`, touching only what differs.
  function patch(doc, node, before, after, order) {
    if (same(before, after)) { return node; }
    if (YAML.isMap(node) && isObject(before) && isObject(after)) {
      Object.keys(before).forEach(function (key) { if (!(key in after)) { node.delete(key); } });
      Object.keys(after).forEach(function (key) {
        if (node.has(key)) {
          node.set(key, patch(doc, node.get(key, true), before[key], after[key], null));
          return;
        }
        var pair = doc.createPair(key, after[key]);
        var at = node.items.length;
        if (order) { // after the last present key that the form puts before this one
          var rank = order.indexOf(key);
          for (var i = 0; i < node.items.length; i += 1) {
            var other = order.indexOf(String(node.items[i].key));
            if (rank >= 0 && other > rank) { at = i; break; }
          }
        }
        node.items.splice(at, 0, pair);
      });
      return node;
    }
    if (YAML.isSeq(node) && Array.isArray(before) && Array.isArray(after)) {
      node.items = after.map(function (value, i) {
        return i < before.length ? patch(doc, node.items[i], before[i], value, null) : doc.createNode(value);
      });
      return node;
    }
    return doc.createNode(after);
  }

  function ordered(value, order) {
    var out = {};
    order.forEach(function (key) { if (key in value) { out[key] = value[key]; } });
    Object.keys(value).forEach(function (key) { if (!(key in out)) { out[key] = value[key]; } });
    return out;
  }

  var yamlFormat = {
    fromFile: function (text) {
      var value = YAML.parseDocument(text || "").toJS() || {};
      if (typeof value.id === "string") { originals.set(value.id, text); }
      return value;
    },
    toFile: function (value, order) {
      order = order || [];
      var text = originals.get(value.id);
      var out;
      if (text !== undefined) {
        var doc = YAML.parseDocument(text);
        patch(doc, doc.contents, doc.toJS(), value, order);
        out = doc.toString(TEXT);
      } else {
        out = "# " + data.schemaComment + "\n" + new YAML.Document(ordered(value, order)).toString(TEXT);
      }
      if (typeof value.id === "string") { originals.set(value.id, out); }
      return out;
    }
  };

  function isEmpty(value) {
    if (value === null || value === undefined || value === "") { return true; }
    if (typeof value === "string") { return value.trim() === ""; }
    return typeof value.size === "number" && value.size === 0;
  }

  // An Immutable Map or List (the form's data): tidy every member, drop the empty ones.
  function tidy(value) {
    if (value && typeof value.toJS === "function" && typeof value.filter === "function") {
      return value.map(tidy).filter(function (v) { return !isEmpty(v); });
    }
    return value;
  }

  function freshId(type, town) {
    var slug = data.townSlugs[town] || "unlocated";
    var n = 1;
    while (taken[type + "-" + slug + "-" + n]) { n += 1; }
    return type + "-" + slug + "-" + n;
  }

  var beforeSave = {
    name: "preSave",
    handler: function (event) {
      var entry = event.entry;
      if (String(entry.get("collection")).indexOf("points-") !== 0) { return entry.get("data"); }
      var record = placed(tidy(entry.get("data")));
      if (!record.get("id")) {
        var id = freshId(record.get("type"), record.get("town"));
        taken[id] = true;
        record = record.set("id", id);
      }
      return record;
    }
  };

  /* ---- the location picker ---- */
  var PICKER = data.picker.field;

  function round6(x) { return Math.round(x * 1e6) / 1e6; }

  // The record with the picked point (the picker's "lat,lon" in WGS-84) written into lat, lon and precision.
  function placed(record) {
    var picked = record.get(PICKER);
    record = record.delete(PICKER);
    if (typeof picked !== "string" || !/^-?[0-9.]+,-?[0-9.]+$/.test(picked)) { return record; }
    var at = picked.split(",").map(Number);
    return record.set("lat", at[0]).set("lon", at[1]).set("precision", "exact").delete("crs");
  }

  function pickerControl() {
    var L = window.L, geo = window.ServicepointsGeo, h = window.h, tiles = data.picker.tiles;
    var shifted = tiles.datum === "gcj02";
    function toDisplay(wgs) { return shifted ? geo.wgsToGcj(wgs[0], wgs[1]) : wgs; }
    function fromDisplay(latlng) { return shifted ? geo.gcjToWgs(latlng.lat, latlng.lng) : [latlng.lat, latlng.lng]; }
    function text(wgs) { return "纬度 " + wgs[0].toFixed(6) + "，经度 " + wgs[1].toFixed(6) + "（WGS-84）"; }

    return window.createClass({
      // Where the record is now, as WGS-84 (its lat/lon read in its crs), or null.
      recorded: function () {
        var entry = this.props.entry, lat = entry.getIn(["data", "lat"]), lon = entry.getIn(["data", "lon"]);
        if (typeof lat !== "number" || typeof lon !== "number") { return null; }
        return geo.toWgs(lat, lon, entry.getIn(["data", "crs"]));
      },
      picked: function () {
        var value = this.props.value;
        return typeof value === "string" && value ? value.split(",").map(Number) : null;
      },
      choose: function (latlng) {
        var wgs = fromDisplay(latlng).map(round6);
        this.pin.setLatLng(latlng);
        this.props.onChange(wgs[0] + "," + wgs[1]);
      },
      componentDidMount: function () {
        var self = this, start = this.picked() || this.recorded();
        var precise = start && this.props.entry.getIn(["data", "precision"]) === "exact";
        var map = L.map(this.box, { maxZoom: tiles.maxZoom, attributionControl: true });
        var options = { maxZoom: tiles.maxZoom, attribution: tiles.attribution };
        if (tiles.subdomains) { options.subdomains = tiles.subdomains; }
        L.tileLayer(tiles.url, options).addTo(map);
        if (tiles.labels) { L.tileLayer(tiles.labels, options).addTo(map); }
        if (start) { map.setView(toDisplay(start), precise || this.picked() ? 17 : 15); }
        else { map.fitBounds(data.picker.bounds.map(function (c) { return toDisplay(c); })); }
        var icon = L.divIcon({ className: "sp-picker-pin", html: "<span></span>", iconSize: [28, 28], iconAnchor: [14, 14] });
        this.pin = L.marker(start ? toDisplay(start) : map.getCenter(), {
          icon: icon, draggable: true, keyboard: false, opacity: start ? 1 : 0, title: "网点位置（可拖动）"
        }).addTo(map);
        map.on("click", function (event) { self.pin.setOpacity(1); self.choose(event.latlng); });
        this.pin.on("dragend", function () { self.choose(self.pin.getLatLng()); });
        this.map = map;
        this.box.setAttribute("data-sp-picker-ready", "1");
        window.requestAnimationFrame(function () { map.invalidateSize(); });
      },
      componentWillUnmount: function () { if (this.map) { this.map.remove(); } },
      centre: function () { this.pin.setOpacity(1); this.choose(this.map.getCenter()); },
      undo: function () { // back to the record's own position: nothing changes on save
        var now = this.recorded();
        if (now) { this.pin.setLatLng(toDisplay(now)); } else { this.pin.setOpacity(0); }
        this.props.onChange("");
      },
      render: function () {
        var self = this, picked = this.picked(), now = this.recorded();
        var status = picked ? "已选位置：" + text(picked) + "。保存时写入纬度、经度，位置精度改为“精确”。"
          : now ? "记录中的位置：" + text(now) + "。点击地图或拖动图钉来更改。" : "记录中还没有坐标。点击地图放下图钉。";
        return h("div", { className: this.props.classNameWrapper, id: this.props.forID },
          h("div", {
            className: "sp-picker-map", ref: function (node) { self.box = node; },
            role: "application", "aria-label": "选位置的地图：用方向键移动地图，再按下面的按钮把图钉放在中心"
          }),
          h("p", { className: "sp-picker-status", "aria-live": "polite" }, status),
          h("button", { type: "button", className: "sp-picker-centre", onClick: this.centre }, "把图钉放在地图中心"),
          picked ? h("button", { type: "button", className: "sp-picker-centre sp-picker-undo", onClick: this.undo }, "撤销选点") : null);
      }
    });
  }

  /* ---- starting Decap ---- */
  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var node = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { node[k] = attrs[k]; });
      node.onload = resolve;
      node.onerror = function () { reject(new Error("无法加载 " + (attrs.src || attrs.href))); };
      document.head.appendChild(node);
    });
  }

  // admin/config.yml, read here (whatever type the server gives it) and handed to Decap whole.
  function readConfig() {
    return fetch("config.yml", { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("config.yml：" + response.status); }
      return response.text();
    }).then(function (text) {
      return Object.assign(YAML.parse(text), { load_config_file: false });
    });
  }

  var started = false;
  function start() {
    if (started) { return; }
    started = true;
    var assets = "../assets/";
    load("link", { rel: "stylesheet", href: assets + "vendor/leaflet/leaflet.css" });
    var config = null;
    Promise.all([load("script", { src: assets + "vendor/leaflet/leaflet.js" }),
      load("script", { src: assets + "servicepoints-geo.js" }), readConfig()])
      .then(function (done) {
        config = done[2];
        return load("script", { src: assets + "vendor/decap-cms/decap-cms.js" });
      })
      .then(function () {
        var CMS = window.CMS;
        document.getElementById("sp-admin").hidden = true;
        CMS.registerCustomFormat("servicepoints-csv", "csv", csvFormat);
        CMS.registerCustomFormat("servicepoints-yaml", "yaml", yamlFormat);
        CMS.registerEventListener(beforeSave);
        CMS.registerWidget("sp-location", pickerControl());
        // Decap's local backend (decap-server) only ever from localhost: the published config never names it.
        if (local) { config.local_backend = data.localBackend; }
        CMS.init({ config: config });
      })
      .catch(function (error) {
        started = false;
        var note = document.getElementById("sp-cms-failed");
        note.textContent = "网页编辑加载失败（" + error.message + "），请刷新页面重试。";
        note.hidden = false;
      });
  }

  function loggedInBefore() {
    try { return !!window.localStorage.getItem("decap-cms-user"); } catch (e) { return false; }
  }

  var login = document.getElementById("sp-cms-start"), here = document.getElementById("sp-cms-local");
  if (login) { login.addEventListener("click", start); }
  if (local) { here.hidden = false; here.querySelector("button").addEventListener("click", start); }
  if ((data.login || local) && loggedInBefore()) { start(); }
})();
