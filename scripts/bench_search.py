"""Search at scale (issue 27, part 1): what a reader's first query fetches and how long it takes to answer.

For each query, a fresh browser context (cold cache) opens the home page of a built site served on 127.0.0.1,
the CPU is throttled 4× (Chrome DevTools Protocol Emulation.setCPUThrottlingRate, as a mid-range phone), the
search box is focused and the query inserted at once (as a paste or an IME commit does). Measured:

- ``ms``: from the insertion to the first answer drawn in the dialog (results or 没有找到), on the page's clock;
- ``bytes``: every response body the search brought (search index, term shards, document files, and the
  worker script, fetched when the page loads), as served: uncompressed (http.server does not compress);
  ``gzip_bytes`` what the same files weigh gzipped (level 6), for a host that compresses JSON;
- ``before_open``: requests for anything under search/ before the box was focused (must be none).

``python scripts/bench_search.py SITE [--runs 3]`` prints the figures as JSON; ``bench.py`` calls ``columns``.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = "/usr/bin/chromium"
THROTTLE = 4
WORKER = "assets/javascripts/workers/"
ANSWERED = (
    "() => { const m = document.querySelector('.md-search-result__meta');"
    " return m && /符合条件|没有找到/.test(m.textContent); }"
)
WATCH = """() => { window.spAnswered = null;
  const meta = document.querySelector('.md-search-result__meta');
  new MutationObserver(() => { if (window.spAnswered === null && /符合条件|没有找到/.test(meta.textContent))
    window.spAnswered = performance.now(); }).observe(meta, {childList: true, characterData: true, subtree: true}); }"""
RESULTS = (
    "() => [...document.querySelectorAll('.md-search-result__item')].slice(0, 3).map(li => "
    "new URL(li.querySelector('a').href).pathname)"
)


def default_queries(site: Path) -> dict[str, str]:
    """The issue's queries, plus one point's exact name and one town's name taken from the site itself."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    queries = {"town and need": "小榄 商标", "need": "专利侵权", "town": "古镇镇"}
    manifest = index["config"].get("servicepoints")
    if manifest:  # the split index: its last file ends with a point page
        last = max(int(p.stem) for p in (site / "search" / "d").glob("*.json"))
        rows = json.loads((site / "search" / "d" / f"{last}.json").read_text(encoding="utf-8"))
        name = next(title for location, title, _, _ in reversed(rows) if location.startswith("points/"))
    else:  # Material's whole index
        name = next(d["title"] for d in reversed(index["docs"]) if d["location"].startswith("points/"))
    queries["point name"] = name.replace("\u200b", "")
    return queries


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _one(browser, origin: str, site: Path, query: str) -> dict:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    fetched: list[str] = []
    opened = [False]
    early: list[str] = []

    def seen(response) -> None:
        path = urlparse(response.url).path.lstrip("/")
        if path.startswith("search/") or path.startswith(WORKER):
            fetched.append(path)
            if path.startswith("search/") and not opened[0]:
                early.append(path)

    context.on("response", seen)
    page = context.new_page()
    page.goto(f"{origin}/")
    page.wait_for_load_state("networkidle")
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    page.evaluate(WATCH)
    opened[0] = True
    page.click("label[for=__search]")
    page.focus("input[data-md-component=search-query]")
    start = page.evaluate("performance.now()")
    page.keyboard.insert_text(query)
    page.wait_for_function(ANSWERED, timeout=120_000)
    page.wait_for_function("() => window.spAnswered !== null", timeout=10_000)
    elapsed = page.evaluate("window.spAnswered") - start
    page.wait_for_load_state("networkidle")
    top = page.evaluate(RESULTS)
    meta = page.locator(".md-search-result__meta").inner_text()
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    context.close()
    paths = sorted(set(fetched))
    raw = [(site / p).read_bytes() for p in paths if (site / p).is_file()]
    return {
        "ms": elapsed,
        "bytes": sum(len(b) for b in raw),
        "gzip_bytes": sum(len(gzip.compress(b, 6, mtime=0)) for b in raw),
        "files": len(paths),
        "before_open": early,
        "top": top,
        "meta": meta,
    }


def measure(site: Path, runs: int = 3, queries: dict[str, str] | None = None) -> dict | None:
    """Median figures per query over ``runs`` cold loads (None without Playwright or Chromium)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    site = Path(site)
    queries = queries or default_queries(site)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    out: dict = {"throttle": THROTTLE, "load_average": os.getloadavg()[0], "queries": {}}
    try:
        with sync_playwright() as playwright:
            args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
            _one(browser, origin, site, "中山")  # warm Chromium up; not counted
            for label, query in queries.items():
                rows = [_one(browser, origin, site, query) for _ in range(runs)]
                out["queries"][label] = {
                    "query": query,
                    "ms_median": statistics.median(r["ms"] for r in rows),
                    "ms": [round(r["ms"]) for r in rows],
                    "bytes": max(r["bytes"] for r in rows),
                    "gzip_bytes": max(r["gzip_bytes"] for r in rows),
                    "files": max(r["files"] for r in rows),
                    "before_open": sorted({p for r in rows for p in r["before_open"]}),
                    "top": rows[-1]["top"],
                    "meta": rows[-1]["meta"],
                }
            browser.close()
    finally:
        httpd.shutdown()
    out["load_average_after"] = os.getloadavg()[0]
    return out


def columns(built) -> dict[str, str]:
    """bench.py's table cells (its EXTRAS): the worst of the queries, in bytes (uncompressed, and gzipped) and in
    median time to the first answer at 4× throttling, with the load average while measuring."""
    result = measure(built.site, built.runs)
    if result is None:
        return {"search KB": "n/a", "search ms at 4×": "n/a"}
    rows = result["queries"].values()
    kb = max(r["bytes"] for r in rows) / 1000
    gz = max(r["gzip_bytes"] for r in rows) / 1000
    ms = max(r["ms_median"] for r in rows)
    load = max(result["load_average"], result["load_average_after"])
    return {"search KB": f"{kb:.0f} ({gz:.0f} gzip)", "search ms at 4×": f"{ms:.0f} (load {load:.1f})"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--query", action="append", help="a query of your own (repeatable); default: the issue's")
    args = parser.parse_args()
    queries = {q: q for q in args.query} if args.query else None
    print(json.dumps(measure(args.site, args.runs, queries), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
