/*
 * servicepoints-hours.js — "is it open now?" in the browser.
 *
 * The same opening-hours grammar as scripts/servicepoints/core/hours.py (read that module's docstring for
 * the rules); both are tested against tests/hours_cases.json, so the validator, the page text, the
 * HSDS schedules and this badge agree. Time is China time (UTC+8, no daylight saving) whatever the
 * device's own time zone. The holiday table comes from assets/servicepoints-holidays.json, built from
 * data/holidays.csv; a date in a year the table does not hold gives "unknown".
 *
 * API (window.ServicepointsHours):
 *   parse(text)                      -> {rules: [{selector, days: [0..6, 0 = Monday], holiday, spans: [[from, to] minutes]}]} | null
 *   calendar(json)                   -> calendar object from the holidays JSON ({years: [...], days: {"YYYY-MM-DD": [kind, name]}})
 *   loadCalendar(url?)               -> Promise<calendar | null> (fetched once per page; null if it cannot be read)
 *   chinaTime(date?)                 -> {year, month, day, weekday, minute, iso}
 *   status(hoursText, calendar, date?, pointStatus?) -> {state: "open" | "closed" | "unknown", text}
 *                                    (pointStatus = the record's status: suspended/closed/pending/building give
 *                                    "closed", unknown gives "unknown", operating or none lets the hours decide)
 *   badge(element, calendar, date?)  -> status; writes it into element (text, data-open-state)
 *   renderAll(root?, date?)          -> Promise: every element with a data-sp-hours attribute in root
 * Markup: <span class="sp-open" data-sp-hours="Mo-Fr 09:00-12:00,13:30-17:00; PH off" data-sp-status="operating"
 *   data-open-state="unknown" hidden></span> (data-sp-hours="" when the record has no hours). The page re-renders its badges every minute.
 */
