"""No file the project ships may keep a merge's conflict markers (CSS and templates are read by no Python test)."""

from __future__ import annotations

import re
import subprocess

from conftest import ROOT

MARKER = re.compile(rb"^(<{7} |={7}$|>{7} )", re.MULTILINE)


def test_no_tracked_text_file_holds_conflict_markers():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    hits = []
    for name in filter(None, listed.decode().split("\0")):
        path = ROOT / name
        if "vendor" in path.parts or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        if MARKER.search(path.read_bytes()):
            hits.append(name)
    assert hits == []
