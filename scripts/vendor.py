"""Refresh the vendored map libraries from the npm registry (``make vendor``).

The site serves every script and style itself (jsDelivr and cdnjs are unreachable from much of
mainland China). This fetches the pinned packages with ``npm pack``, copies the files the map
uses, and records version, licence, the registry's integrity hash and each file's sha256 in
``manifest.json``. Bump a version in PACKAGES, run it, look at the diff, commit.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "site_templates" / "theme" / "assets" / "vendor"
PACKAGES = {
    "leaflet": ("1.9.4", ["dist/leaflet.js", "dist/leaflet.css", "LICENSE"]),
    # supercluster's browser bundle (dist/) contains kdbush, its only dependency: kdbush's licence ships with it.
    "supercluster": ("8.0.1", ["dist/supercluster.min.js", "LICENSE"]),
    "kdbush": ("4.0.2", ["LICENSE"]),
}


def fetch(name: str, version: str, files: list[str], work: Path) -> dict:
    out = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(work)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout)[0]
    target = VENDOR / name
    target.mkdir(parents=True, exist_ok=True)
    entry = {"version": version, "integrity": info["integrity"], "files": {}}
    with tarfile.open(work / info["filename"]) as archive:
        meta = json.load(archive.extractfile("package/package.json"))
        entry["license"] = meta.get("license")
        for path in files:
            body = archive.extractfile(f"package/{path}").read()
            (target / Path(path).name).write_bytes(body)
            entry["files"][f"{name}/{Path(path).name}"] = hashlib.sha256(body).hexdigest()
    return entry


def main() -> int:
    manifest = {}
    with tempfile.TemporaryDirectory() as work:
        for name, (version, files) in PACKAGES.items():
            manifest[name] = fetch(name, version, files, Path(work))
            print(f"{name}@{version}: {len(files)} files")
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
