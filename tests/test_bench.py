"""The benchmark's measuring (scripts/bench.py): a process tree's CPU and memory, and the table's columns."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys

import pytest

from conftest import ROOT

# Parent and child each hold 48 MiB at once, then the parent waits for the child.
TREE = """
import os, time
block = bytearray(48 << 20)
pid = os.fork()
if pid == 0:
    mine = bytearray(48 << 20)
    time.sleep(0.6)
    os._exit(0)
os.waitpid(pid, 0)
"""


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "scripts"))  # bench.py imports synth.py beside it
    try:
        spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
        assert spec is not None and spec.loader is not None
        module = sys.modules["bench"] = importlib.util.module_from_spec(spec)  # its dataclasses look it up
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(ROOT / "scripts"))
        sys.modules.pop("bench", None)


def test_a_run_counts_the_whole_process_tree(bench, tmp_path):
    run = bench.timed([sys.executable, "-c", TREE], tmp_path)
    # GNU time's %M is one process's: the child's, which holds its own block and shares its parent's; the tree's
    # sum adds the parent's as well
    assert run.peak_mb >= 96
    assert run.tree_mb >= run.peak_mb + 40
    assert run.tree_pss_mb >= 96  # each block once
    assert run.seen_cpu <= run.cpu + 0.05  # the waited-for child's CPU is in GNU time's figure


def test_a_process_gone_is_no_error(bench):
    assert bench.descendants(2**22 + 1) == []
    assert bench.process_sample(2**22 + 1) is None


def row(bench, points: int, cpu: float, bare_cpu: float, tree: float, extras: dict) -> dict:
    runs = [bench.Run(10.0, cpu, 300.0, tree, tree - 50, cpu - 0.1, 1.5)]
    bare = [bench.Run(5.0, bare_cpu, 100.0, 100.0, 90.0, bare_cpu, 1.4)]
    weights = {"pages": points + 65, "site_mb": 1.0, "search_index_mb": float("nan"), "map_html_kb": 30.0}
    weights |= {"geojson_kb": 1.0, "geojson_gzip_kb": 1.0, "gzip_bytes_per_point": 30.0}
    weights |= {"largest_page": (1000, "find/x/index.html"), "need_data": (0, 0)}
    return {
        "points": points,
        "validate": bench.summary(runs),
        "build": bench.summary(runs),
        "bare": bench.summary(bare),
        "ratio": 2.0,
        "cpu_ratio": cpu / bare_cpu,
        "weights": weights,
        "naive": {"seconds": float("nan"), "html_kb": float("nan")},
        "extras": extras,
    }


def test_the_table_has_each_extra_column_and_judges_the_targets(bench):
    rows = [
        row(bench, 2000, 6.0, 5.0, 400.0, {"map-ready ms": "300", "search KB": "12"}),
        row(bench, 20000, 80.0, 40.0, 700.0, {"map-ready ms": "500", "search KB": "14"}),
    ]
    planted = {"points": 20000, "planted": 20, "reported": 20, "missed": [], "seconds": 9.0}
    intake = {"rows": 2020, "changed": 200, "new": 20, "points": 2000, "seconds": 4.0, "cpu": 2.0, "load": [1.0]}
    intake |= {"peak_mb": 100.0}
    info = {"date": "2026-12-04", "cpu": "x", "cores": 2, "memory_gb": 1.0, "python": "3.11"}
    text = bench.fmt(rows, planted, None, info, 3, intake)
    table = [line for line in text.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    assert header[-2:] == ["map-ready ms", "search KB"]
    first = [cell.strip() for cell in table[1].strip("|").split("|")]
    assert len(first) == len(header) and first[-2:] == ["300", "12"] and first[6] == "1.20"
    assert "CPU ratio at 2,000 points 1.20 (≤1.3: met)" in text
    assert "CPU ratio at 20,000 points 2.00 (≤1.3: missed)" in text
    assert "300 MiB largest process, 650 MiB tree PSS, 700 MiB tree RSS" in text
    assert "SERVICEPOINTS_CACHE=off" not in text  # no uncached run, no sentence about one
    rows[0]["uncached"] = dataclasses.asdict(bench.Run(9.0, 7.0, 300.0, 400.0, 350.0, 6.9, 2.5))
    text = bench.fmt(rows, planted, None, info, 3, intake)
    assert "as a fresh clone's first build runs: 2,000 points: 7.0 s of CPU, 1.40× bare's median" in text
