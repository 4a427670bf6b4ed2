"""Refresh the vendored browser libraries from the npm registry (``make vendor``).

The site serves every script and style itself (jsDelivr and cdnjs are unreachable from much of
mainland China). This fetches the pinned packages with ``npm pack``, copies the files the map
and the editing page (/admin/, Decap CMS) use, and records version, licence, the registry's
integrity hash and each file's sha256 in ``manifest.json``. A file name may be a glob
(``dist/*.decap-cms.js``: the CMS loads its lazy chunks from beside its main script; ``*`` also
matches ``/``). Files land flat in ``vendor/<package>/``, except under a package's optional third
item, a folder whose tree is kept (the ``yaml`` ES modules import each other by relative path).
Bump a version in PACKAGES, run it, look at the diff, commit.
"""

from __future__ import annotations

import fnmatch
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
    # The editing page. Only the package's own bundle and chunks; the .map files (25 MB) stay out.
    "decap-cms": (
        "3.16.3",
        ["dist/decap-cms.js", "dist/decap-cms.js.LICENSE.txt", "dist/*.decap-cms.js", "dist/*.wasm"],
    ),
    # The editing page reads and writes records with it, keeping comments, quoting and key order.
    "yaml": ("2.9.1", ["browser/dist/*.js", "LICENSE"], "browser/dist/"),
}


def fetch(name: str, version: str, files: list[str], work: Path, tree: str | None = None) -> dict:
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
        members = [m.name.removeprefix("package/") for m in archive.getmembers() if m.isfile()]
        for pattern in files:
            matched = sorted(m for m in members if fnmatch.fnmatchcase(m, pattern))
            if not matched:
                raise SystemExit(f"{name}@{version}: no file matches {pattern}")
            for path in matched:
                body = archive.extractfile(f"package/{path}").read()
                local = path.removeprefix(tree) if tree and path.startswith(tree) else Path(path).name
                (target / local).parent.mkdir(parents=True, exist_ok=True)
                (target / local).write_bytes(body)
                entry["files"][f"{name}/{local}"] = hashlib.sha256(body).hexdigest()
    return entry


def main() -> int:
    manifest = {}
    with tempfile.TemporaryDirectory() as work:
        for name, (version, files, *tree) in PACKAGES.items():
            manifest[name] = fetch(name, version, files, Path(work), *tree)
            print(f"{name}@{version}: {len(manifest[name]['files'])} files")
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
