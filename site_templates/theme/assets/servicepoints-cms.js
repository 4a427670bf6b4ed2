/* The browser editor (/admin/): the project's rules on top of the vendored Decap CMS.
 *
 * - code lists (towns.csv, types.csv, services.csv) are edited as lists of rows: a "servicepoints-csv"
 *   format reads and writes RFC 4180 CSV with the header the data package declares;
 * - before a point record is saved, empty optional values are dropped (so the file never holds
 *   `key: ""` or an empty list) and a new record without an id gets one by the project's rule,
 *   <type>-<town slug>-<n> with the smallest free n (the same rule as `servicepoints new`);
 *   the file name is the id (the collection's slug is {{id}}).
 * The configuration itself (admin/config.yml) is generated at build time by servicepoints.cms.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sp-cms-data").textContent);
  var CMS = window.CMS;
  var taken = {};
  data.taken.forEach(function (id) { taken[id] = true; });

  function parseCsv(text) {
    var rows = [], row = [], cell = "", i = 0, quoted = false;
    text = text.replace(/^\uFEFF/, "");
    while (i < text.length) {
      var c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
        if (c === '"') { quoted = false; i += 1; continue; }
        cell += c; i += 1; continue;
      }
      if (c === '"') { quoted = true; i += 1; continue; }
      if (c === ",") { row.push(cell); cell = ""; i += 1; continue; }
      if (c === "\r" && text[i + 1] === "\n") { i += 1; continue; }
      if (c === "\n" || c === "\r") { row.push(cell); rows.push(row); row = []; cell = ""; i += 1; continue; }
      cell += c; i += 1;
    }
    if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
    return rows;
  }

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
      var rows = parseCsv(text || "");
      var header = rows.shift() || [];
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