(function () {
  "use strict";

  var DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
  var DAY_CN = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
  var PART = "(?:(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?|PH)";
  var SELECTOR = new RegExp("^" + PART + "(?:," + PART + ")*$");
  var TIME = "(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)";
  var SPANS = new RegExp("^" + TIME + "-" + TIME + "(?:," + TIME + "-" + TIME + ")*$");
  var LUNCH_FROM = 11 * 60, LUNCH_TO = 14 * 60, LOOKAHEAD_DAYS = 14;
  var CHINA_OFFSET_MS = 8 * 3600 * 1000;
  var ALL = [0, 1, 2, 3, 4, 5, 6];

  function minutes(t) { var p = t.split(":"); return parseInt(p[0], 10) * 60 + parseInt(p[1], 10); }
  function clock(m) { var h = Math.floor(m / 60), n = m % 60; return (h < 10 ? "0" : "") + h + ":" + (n < 10 ? "0" : "") + n; }

  function selectDays(selector) {
    var days = [], holiday = false;
    selector.split(",").forEach(function (part) {
      if (part === "PH") { holiday = true; return; }
      var ends = part.split("-"), start = DAYS.indexOf(ends[0]), end = DAYS.indexOf(ends[1] || ends[0]);
      var count = ((end - start) % 7 + 7) % 7 + 1;
      for (var i = 0; i < count; i++) { var d = (start + i) % 7; if (days.indexOf(d) < 0) days.push(d); }
    });
    days.sort(function (a, b) { return a - b; });
    return { days: days, holiday: holiday };
  }

  function parseRule(rule) {
    if (rule === "24/7") return { selector: "", days: ALL, holiday: true, spans: [[0, 1440]] };
    var space = rule.indexOf(" ");
    var head = space < 0 ? rule : rule.slice(0, space), tail = space < 0 ? "" : rule.slice(space + 1).trim();
    var selector = "", times = rule;
    if (SELECTOR.test(head)) { selector = head; times = tail; }
    if (times === "closed") times = "off";
    if (times === "off") {
      if (!selector) return null;
      var sel = selectDays(selector);
      return { selector: selector, days: sel.days, holiday: sel.holiday, spans: [] };
    }
    if (!SPANS.test(times)) return null;
    var spans = times.split(",").map(function (s) { var p = s.split("-"); return [minutes(p[0]), minutes(p[1])]; });
    var flat = [];
    spans.forEach(function (s) { flat.push(s[0], s[1]); });
    for (var i = 1; i < flat.length; i++) if (flat[i - 1] >= flat[i]) return null;
    var chosen = selector ? selectDays(selector) : { days: ALL, holiday: true };
    return { selector: selector, days: chosen.days, holiday: chosen.holiday, spans: spans };
  }

  function parse(text) {
    if (typeof text !== "string" || !text.trim()) return null;
    var rules = [], parts = text.split(";");
    for (var i = 0; i < parts.length; i++) {
      var rule = parseRule(parts[i].trim());
      if (!rule) return null;
      rules.push(rule);
    }
    return { text: text, rules: rules };
  }

  function daySpans(hours, weekday) {
    var spans = [];
    hours.rules.forEach(function (r) { if (r.days.indexOf(weekday) >= 0) spans = r.spans; });
    return spans;
  }
  function holidaySpans(hours) {
    var spans = null;
    hours.rules.forEach(function (r) { if (r.holiday) spans = r.spans; });
    return spans;
  }
  function workdaySpans(hours, weekday) {
    for (var d = 0; d < 5; d++) if (daySpans(hours, d).length) return daySpans(hours, d);
    return daySpans(hours, weekday);
  }

  function calendar(json) {
    if (!json || !json.days) return null;
    var years = {};
    (json.years || []).forEach(function (y) { years[y] = true; });
    return { years: years, days: json.days };
  }

  function partsOf(ms) {
    var d = new Date(ms);
    var y = d.getUTCFullYear(), mo = d.getUTCMonth() + 1, da = d.getUTCDate();
    return {
      year: y, month: mo, day: da, weekday: (d.getUTCDay() + 6) % 7,
      minute: d.getUTCHours() * 60 + d.getUTCMinutes(),
      iso: y + "-" + (mo < 10 ? "0" : "") + mo + "-" + (da < 10 ? "0" : "") + da
    };
  }
  function chinaTime(date) {
    var ms = (date instanceof Date ? date : new Date()).getTime() + CHINA_OFFSET_MS;
    return partsOf(ms);
  }
  function addDays(day, n) { return partsOf(Date.UTC(day.year, day.month - 1, day.day + n)); }

  function entry(cal, iso) { return cal.days[iso] || [null, ""]; }
  function spansOn(hours, day, cal) {
    var kind = entry(cal, day.iso)[0];
    if (kind === "holiday") return holidaySpans(hours);
    if (kind === "workday") return workdaySpans(hours, day.weekday);
    return daySpans(hours, day.weekday);
  }
  function join(prefix, text) { return prefix ? prefix + " · " + text : text; }

  function until(spans, end) {
    if (end === 1440 && spans.length === 1 && spans[0][0] === 0) return "全天开放";
    var later = spans.some(function (s) { return s[0] > end; });
    if (later) return clock(end) + " " + (end >= LUNCH_FROM && end < LUNCH_TO ? "午休" : "暂停");
    return clock(end) + " 关门";
  }

  function nextOpening(hours, today, cal) {
    for (var ahead = 1; ahead <= LOOKAHEAD_DAYS; ahead++) {
      var day = addDays(today, ahead);
      if (!cal.years[day.year] && cal.years[today.year]) return "";  // no guess across a new year's holidays
      var spans = spansOn(hours, day, cal);
      if (spans === null) return "";
      if (spans.length) {
        var when = ahead < 7 ? DAY_CN[day.weekday] : day.month + "月" + day.day + "日（" + DAY_CN[day.weekday] + "）";
        return " · " + when + " " + clock(spans[0][0]) + " 开门";
      }
    }
    return "";
  }

  var HOLIDAY_UNSAID = "服务时间没有写节假日是否营业";
  var WEEKLY_ONLY = "（暂按每周服务时间，未计入{year}年节假日）";
  var NOT_OPERATING = {
    suspended: "暂停服务，暂不接待", closed: "已撤销，不再接待", pending: "尚未开始运营", building: "筹建中，尚未接待"
  };
  function status(text, cal, date, pointStatus) {
    if (Object.prototype.hasOwnProperty.call(NOT_OPERATING, pointStatus)) return { state: "closed", text: NOT_OPERATING[pointStatus] };
    if (pointStatus === "unknown") return { state: "unknown", text: "服务状态待核实" };
    if (typeof text !== "string" || !text.trim()) return { state: "unknown", text: "服务时间待补充" };
    var hours = parse(text);
    if (!hours) return { state: "unknown", text: "服务时间无法识别" };
    if (!cal) return { state: "unknown", text: "暂时无法读取节假日表，无法判断是否营业" };
    var today = chinaTime(date), minute = today.minute;
    var e = entry(cal, today.iso), kind = e[0], name = e[1];
    var prefix = kind === "holiday" ? "今天是" + name + "假期" : kind === "workday" ? "今天调休上班" : "";
    var spans = spansOn(hours, today, cal);
    if (spans === null) return { state: "unknown", text: join(prefix, HOLIDAY_UNSAID) };
    // A year without its holiday table: the weekly hours answer, saying they leave that year's holidays out.
    var note = cal.years[today.year] ? "" : WEEKLY_ONLY.replace("{year}", today.year);
    for (var i = 0; i < spans.length; i++) {
      if (spans[i][0] <= minute && minute < spans[i][1]) {
        return { state: "open", text: join(prefix, "营业中 · " + until(spans, spans[i][1])) + note };
      }
    }
    var later = spans.filter(function (s) { return s[0] > minute; }).map(function (s) { return s[0]; });
    var ended = spans.filter(function (s) { return s[1] <= minute; }).map(function (s) { return s[1]; });
    if (later.length && ended.length) {
      var last = Math.max.apply(null, ended);
      var word = last >= LUNCH_FROM && last < LUNCH_TO ? "午休中" : "暂停服务";
      return { state: "closed", text: join(prefix, word + " · " + clock(later[0]) + " 开门") + note };
    }
    if (later.length) return { state: "closed", text: join(prefix, "已关门 · 今天 " + clock(later[0]) + " 开门") + note };
    return { state: "closed", text: join(prefix, "已关门" + nextOpening(hours, today, cal)) + note };
  }

  var scriptSrc = document.currentScript ? document.currentScript.src : "";
  var pending = null;
  function loadCalendar(url) {
    if (pending && !url) return pending;
    var where = url || new URL("servicepoints-holidays.json", scriptSrc || document.baseURI).href;
    var p = fetch(where).then(function (r) { return r.ok ? r.json() : null; })
      .then(calendar).catch(function () { return null; });
    if (!url) pending = p;
    return p;
  }

  function badge(el, cal, date) {
    var s = status(el.getAttribute("data-sp-hours"), cal, date, el.getAttribute("data-sp-status") || null);
    el.textContent = s.text;
    el.setAttribute("data-open-state", s.state);
    el.hidden = false;
    return s;
  }

  function renderAll(root, date) {
    return loadCalendar().then(function (cal) {
      var els = (root || document).querySelectorAll("[data-sp-hours]");
      for (var i = 0; i < els.length; i++) badge(els[i], cal, date);
      return els.length;
    });
  }

  window.ServicepointsHours = {
    parse: parse, calendar: calendar, loadCalendar: loadCalendar, chinaTime: chinaTime,
    status: status, badge: badge, renderAll: renderAll
  };

  function start() {
    renderAll();
    setInterval(function () { renderAll(); }, 60 * 1000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
