"""Benchmarks (``make bench``): validate, build, page weight and nearest-point speed at 182, 2,000
and 20,000 synthetic points, against a bare mkdocs-material build and folium's naive map page.

Registries are generated in a temporary folder on tmpfs (/dev/shm when there is one), never in data/.
Our build and the bare build run interleaved (ours, bare, ours, bare, ...), so a machine shared with
other work slows both alike; every figure is the median of ``--runs`` runs (3 by default), and the
load average is recorded with it. The results go to stdout and BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import http.server
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import synth

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MKDOCS_YML = ROOT / "mkdocs.yml"
NOTES = "\n## Notes\n"  # BENCHMARKS.md keeps its hand-written notes from this heading on


def load_average() -> float:
    """The one-minute load average (this machine has other users)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(cmd: list[str], cwd: Path, exit_code: int = 0) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run, via GNU time. The peak is the largest single process's:
    worker processes are counted on their own, not added to the parent's."""
    out = cwd / ".time"
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", "-o", str(out), *cmd],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if done.returncode != exit_code:
        raise SystemExit(f"bench: {' '.join(cmd)} exited {done.returncode}, expected {exit_code}")
    wall, peak = out.read_text().split()[-2:]
    return float(wall), int(peak) / 1024


def summary(walls: list[float], peaks: list[float], loads: list[float]) -> dict:
    return {"seconds": statistics.median(walls), "peak_mb": max(peaks), "runs": walls, "load": loads}


def measure(cmd: list[str], cwd: Path, runs: int, exit_code: int = 0) -> dict:
    """Median wall seconds and the largest peak RSS (MB) of ``runs`` runs."""
    walls, peaks, loads = [], [], []
    for _ in range(runs):
        loads.append(load_average())
        wall, peak = timed(cmd, cwd, exit_code)
        walls.append(wall)
        peaks.append(peak)
    return summary(walls, peaks, loads)


def interleaved(commands: dict[str, tuple[list[str], Path]], runs: int) -> dict[str, dict]:
    """Run each command once per round, ``runs`` rounds; a median and peak per command."""
    seen = {name: ([], [], []) for name in commands}
    for _ in range(runs):
        for name, (cmd, cwd) in commands.items():
            walls, peaks, loads = seen[name]
            loads.append(load_average())
            wall, peak = timed(cmd, cwd)
            walls.append(wall)
            peaks.append(peak)
    return {name: summary(*values) for name, values in seen.items()}


def bare_project(root: Path, pages: int) -> Path:
    """A mkdocs-material site of ``pages`` trivial pages, same theme settings, pages out of the nav."""
    project = root / "bare"
    shutil.rmtree(project, ignore_errors=True)
    (project / "docs" / "points").mkdir(parents=True)
    (project / "docs" / "index.md").write_text("# 首页\n\n中山市知识产权公共服务网点。\n", encoding="utf-8")
    for n in range(pages - 1):
        (project / "docs" / "points" / f"p{n}.md").write_text(
            f"# 测试网点 {n}\n\n这是第 {n} 个网点的页面。\n", encoding="utf-8"
        )
    theme = MKDOCS_YML.read_text(encoding="utf-8").split("theme:")[1].split("\nextra_css:")[0]
    (project / "mkdocs.yml").write_text(
        f"site_name: bare\nsite_url: http://127.0.0.1/\ntheme:{theme}\nplugins:\n  - search\n"
        "not_in_nav: |\n  /points/\nnav:\n  - index.md\n",
        encoding="utf-8",
    )
    shutil.rmtree(project / "site_templates", ignore_errors=True)
    (project / "site_templates" / "theme").mkdir(parents=True)
    return project


NAIVE = """
import sys, json, folium
from folium.plugins import MarkerCluster
features = json.load(open(sys.argv[1], encoding="utf-8"))["features"]
m = folium.Map(location=[22.49, 113.42], zoom_start=10)
cluster = MarkerCluster().add_to(m)
for f in features:
    if f["geometry"]:
        lon, lat = f["geometry"]["coordinates"]
        name = f["properties"]["name"]
        folium.Marker([lat, lon], popup=folium.Popup(name), tooltip=name).add_to(cluster)
m.save(sys.argv[2])
"""


