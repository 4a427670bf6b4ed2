"""The editor's preview latency (issue 27, part 3): from saving one record to the reloaded page showing it.

``servicepoints serve`` runs as an editor runs it, on a synthetic registry in a temporary folder on tmpfs; headless
Chromium (Playwright, a test dependency) holds the changed point's page open. Each run renames the point in its YAML
file and times, on this process's clock, from just before the write until the page, reloaded by the live-reload
script, shows the new name in its heading. Without Playwright or Chromium the time is
to the first HTTP answer holding the new name (no reload counted: said in ``how``). The median of ``runs`` runs, each
with the one-minute load average before it, and the preview's own rebuild time as it printed it.

``measure()`` is what ``scripts/bench.py`` calls; ``python scripts/bench_preview.py`` prints one run of it as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import synth

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
REBUILT = re.compile(r"已更新预览：重建 (\d+) 个网点页和全部列表页（([0-9.]+) 秒）")
SHOWS = "name => (document.querySelector('h1') || {}).textContent?.includes(name)"  # the reloaded page's heading
FIRST_BUILD_TIMEOUT = 600  # seconds; a 20,000-point first build on a loaded machine


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and of its children it has waited for (the preview joins its workers, its
    open-data job and its package check before it answers), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _wait_served(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + FIRST_BUILD_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bench_preview: servicepoints serve exited {process.returncode}: {log.read_text()}")
        if _get(url) is not None:
            return
        time.sleep(0.2)
    raise SystemExit("bench_preview: the first build never finished")


def _rename(path: Path, name: str) -> None:
    """The editor's save: the record's name line replaced, the file written in place."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^name: .*$", f"name: {name}", text, count=1)
    path.write_text(text, encoding="utf-8")


def _rebuild_seconds(log: Path, seen: int) -> tuple[list[float], int]:
    found = [float(m[2]) for m in REBUILT.finditer(log.read_text(encoding="utf-8"))]
    return found[seen:], len(found)


def measure(count: int = 2000, runs: int = 3, work: Path | None = None, data: Path | None = None) -> dict:
    """Save-to-reloaded-page seconds at ``count`` points, median of ``runs`` runs (see the module's docstring).
    ``data``: a registry of ``count`` points to copy (else one is generated); ``work``: where (else tmpfs)."""
    tmpfs = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="servicepoints-bench-preview-", dir=work or tmpfs) as tmp:
        root = Path(tmp)
        if data is None:
            data, _ = synth.make(root, count)
        else:
            data = Path(shutil.copytree(data, root / "data"))
        record = sorted((data / "points").glob("*.yaml"))[count // 2]
        point_id = record.stem
        port, log = _free_port(), root / "serve.log"
        command = [str(BIN / "servicepoints"), "serve", "--data", str(data), "--out", str(root / "site")]
        command += ["--config", str(ROOT / "mkdocs.yml"), "--settings", str(ROOT / "servicepoints.yml")]
        command += ["--port", str(port)]
        url = f"http://127.0.0.1:{port}/points/{point_id}/"
        with log.open("w", encoding="utf-8") as out:
            env = os.environ | {"PYTHONFAULTHANDLER": "1"}  # SIGABRT dumps every thread's stack into the log
            process = subprocess.Popen(command, cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_served(url, process, log)
            how = _in_browser if _browser() else _over_http
            try:
                result = how(url, record, runs, log, process.pid)
            except Exception:
                process.send_signal(signal.SIGABRT)  # where the preview was, for the report
                process.wait(30)
                raise SystemExit(
                    f"bench_preview: no reloaded page; the preview's log:\n{log.read_text()[-8000:]}"
                ) from None
        finally:
            process.terminate()
            process.wait(30)
    times = result["seconds"]
    return result | {
        "points": count,
        "median": statistics.median(times),
        "cpu_median": statistics.median(result["cpu"]),
        "runs": runs,
    }


def _browser() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists()


def _in_browser(url: str, record: Path, runs: int, log: Path, pid: int) -> dict:
    from playwright.sync_api import sync_playwright

    seconds, loads, rebuilds, seen, cpu = [], [], [], 0, []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.route(lambda u: not u.startswith("http://127.0.0.1"), lambda route: route.abort())  # tiles
        page.goto(url, wait_until="load")
        for run in range(runs):
            name = f"预览基准第{run}次改名"
            loads.append(load_average())
            page.wait_for_timeout(1000)  # the page's reload poll is connected; nothing else is running
            used, start = cpu_seconds(pid), time.perf_counter()
            _rename(record, name)
            page.wait_for_function(SHOWS, arg=name, polling=20, timeout=120_000)  # survives the reload
            seconds.append(time.perf_counter() - start)
            cpu.append(cpu_seconds(pid) - used)
            found, seen = _rebuild_seconds(log, seen)
            rebuilds += found
        browser.close()
    return {
        "seconds": seconds,
        "load": loads,
        "rebuild": rebuilds,
        "cpu": cpu,
        "how": "Chromium: save to the reloaded page showing the new name",
    }


def _over_http(url: str, record: Path, runs: int, log: Path, pid: int) -> dict:
    seconds, loads, rebuilds, seen, cpu = [], [], [], 0, []
    for run in range(runs):
        name = f"预览基准第{run}次改名"
        loads.append(load_average())
        used, start = cpu_seconds(pid), time.perf_counter()
        _rename(record, name)
        while name not in (_get(url) or ""):
            time.sleep(0.02)
        seconds.append(time.perf_counter() - start)
        cpu.append(cpu_seconds(pid) - used)
        found, seen = _rebuild_seconds(log, seen)
        rebuilds += found
    return {
        "seconds": seconds,
        "load": loads,
        "rebuild": rebuilds,
        "cpu": cpu,
        "how": "HTTP: save to the new page served",
    }


def columns(built) -> dict[str, str]:
    """bench.py's columns (``built``: its Built, one size's registry): the median save-to-reloaded-page seconds,
    and the CPU of one save's update; the whole result is kept in RESULTS for the line under the table."""
    result = RESULTS[built.count] = measure(built.count, built.runs, built.work, built.data)
    return {"preview s": f"{result['median']:.2f}", "preview CPU s": f"{result['cpu_median']:.2f}"}


RESULTS: dict[int, dict] = {}  # points -> measure()'s result, from columns()


def line(result: dict) -> str:
    """The result as BENCHMARKS.md states it."""
    runs = "; ".join(f"{s:.2f} s (load {load:.1f})" for s, load in zip(result["seconds"], result["load"], strict=True))
    rebuild = ", ".join(f"{s:.1f}" for s in result["rebuild"])
    return (
        f"Preview after one record changes, {result['points']:,} points (`servicepoints serve`, {result['how']}; "
        f"target ≤2 s): median {result['median']:.2f} s of {result['runs']} runs: {runs}. "
        f"The preview's own rebuild in those runs: {rebuild} s; CPU of the preview and its workers per save "
        f"(user+system): median {result['cpu_median']:.2f} s."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    result = measure(args.points, args.runs)
    print(json.dumps(result, ensure_ascii=False))
    print(line(result))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
