"""The editor's preview latency (issue 27, part 3): from saving one record to the reloaded page showing it, and to
the end of the background refresh of everything else (lists, map, search, open data).

``servicepoints serve`` runs as an editor runs it, on a synthetic registry in a temporary folder on tmpfs; headless
Chromium (Playwright, a test dependency) holds the changed point's page open. Each run renames the point in its YAML
file and times, on this process's clock, from just before the write until the page, reloaded by the live-reload
script, shows the new name in its heading (the page time, what the 2 s target is about); then until the preview
prints that its background refresh is done (the done time), before the next run saves again. Without Playwright or
Chromium the page time is to the first HTTP answer holding the new name (no reload counted: said in ``how``). The
median of ``runs`` runs, each with the one-minute load average before it; the preview's own times as it printed
them; the CPU of the preview and every process it waited for, until the page showed and until the refresh was done.

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
# An update's line: the changed point pages first (the rest in the background), or every generated page at once.
REBUILT = re.compile(r"已更新预览：重建 (\d+) 个网点页(和全部列表页)?（([0-9.]+) 秒）")
REFRESHED = re.compile(r"后台更新完成：.*（保存后 ([0-9.]+) 秒）")  # the background refresh after the page
REFRESH_TIMEOUT = 600  # seconds; a 20,000-point refresh on a loaded machine
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


class _Log:
    """The preview's printed times, read as they come."""

    def __init__(self, path: Path) -> None:
        self.path, self.pages, self.refreshes = path, 0, 0

    def _found(self) -> tuple[list[tuple[float, bool]], list[float]]:
        text = self.path.read_text(encoding="utf-8")
        pages = [(float(m[3]), not m[2]) for m in REBUILT.finditer(text)]
        return pages, [float(m[1]) for m in REFRESHED.finditer(text)]

    def page(self) -> list[tuple[float, bool]]:
        """The updates printed since the last call (one per save, unless saves were merged): their seconds, and
        whether a background refresh follows."""
        found = self._found()[0]
        new, self.pages = found[self.pages :], len(found)
        return new

    def refreshed(self, process: subprocess.Popen) -> float:
        """Wait for the next "background refresh done" line; the preview's own figure."""
        deadline = time.monotonic() + REFRESH_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            found = self._found()[1]
            if len(found) > self.refreshes:
                self.refreshes = len(found)
                return found[-1]
            time.sleep(0.02)
        raise SystemExit(f"bench_preview: the background refresh never ended: {self.path.read_text()[-4000:]}")


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
                result = how(url, record, runs, _Log(log), process)
            except Exception:
                process.send_signal(signal.SIGABRT)  # where the preview was, for the report
                process.wait(30)
                raise SystemExit(
                    f"bench_preview: no reloaded page; the preview's log:\n{log.read_text()[-8000:]}"
                ) from None
        finally:
            process.terminate()
            process.wait(30)
    return result | {
        "points": count,
        "median": statistics.median(result["seconds"]),
        "done_median": statistics.median(result["done"]),
        "cpu_page_median": statistics.median(result["cpu_page"]),
        "cpu_median": statistics.median(result["cpu"]),
        "runs": runs,
    }


def _browser() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists()


def _in_browser(url: str, record: Path, runs: int, log: _Log, process: subprocess.Popen) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.route(lambda u: not u.startswith("http://127.0.0.1"), lambda route: route.abort())  # tiles
        page.goto(url, wait_until="load")

        def shows(name: str) -> None:
            page.wait_for_function(SHOWS, arg=name, polling=20, timeout=120_000)  # survives the reload

        def settle() -> None:
            page.wait_for_timeout(1000)  # the page's reload poll is connected; nothing else is running

        result = _runs(record, runs, log, process, shows, settle)
        browser.close()
    return result | {"how": "Chromium: save to the reloaded page showing the new name"}


def _over_http(url: str, record: Path, runs: int, log: _Log, process: subprocess.Popen) -> dict:
    def shows(name: str) -> None:
        while name not in (_get(url) or ""):
            time.sleep(0.02)

    return _runs(record, runs, log, process, shows, lambda: None) | {"how": "HTTP: save to the new page served"}


def _runs(record: Path, runs: int, log: _Log, process: subprocess.Popen, shows, settle) -> dict:
    """Each run: save, wait until ``shows`` the new name, then until the background refresh is done."""
    found: dict[str, list] = {k: [] for k in ("seconds", "done", "load", "rebuild", "refresh", "cpu_page", "cpu")}
    for run in range(runs):
        name = f"预览基准第{run}次改名"
        settle()
        found["load"].append(load_average())
        used, start = cpu_seconds(process.pid), time.perf_counter()
        _rename(record, name)
        shows(name)
        found["seconds"].append(time.perf_counter() - start)
        found["cpu_page"].append(cpu_seconds(process.pid) - used)
        updates = log.page()
        found["rebuild"] += [seconds for seconds, _ in updates]
        if any(later for _, later in updates):  # else every page was written before the reload: done too
            found["refresh"].append(log.refreshed(process))
        found["done"].append(time.perf_counter() - start)
        found["cpu"].append(cpu_seconds(process.pid) - used)
    return found


def columns(built) -> dict[str, str]:
    """bench.py's columns (``built``: its Built, one size's registry): the median save-to-reloaded-page seconds,
    and the CPU of one save's update; the whole result is kept in RESULTS for the line under the table."""
    result = RESULTS[built.count] = measure(built.count, built.runs, built.work, built.data)
    return {
        "preview s": f"{result['median']:.2f}",
        "preview done s": f"{result['done_median']:.2f}",
        "preview CPU s": f"{result['cpu_median']:.2f}",
    }


RESULTS: dict[int, dict] = {}  # points -> measure()'s result, from columns()


def line(result: dict) -> str:
    """The result as BENCHMARKS.md states it."""
    runs = "; ".join(
        f"{s:.2f} s, done {d:.2f} s (load {load:.1f})"
        for s, d, load in zip(result["seconds"], result["done"], result["load"], strict=True)
    )
    rebuild = ", ".join(f"{s:.1f}" for s in result["rebuild"])
    refresh = ", ".join(f"{s:.1f}" for s in result["refresh"])
    return (
        f"Preview after one record changes, {result['points']:,} points (`servicepoints serve`, {result['how']}; "
        f"target ≤2 s): the page reloaded after a median {result['median']:.2f} s of {result['runs']} runs, and the "
        f"background refresh of the lists, map, search and open data was done after {result['done_median']:.2f} s: "
        f"{runs}. The preview's own times in those runs: page {rebuild} s; refresh done {refresh} s after the save. "
        f"CPU of the preview and every process it waited for, per save (user+system): median "
        f"{result['cpu_page_median']:.2f} s until the page showed, {result['cpu_median']:.2f} s until all was done."
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
