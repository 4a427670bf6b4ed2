/* RFC 4180 CSV for the browser editor: the same reader as scripts/servicepoints/registry/csvread.py,
 * tested against the same cases (tests/csv_cases.json, in node and through the validator). Strict where the
 * RFC leaves a choice, so the two never disagree: a quote inside an unquoted cell, anything but a comma
 * or a line end after a closing quote, and a quote never closed throw an error naming the line, and
 * nothing is guessed. Lines end in CRLF, LF or CR; a line with nothing on it is skipped; a leading
 * byte-order mark is dropped. parseCsv returns [line, cells] pairs.
 */
export function parseCsv(text) {
  if (text.charAt(0) === "\uFEFF") { text = text.slice(1); }
  var rows = [], row = [], line = 1, start = 1, i = 0, size = text.length;
  function fail(at, message) { var e = new Error("第 " + at + " 行不是规范的 CSV：" + message); e.line = at; throw e; }
  while (i < size) {
    if (text[i] === '"') {
      i += 1;
      var cell = "";
      for (;;) {
        if (i >= size) { fail(start, "引号没有闭合"); }
        var c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
          i += 1;
          break;
        }
        if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) { line += 1; }
        cell += c;
        i += 1;
      }
      row.push(cell);
      if (i < size && ",\r\n".indexOf(text[i]) < 0) { fail(line, "结束引号后面应是逗号或换行"); }
    } else {
      var end = i;
      while (end < size && ',\r\n"'.indexOf(text[end]) < 0) { end += 1; }
      if (end < size && text[end] === '"') { fail(line, "没有用引号括起的格子里有引号"); }
      row.push(text.slice(i, end));
      i = end;
    }
    if (i < size && text[i] === ",") {
      i += 1;
      if (i < size && "\r\n".indexOf(text[i]) < 0) { continue; }
      row.push("");
    }
    if (!(row.length === 1 && row[0] === "")) { rows.push([start, row]); }
    row = [];
    if (i < size) {
      i += text[i] === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line += 1;
    }
    start = line;
  }
  return rows;
}
