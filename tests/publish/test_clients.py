"""The open data as the clients people use read it, not only as the validators judge it.

Both packages (opendata/datapackage.json and opendata/hsds/datapackage.json) are read by Python's csv module,
by frictionless and by npm `datapackage` (Node): every table's header must be its schema's field names exactly.
A byte-order mark would break all three: csv and csv-parse read it into the first name ('\\ufeffid'), and npm
`datapackage` refuses the table ("The column header name 'id' is missing")."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, require

PACKAGES = ("datapackage.json", "hsds/datapackage.json")
NODE_CLIENT = ROOT / ".cache" / "data-clients" / "node_modules" / "datapackage"

READ_WITH_NODE = """
const {Package} = require(process.argv[2]);
(async () => {
  const pkg = await Package.load(process.argv[3]);
  const out = {valid: pkg.valid, errors: pkg.errors.map(String), tables: {}};
  for (const resource of pkg.resources) {
    const rows = await resource.read({keyed: true});
    out.tables[resource.name] = {headers: resource.headers, rows: rows.length};
  }
  console.log(JSON.stringify(out));
})().catch(error => { console.log(JSON.stringify({error: String(error)})); });
"""


def tables(package: Path) -> list[tuple[str, Path, list[str]]]:
    """(name, csv path, declared field names) of each table of a package."""
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    return [
        (r["name"], package.parent / r["path"], [f["name"] for f in r["schema"]["fields"]])
        for r in descriptor["resources"]
    ]


@pytest.fixture(scope="module")
def opendata(shipped_site) -> Path:
    return shipped_site / "opendata"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_table_is_plain_utf8_as_declared(opendata, package):
    descriptor = json.loads((opendata / package).read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        assert resource.get("encoding", "utf-8") == "utf-8", resource["name"]
    for name, path, _ in tables(opendata / package):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{name}: a byte-order mark the descriptor does not declare"
        raw.decode("utf-8")


@pytest.mark.parametrize("package", PACKAGES)
def test_python_csv_reads_each_header_as_declared(opendata, package):
    for name, path, fields in tables(opendata / package):
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == fields, name


@pytest.mark.parametrize("package", PACKAGES)
def test_frictionless_reads_every_row_of_every_table(opendata, package):
    from frictionless import Package

    for resource in Package(str(opendata / package)).resources:
        with resource:
            rows = resource.read_rows()
            assert resource.header.field_names == resource.schema.field_names, resource.name
            assert all(row.errors == [] for row in rows), resource.name


@pytest.mark.parametrize("package", PACKAGES)
def test_npm_datapackage_reads_every_table(opendata, package, tmp_path):
    node = shutil.which("node")
    require([node or "/nonexistent/node", NODE_CLIENT], "Node and npm `datapackage`: bash .ci/install-data-clients")
    script = tmp_path / "read.js"
    script.write_text(READ_WITH_NODE, encoding="utf-8")
    result = subprocess.run(
        [node, str(script), str(NODE_CLIENT), str(opendata / package)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert "error" not in out, out
    assert out["valid"], out["errors"]
    for name, path, fields in tables(opendata / package):
        with path.open(encoding="utf-8", newline="") as handle:
            count = sum(1 for _ in csv.reader(handle)) - 1
        assert out["tables"][name] == {"headers": fields, "rows": count}, name


@pytest.mark.parametrize("package", PACKAGES)
def test_frictionless_exports_every_table_to_sqlite(opendata, package, tmp_path):
    """frictionless' own SQL adapter (what datapackage-to-datasette runs) loads each package whole: a pattern
    on an optional column became a REGEXP check that fails on an empty cell and refused the table."""
    from frictionless import Package

    target = f"sqlite:///{tmp_path / 'package.sqlite'}"
    Package(str(opendata / package)).publish(target)
    connection = sqlite3.connect(tmp_path / "package.sqlite")
    for name, path, fields in tables(opendata / package):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))[1:]
        columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')]
        assert columns == fields, name
        assert connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] == len(rows), name
