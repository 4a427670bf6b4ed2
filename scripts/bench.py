"""Benchmarks (``make bench``): validate, build, page weight and nearest-point speed at 182, 2,000
and 20,000 synthetic points, against a bare mkdocs-material build and folium's naive map page.

Registries are generated in a temporary folder on tmpfs (/dev/shm when there is one), never in data/.
Our build and the bare build run interleaved (ours, bare, ours, bare, ...), so a machine shared with
other work slows both alike; every figure is the median of ``--runs`` runs (3 by default), and the
load average is recorded with it. The results go to stdout and BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import bench_preview
import bench_search
import synth

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MKDOCS_YML = ROOT / "mkdocs.yml"
NOTES = "\n## Notes\n"  # BENCHMARKS.md keeps its hand-written notes from this heading on


def load_average() -> float:
    """The one-minute load average (this machine has other users)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def children(pid: int) -> list[int]:
    """The live children of process ``pid``, from every one of its threads' /proc children lists."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    out, todo = [], children(pid)
    while todo:
        child = todo.pop()
        out.append(child)
        todo += children(child)
    return out


def process_sample(pid: int) -> tuple[str, float, int, int] | None:
    """(identity, CPU seconds used so far, RSS bytes, PSS bytes) of one live process, or None once it is gone.
    The identity is the pid with its start time, so a reused pid is a new process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (OSError, ValueError, IndexError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: this process's own
    pss = next((int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Pss:")), rss)
    return f"{pid}:{fields[19]}", cpu, rss, pss


class TreeWatch:
    """Samples a process tree from /proc every ``interval`` seconds while it runs: the largest sum of RSS over
    its live processes (what the tree holds at once; pages a forked worker shares with its parent count in
    both), the same for PSS (each shared page split between its sharers), and the CPU each process was last
    seen to have used: their sum (``seen_cpu``) is at most what GNU time reports when every child is waited
    for, so a larger sum shows unreaped work that time would miss."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval = pid, interval
        self.tree_rss = self.tree_pss = 0
        self.cpu: dict[str, float] = {}
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        rss = pss = 0
        for pid in descendants(self.pid):
            seen = process_sample(pid)
            if seen is None:
                continue
            key, cpu, r, p = seen
            self.cpu[key] = cpu
            rss, pss = rss + r, pss + p
        self.tree_rss, self.tree_pss = max(self.tree_rss, rss), max(self.tree_pss, pss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seen_cpu(self) -> float:
        return sum(self.cpu.values())


@dataclass
class Run:
    """One run of a command: wall seconds, CPU seconds of the process tree (user + sys, as GNU time counts
    them: the command and every child it waited for), the largest single process's peak RSS (GNU time's
    %M), the tree's peak RSS and PSS sampled from /proc (MiB), the CPU the samples saw, and the load average
    when it started."""

    wall: float
    cpu: float
    peak_mb: float
    tree_mb: float
    tree_pss_mb: float
    seen_cpu: float
    load: float


def timed(cmd: list[str], cwd: Path, exit_code: int = 0, env: dict[str, str] | None = None) -> Run:
    """One run of ``cmd`` under GNU time, its process tree watched from /proc; ``env``: added to ours."""
    out = cwd / ".time"
    load = load_average()
    process = subprocess.Popen(
        ["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(out), *cmd],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | env if env else None,
    )
    watch = TreeWatch(process.pid)
    returncode = process.wait()
    watch.stop()
    if returncode != exit_code:
        raise SystemExit(f"bench: {' '.join(cmd)} exited {returncode}, expected {exit_code}")
    wall, user, system, peak = out.read_text().split()[-4:]
    return Run(
        wall=float(wall),
        cpu=float(user) + float(system),
        peak_mb=int(peak) / 1024,
        tree_mb=watch.tree_rss / 2**20,
        tree_pss_mb=watch.tree_pss / 2**20,
        seen_cpu=watch.seen_cpu,
        load=load,
    )


def summary(runs: list[Run]) -> dict:
    """Medians of time and CPU, the largest memory of all runs, and every run as it was."""
    return {
        "seconds": statistics.median(r.wall for r in runs),
        "cpu": statistics.median(r.cpu for r in runs),
        "peak_mb": max(r.peak_mb for r in runs),
        "tree_mb": max(r.tree_mb for r in runs),
        "tree_pss_mb": max(r.tree_pss_mb for r in runs),
        "runs": [r.wall for r in runs],
        "load": [r.load for r in runs],
        "each": [dataclasses.asdict(r) for r in runs],
    }


def measure(cmd: list[str], cwd: Path, runs: int, exit_code: int = 0) -> dict:
    """Median wall seconds and the largest peak RSS (MB) of ``runs`` runs."""
    return summary([timed(cmd, cwd, exit_code) for _ in range(runs)])


def interleaved(commands: dict[str, tuple[list[str], Path]], runs: int) -> dict[str, dict]:
    """Run each command once per round, ``runs`` rounds; a summary per command."""
    seen: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (cmd, cwd) in commands.items():
            seen[name].append(timed(cmd, cwd))
    return {name: summary(values) for name, values in seen.items()}


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


def _size(path: Path) -> float:
    return path.stat().st_size if path.is_file() else float("nan")


def weights(site: Path, count: int) -> dict:
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    geojson = (site / "opendata" / "points.geojson").read_bytes()
    return {
        "site_mb": total / 2**20,
        "pages": sum(1 for _ in site.rglob("index.html")),
        "map_html_kb": (site / "map" / "index.html").stat().st_size / 1024,
        "geojson_kb": len(geojson) / 1024,
        "search_index_mb": _size(site / "search" / "search_index.json") / 2**20,
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
    timing = measure([str(BIN / "servicepoints"), "import", str(sheet), "--data", str(data)], work, runs)
    return timing | {"points": count, "rows": last - 1 + 20, "changed": len(range(2, last + 1, 10)), "new": 20}


def import_line(row: dict) -> str:
    return (
        f"Import of a {row['rows']:,}-row fill-in workbook (dry run: {row['changed']} changed records, {row['new']} "
        f"new points, every cell read and every touched record validated; {row['points']:,} points in the "
        f"registry): {row['seconds']:.2f} s (CPU {row['cpu']:.2f} s per run, load average "
        f"{max(row['load']):.1f}), {row['peak_mb']:.0f} MB peak (target ≤5 s)."
    )


@dataclass
class Built:
    """What a measurement beyond the build gets: one size's registry, the site built from it (by the last of
    the interleaved builds), a folder of its own to work in, and the number of runs asked for."""

    count: int
    data: Path
    site: Path
    work: Path
    runs: int


MAPS: dict[int, dict | None] = {}  # points -> map_ready's whole result, for the detailed line


def map_columns(built: Built) -> dict[str, str]:
    """The map page's readiness, on the page's clock (see map_ready): median wall and main-thread CPU."""
    result = MAPS[built.count] = map_ready(built.site, built.runs)
    if result is None:
        return {"map-ready ms": "n/a", "map CPU ms": "n/a"}
    return {"map-ready ms": f"{result['ready_ms_median']:.0f}", "map CPU ms": f"{result['ready_cpu_ms_median']:.0f}"}


# The one place where measurements beyond the build join the table, each at every size: a function of Built
# giving its columns (title -> cell), in order. scripts/bench_search.py and scripts/bench_preview.py add theirs
# here with one line each.
EXTRAS: list[Callable[[Built], dict[str, str]]] = [map_columns, bench_search.columns, bench_preview.columns]


def run_size(count: int, work: Path, runs: int, naive: bool = True) -> dict:
    data, _ = synth.make(work, count)
    out = work / "site"
    row: dict = {"points": count}
    row["validate"] = measure([str(BIN / "servicepoints"), "validate", "--data", str(data)], work, runs)
    build = [str(BIN / "servicepoints"), "build", "--data", str(data), "--out", str(out), "--config", str(MKDOCS_YML)]
    timed(build, work)  # once first, to count the pages the bare build must match (and fill the cache)
    pages = sum(1 for _ in out.rglob("index.html"))
    bare = bare_project(work, pages)
    bare_build = [str(BIN / "mkdocs"), "build", "-q", "-f", str(bare / "mkdocs.yml")]
    both = interleaved({"build": (build, work), "bare": (bare_build, bare)}, runs)
    row["build"], row["bare"] = both["build"], both["bare"]
    row["weights"] = weights(out, count)
    row["ratio"] = row["build"]["seconds"] / row["bare"]["seconds"]
    row["cpu_ratio"] = row["build"]["cpu"] / row["bare"]["cpu"]
    # The counted runs find the project's cache filled (core/cache.py), as bare finds jieba's own: once
    # more without it, for the build a fresh clone makes first.
    row["uncached"] = dataclasses.asdict(timed(build, work, env={"SERVICEPOINTS_CACHE": "off"}))
    row["naive"] = folium_naive(out, work, runs) if naive else {"seconds": float("nan"), "html_kb": float("nan")}
    built = Built(count, data, out, work / "extras", runs)
    built.work.mkdir(exist_ok=True)
    row["extras"] = {}
    for extra in EXTRAS:
        row["extras"] |= extra(built)
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


CPU_TARGET = 1.3  # issue 27: total CPU of the build at most 1.3× the bare build's, at 2,000 and 20,000 points
MEMORY_TARGET = 500  # MiB, issue 27: peak memory of the whole process tree at 20,000 points


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def _cells(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def run_text(run: dict) -> str:
    return (
        f"{run['wall']:.1f} s, CPU {run['cpu']:.1f} s (seen {run['seen_cpu']:.1f}), "
        f"{run['peak_mb']:.0f}/{run['tree_mb']:.0f}/{run['tree_pss_mb']:.0f} MiB (load {run['load']:.1f})"
    )


def fmt(rows: list[dict], planted: dict, browser: dict | None, info: dict, runs: int, intake: dict) -> str:
    extras = list(dict.fromkeys(title for r in rows for title in r.get("extras", {})))
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` (scripts/bench.py) on {info['date']}: {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gb']} GB, Python {info['python']}, on tmpfs. Ours and the bare build run interleaved, "
        f"{runs} runs each; times and CPU are medians, memory the largest of those runs. The bare build is "
        "mkdocs-material with our theme settings and the same number of one-line pages outside the nav. "
        "Synthetic registries spread over the 23 towns and all types.",
        "",
        "- **CPU**: user + system seconds of the whole process tree, as GNU time reports them (`%U + %S`: the "
        "command and every child process it waited for; our build waits for each worker and background process "
        "it forks, and the CPU each process was seen to use, sampled from /proc, never exceeds it).",
        "- **Memory**, MiB: *largest process* is GNU time's `%M`, the peak RSS of the largest single process; "
        "*tree RSS* is the largest sum of RSS over the tree's live processes, sampled from /proc every 0.1 s "
        "(pages a forked worker still shares with the build process count in both); *tree PSS* is the same sum "
        "with each shared page split between its sharers, what the tree really holds at once.",
        "",
        _cells(
            ["points", "build s", "bare s", "wall ratio", "build CPU s", "bare CPU s", "CPU ratio"]
            + ["build MiB, largest process", "build MiB, tree RSS", "build MiB, tree PSS", "bare MiB, tree RSS"]
            + ["validate s", "validate MiB", *extras]
        ),
        "|---:" * (13 + len(extras)) + "|",
    ]
    for r in rows:
        b, bare = r["build"], r["bare"]
        cells = [f"{r['points']:,}", f"{b['seconds']:.1f}", f"{bare['seconds']:.1f}", f"{r['ratio']:.2f}"]
        cells += [f"{b['cpu']:.1f}", f"{bare['cpu']:.1f}", f"{r['cpu_ratio']:.2f}", f"{b['peak_mb']:.0f}"]
        cells += [f"{b['tree_mb']:.0f}", f"{b['tree_pss_mb']:.0f}", f"{bare['tree_mb']:.0f}"]
        cells += [f"{r['validate']['seconds']:.1f}", f"{r['validate']['peak_mb']:.0f}"]
        lines.append(_cells(cells + [r.get("extras", {}).get(title, "") for title in extras]))
    lines += [
        "",
        "| points | pages | site MB | search index MB | map HTML KB | GeoJSON KB | gzip KB | gzip B/point "
        "| folium naive s | naive HTML KB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        w = r["weights"]
        lines.append(
            f"| {r['points']:,} | {w['pages']:,} | {w['site_mb']:.1f} | {w['search_index_mb']:.1f} | "
            f"{w['map_html_kb']:.1f} | {w['geojson_kb']:.0f} | {w['geojson_gzip_kb']:.0f} | "
            f"{w['gzip_bytes_per_point']:.0f} | {r['naive']['seconds']:.1f} | {r['naive']['html_kb']:,.0f} |"
        )
    lines += [
        "",
        "Every run, in order: wall time, CPU (and the CPU seen in /proc), memory as largest process / tree RSS / "
        "tree PSS, and the one-minute load average when it started (the machine is shared):",
        "",
    ]
    for r in rows:
        pairs = zip(r["build"]["each"], r["bare"]["each"], strict=True)
        shown = "; ".join(f"ours {run_text(a)}, bare {run_text(b)}" for a, b in pairs)
        lines.append(f"- {r['points']:,} points: {shown}.")
    targets = [
        f"CPU ratio at {r['points']:,} points {r['cpu_ratio']:.2f} "
        f"(≤{CPU_TARGET}: {_met(r['cpu_ratio'] <= CPU_TARGET)})"
        for r in rows
        if r["points"] >= 2000
    ]
    targets += [
        f"memory at {r['points']:,} points {r['build']['peak_mb']:.0f} MiB largest process, "
        f"{r['build']['tree_pss_mb']:.0f} MiB tree PSS, {r['build']['tree_mb']:.0f} MiB tree RSS "
        f"(≤{MEMORY_TARGET}: largest process {_met(r['build']['peak_mb'] <= MEMORY_TARGET)}, "
        f"tree PSS {_met(r['build']['tree_pss_mb'] <= MEMORY_TARGET)}, "
        f"tree RSS {_met(r['build']['tree_mb'] <= MEMORY_TARGET)})"
        for r in rows
        if r["points"] >= 20000
    ]
    if targets:
        lines += ["", "Targets of issue 27: " + "; ".join(targets) + "."]
    uncached = "; ".join(
        f"{r['points']:,} points: {r['uncached']['cpu']:.1f} s of CPU, {r['uncached']['cpu'] / r['bare']['cpu']:.2f}× "
        f"bare's median (load {r['uncached']['load']:.1f})"
        for r in rows
        if "uncached" in r
    )
    if uncached:
        lines += [
            "",
            "The counted builds find the project's cache filled by the first, uncounted one (compiled templates and "
            "jieba's word list in `.cache/servicepoints/`, see README), as the bare build finds jieba's own cache. "
            f"One more build with `SERVICEPOINTS_CACHE=off`, as a fresh clone's first build runs: {uncached}.",
        ]
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
    lines += [line for result in bench_preview.RESULTS.values() for line in ("", bench_preview.line(result))]
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
        browser = MAPS.get(sizes[-1])
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
