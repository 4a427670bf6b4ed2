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
 * The configuration itself (admin/config.yml) is generated at build time by servicepoints.site.cms.
 */
import * as YAML from "./vendor/yaml/index.js";
import { parseCsv } from "./servicepoints-csv.js";

(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sp-cms-data").textContent);
  var CMS = window.CMS;
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

  CMS.registerCustomFormat("servicepoints-csv", "csv", {
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
  });

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

  CMS.registerCustomFormat("servicepoints-yaml", "yaml", {
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
  });

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

  CMS.registerEventListener({
    name: "preSave",
    handler: function (event) {
      var entry = event.entry;
      if (String(entry.get("collection")).indexOf("points-") !== 0) { return entry.get("data"); }
      var record = tidy(entry.get("data"));
      if (!record.get("id")) {
        var id = freshId(record.get("type"), record.get("town"));
        taken[id] = true;
        record = record.set("id", id);
      }
      return record;
    }
  });

  CMS.init();
})();