def folium_naive(site: Path, work: Path, runs: int) -> dict:
    script = work / "naive.py"
    script.write_text(NAIVE, encoding="utf-8")
    result = measure(
        [str(BIN / "python"), str(script), str(site / "opendata" / "points.geojson"), str(work / "naive.html")],
        work,
        runs,
    )
    return result | {"html_kb": (work / "naive.html").stat().st_size / 1024}


def weights(site: Path, count: int) -> dict:
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    geojson = (site / "opendata" / "points.geojson").read_bytes()
    return {
        "site_mb": total / 2**20,
        "pages": sum(1 for _ in site.rglob("index.html")),
        "map_html_kb": (site / "map" / "index.html").stat().st_size / 1024,
        "geojson_kb": len(geojson) / 1024,
        "search_index_mb": (site / "search" / "search_index.json").stat().st_size / 2**20,
        "geojson_gzip_kb": len(gzip.compress(geojson, 9)) / 1024,
        "gzip_bytes_per_point": len(gzip.compress(geojson, 9)) / count,
        "largest_page": max((p.stat().st_size, p.relative_to(site).as_posix()) for p in site.rglob("*.html")),
        "need_data": max(
            ((len(b := p.read_bytes()), len(gzip.compress(b, 9))) for p in site.glob("find/*/points.json")),
            default=(0, 0),
        ),
    }


CLICK_TO_LIST = """() => new Promise(done => {
const list = document.getElementById('nearest');
list.textContent = '';
const t0 = performance.now();
new MutationObserver((_, obs) => { obs.disconnect(); done(performance.now() - t0); })
  .observe(list, {childList: true});
document.getElementById('find-nearest').click();
})"""
READY = "document.documentElement.getAttribute('data-map-ready')"
MARKS = (  # the map script's own milestones (performance.mark), ms since navigation start
    "Object.fromEntries(performance.getEntriesByType('mark').filter(m => m.name.startsWith('sp-map:'))"
    ".map(m => [m.name.slice(7), Math.round(m.startTime)]))"
)
CHROMIUM = "/usr/bin/chromium"  # Debian's, driven by Playwright (a test dependency)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the request log is not a result
        pass


