"""The one CSV reader: Python (registry/csvread.py, the validator's) and JavaScript (servicepoints-csv.js,
the browser editor's) read tests/csv_cases.json alike, and arbitrary text is rows or a CsvError."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, TESTS
from servicepoints.registry.csvread import CsvError, parse_csv

CASES = json.loads((TESTS / "csv_cases.json").read_text(encoding="utf-8"))["cases"]
SCRIPT = ROOT / "site_templates" / "theme" / "assets" / "servicepoints-csv.js"


def python_result(text: str) -> dict:
    try:
        return {"rows": [[line, cells] for line, cells in parse_csv(text)]}
    except CsvError as exc:
        return {"error_line": exc.line}


def expected(case: dict) -> dict:
    return {"rows": case["rows"]} if "rows" in case else {"error_line": case["error_line"]}


@pytest.mark.parametrize("case", CASES, ids=[repr(c["csv"])[:40] for c in CASES])
def test_python_reads_the_cases(case):
    assert python_result(case["csv"]) == expected(case)


def node_results(texts: list[str], tmp_path) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    module = tmp_path / "csv.mjs"
    shutil.copy(SCRIPT, module)
    runner = tmp_path / "run.mjs"
    runner.write_text(
        "import { parseCsv } from './csv.mjs';\n"
        "import { readFileSync } from 'node:fs';\n"
        "const texts = JSON.parse(readFileSync(0, 'utf8'));\n"
        "console.log(JSON.stringify(texts.map((t) => {\n"
        "  try { return { rows: parseCsv(t) }; } catch (e) { return { error_line: e.line }; }\n"
        "})));\n",
        encoding="utf-8",
    )
    done = subprocess.run([node, str(runner)], input=json.dumps(texts), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_browser_editor_reads_the_cases_alike(tmp_path):
    assert node_results([c["csv"] for c in CASES], tmp_path) == [expected(c) for c in CASES]


CSV_TEXT = st.text(alphabet=st.sampled_from(list('ab,"\r\n \ufeff名')), max_size=40)


@settings(max_examples=300, deadline=None)
@given(CSV_TEXT)
def test_arbitrary_text_is_rows_or_a_located_error(text):
    result = python_result(text)
    if "error_line" in result:
        assert 1 <= result["error_line"] <= text.count("\n") + text.count("\r") + 1


def test_python_and_javascript_agree_on_arbitrary_text(tmp_path):
    """2,000 random texts (a fixed seed) over the characters that matter, through both readers at once."""
    import random

    rng = random.Random(4180)
    alphabet = list('ab,"\r\n 名')
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(2000)]
    assert node_results(texts, tmp_path) == [python_result(t) for t in texts]