def map_ready(site: Path, runs: int, width: int = 1280, height: int = 900) -> dict | None:
    """The map's own part of the benchmark: how soon the map page is usable, on the page's clock.

    Cold cache, tiles blocked (this machine cannot reach them; they do not gate the map), geolocation
    mocked. Wall times are on the page's clock; ``*_cpu_ms`` is the page's main-thread CPU time up to
    the same moment (Chromium's ThreadTime), which other load on a shared machine does not stretch.
    ``ready_ms``: navigation start to ``html[data-map-ready]`` (data fetched and parsed, clusters
    indexed, first view and markers drawn). ``town_ready_ms``: the same for ``#town=xiaolan``, which also
    computes and lists the nearest points and the town's list before it sets the attribute, i.e. usable
    with nearest computed. ``click_ms``: click on "find nearest" to the list, with the page already ready.
    Medians of ``runs`` fresh page loads each."""
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    args += ["--disable-sync", "--no-first-run"]
    result: dict = {"ready_ms": [], "town_ready_ms": [], "click_ms": [], "click_cpu_ms": [], "width": width}
    tiles = ("is.autonavi.com", "tianditu.gov.cn")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
            context = browser.new_context(
                viewport={"width": width, "height": height},
                geolocation={"latitude": 22.52, "longitude": 113.38, "accuracy": 5},
                permissions=["geolocation"],
            )
            context.route(lambda url: (urlparse(url).hostname or "").endswith(tiles), lambda route: route.abort())
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

            def thread_time() -> float:
                return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}["ThreadTime"]

            for run in range(runs + 1):  # the first round warms Chromium up and is not counted
                for key, fragment in (("ready_ms", ""), ("town_ready_ms", "#town=xiaolan")):
                    page.goto("about:blank")
                    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
                    page.goto(f"{origin}/map/{fragment}", wait_until="commit")
                    try:
                        page.wait_for_function(READY, timeout=60_000)
                    except PlaywrightTimeout:
                        raise SystemExit("bench: the map never set data-map-ready") from None
                    cpu = thread_time()
                    cdp.send("Performance.disable")
                    if run:
                        result[key].append(float(page.evaluate(READY)))
                        result.setdefault(key.replace("_ms", "_cpu_ms"), []).append(cpu * 1000)
                        result.setdefault(key.replace("_ms", "_marks"), []).append(page.evaluate(MARKS))
                cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
                before = thread_time()
                click = page.evaluate(CLICK_TO_LIST)
                after = thread_time()
                cdp.send("Performance.disable")
                if run:
                    result["click_ms"].append(click)
                    result["click_cpu_ms"].append((after - before) * 1000)
            browser.close()
        result["points_json_kb"] = (site / "map" / "points.json").stat().st_size / 1024
    finally:
        httpd.shutdown()
    result["load_average"] = os.getloadavg()[0]  # other work on the machine stretches the wall times
    for key in ("ready_ms", "town_ready_ms", "click_ms", "ready_cpu_ms", "town_ready_cpu_ms", "click_cpu_ms"):
        result[key + "_median"] = statistics.median(result[key])
    for key in ("ready_marks", "town_ready_marks"):
        result[key + "_median"] = {m: statistics.median(r[m] for r in result[key]) for m in result[key][0]}
    return result


def validation_with_planted(work: Path, count: int, runs: int) -> dict:
    """Plant problems in a registry, validate, and check every planted (file, code) is reported."""
    data, planted = synth.make(work, count, plant_every=997)
    report = subprocess.run(
        [str(BIN / "servicepoints"), "validate", "--data", str(data), "--format", "json"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    found = {(p["file"], p["code"]) for p in json.loads(report.stdout)["problems"]}
    shown = {(os.path.relpath(path, work), code) for path, code in planted}
    timing = measure([str(BIN / "servicepoints"), "validate", "--data", str(data)], work, runs, exit_code=1)
    return timing | {"planted": len(shown), "reported": len(shown & found), "missed": sorted(shown - found)}


def import_dry_run(work: Path, count: int, runs: int) -> dict:
    """``servicepoints import`` (dry run) of the whole city's fill-in workbook at ``count`` points, returned
    with every tenth record's phone and hours changed and 20 new points (written through openpyxl, as
    another program would)."""
    import openpyxl

    data, _ = synth.make(work, count)
    sheet = work / "all.xlsx"
    command = [str(BIN / "servicepoints"), "sheet", "--data", str(data), "--out", str(sheet)]
    subprocess.run(command, cwd=work, check=True, stdout=subprocess.DEVNULL)
    book = openpyxl.load_workbook(sheet)
    rows = book["网点"]
    titles = [c.value for c in rows[1]]
    phone, hours = titles.index("联系电话") + 1, titles.index("服务时间") + 1
    last = rows.max_row
    for r in range(2, last + 1, 10):
        rows.cell(r, phone).value = f"0760-8{r:07d}"
        rows.cell(r, hours).value = "Mo-Fr 09:00-12:00,13:30-17:00; PH off"
    for n in range(20):
        new = {"名称": f"基准测试新网点{n}", "网点类型": "其他机构类服务网点", "所在镇街": "小榄镇"}
        new["服务状态"] = "运营中"
        for title, value in new.items():
            rows.cell(last + 1 + n, titles.index(title) + 1).value = value
    book.save(sheet)
    import resource

    def cpu() -> float:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    before = cpu()
    timing = measure([str(BIN / "servicepoints"), "import", str(sheet), "--data", str(data)], work, runs)
    timing["cpu"] = (cpu() - before) / runs
    return timing | {"points": count, "rows": last - 1 + 20, "changed": len(range(2, last + 1, 10)), "new": 20}


def import_line(row: dict) -> str:
    return (
        f"Import of a {row['rows']:,}-row fill-in workbook (dry run: {row['changed']} changed records, {row['new']} "
        f"new points, every cell read and every touched record validated; {row['points']:,} points in the "
        f"registry): {row['seconds']:.2f} s (CPU {row['cpu']:.2f} s per run, load average "
        f"{max(row['load']):.1f}), {row['peak_mb']:.0f} MB peak (target ≤5 s)."
    )


def run_size(count: int, work: Path, runs: int, naive: bool = True) -> dict:
    data, _ = synth.make(work, count)
    out = work / "site"
    row = {"points": count}
    row["validate"] = measure([str(BIN / "servicepoints"), "validate", "--data", str(data)], work, runs)
    build = [str(BIN / "servicepoints"), "build", "--data", str(data), "--out", str(out), "--config", str(MKDOCS_YML)]
    timed(build, work)  # once first, to count the pages the bare build must match
    pages = sum(1 for _ in out.rglob("index.html"))
    bare = bare_project(work, pages)
    bare_build = [str(BIN / "mkdocs"), "build", "-q", "-f", str(bare / "mkdocs.yml")]
    both = interleaved({"build": (build, work), "bare": (bare_build, bare)}, runs)
    row["build"], row["bare"] = both["build"], both["bare"]
    row["weights"] = weights(out, count)
    row["ratio"] = row["build"]["seconds"] / row["bare"]["seconds"]
    row["naive"] = folium_naive(out, work, runs) if naive else {"seconds": float("nan"), "html_kb": float("nan")}
    return row


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem) / 2**20, 1),
        "python": platform.python_version(),
        "date": dt.date.today().isoformat(),
    }


def fmt(rows: list[dict], planted: dict, browser: dict | None, info: dict, runs: int, intake: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` (scripts/bench.py) on {info['date']}: {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gb']} GB, Python {info['python']}, on tmpfs. Each time is the median of {runs} runs, ours "
        "and the bare build interleaved; memory is the largest peak RSS of one process in those runs. The bare "
        "build is mkdocs-material with our theme settings and the same number of one-line pages outside the nav. "
        "Synthetic registries spread over the 23 towns and all types.",
        "",
        "| points | validate s | validate MB | build s | build MB | bare mkdocs s | build ÷ bare | pages | site MB "
        "| search index MB | map HTML KB | GeoJSON KB | gzip KB | gzip B/point | folium naive s | naive HTML KB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        w = r["weights"]
        lines.append(
            f"| {r['points']:,} | {r['validate']['seconds']:.1f} | {r['validate']['peak_mb']:.0f} | "
            f"{r['build']['seconds']:.1f} | {r['build']['peak_mb']:.0f} | {r['bare']['seconds']:.1f} | "
            f"{r['ratio']:.2f} | {w['pages']:,} | {w['site_mb']:.1f} | {w['search_index_mb']:.1f} | "
            f"{w['map_html_kb']:.1f} | "
            f"{w['geojson_kb']:.0f} | "
            f"{w['geojson_gzip_kb']:.0f} | {w['gzip_bytes_per_point']:.0f} | {r['naive']['seconds']:.1f} | "
            f"{r['naive']['html_kb']:,.0f} |"
        )
    lines += ["", "Every run, in order, with the one-minute load average when it started (the machine is shared):", ""]
    for r in rows:
        pairs = zip(r["build"]["runs"], r["build"]["load"], r["bare"]["runs"], r["bare"]["load"], strict=True)
        shown = "; ".join(f"ours {a:.1f} s (load {la:.1f}), bare {b:.1f} s (load {lb:.1f})" for a, la, b, lb in pairs)
        lines.append(f"- {r['points']:,} points: {shown}.")
    if len(rows) > 1:
        growth = rows[-1]["build"]["seconds"] / rows[-2]["build"]["seconds"]
        lines += [
            "",
            f"Build growth from {rows[-2]['points']:,} to {rows[-1]['points']:,} points: ×{growth:.1f} "
            f"(×{rows[-1]['points'] / rows[-2]['points']:.0f} points).",
        ]
    pages = "; ".join(
        f"{r['points']:,} points: {size / 1024:.0f} KB (`{path}`), the need-finder's largest points.json "
        f"{raw / 1024:.0f} KB ({packed / 1024:.0f} KB gzipped)"
        for r in rows
        for (size, path), (raw, packed) in [(r["weights"]["largest_page"], r["weights"]["need_data"])]
    )
    lines += ["", f"Largest HTML page (target <200 KB for need, town and type pages, issue 27): {pages}."]
    lines += [
        "",
        f"Validation of {planted['points']:,} records with {planted['planted']} planted problems: "
        f"{planted['seconds']:.1f} s, {planted['reported']}/{planted['planted']} reported"
        + (f", missed: {planted['missed']}" if planted["missed"] else "")
        + ".",
    ]
    lines += ["", import_line(intake)]
    if browser:
        lines += [
            "",
            f"Map in headless Chromium at {rows[-1]['points']:,} points ({browser['width']} px, cold cache, "
            f"tiles blocked, median of {len(browser['ready_ms'])} loads): data-map-ready "
            f"{browser['ready_ms_median']:.0f} ms after navigation; with `#town=` (nearest computed and listed "
            f"before ready) {browser['town_ready_ms_median']:.0f} ms; click to nearest list "
            f"{browser['click_ms_median']:.1f} ms (CPU {browser['click_cpu_ms_median']:.0f} ms); "
            f"main-thread CPU to ready {browser['ready_cpu_ms_median']:.0f} ms "
            f"(`#town=`: {browser['town_ready_cpu_ms_median']:.0f} ms); map/points.json "
            f"{browser['points_json_kb']:,.0f} KB; load average {browser['load_average']:.1f} while measuring.",
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="182,2000,20000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--map-only", metavar="SITE", help="only measure the map on this built site; print JSON")
    parser.add_argument("--no-naive", action="store_true", help="skip folium's naive map page")
    parser.add_argument("--import-only", action="store_true", help="only measure the 2,000-row import; print it")
    args = parser.parse_args()
    if args.map_only:
        print(json.dumps(map_ready(Path(args.map_only), args.runs), ensure_ascii=False))
        return 0
    tmpfs = "/dev/shm" if Path("/dev/shm").is_dir() else None
    if args.import_only:
        with tempfile.TemporaryDirectory(prefix="servicepoints-bench-", dir=tmpfs) as tmp:
            print(import_line(import_dry_run(Path(tmp), 2000, args.runs)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="servicepoints-bench-", dir=tmpfs) as tmp:
        for count in sizes:
            work = Path(tmp) / str(count)
            work.mkdir()
            rows.append(run_size(count, work, args.runs, naive=not args.no_naive))
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
            Path(args.out).with_suffix(".partial.json").write_text(json.dumps(rows), encoding="utf-8")
        browser = map_ready(Path(tmp) / str(sizes[-1]) / "site", args.runs)
        planted_work = Path(tmp) / "planted"
        planted_work.mkdir()
        planted = validation_with_planted(planted_work, sizes[-1], args.runs) | {"points": sizes[-1]}
        intake_work = Path(tmp) / "import"
        intake_work.mkdir()
        intake = import_dry_run(intake_work, 2000, args.runs)
    text = fmt(rows, planted, browser, machine(), args.runs, intake)
    print(text)
    out = Path(args.out)
    notes = out.read_text(encoding="utf-8").partition(NOTES)[2] if out.is_file() else ""
    out.write_text(text + (NOTES + notes if notes else ""), encoding="utf-8")
    Path(args.out).with_suffix(".partial.json").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
