"""The editors' JSON Schema: generated from the Table Schema, and agreeing with the validator."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest

from conftest import DATA, FIXTURES
from servicepoints.registry.jsonschema import as_editor_sees, point_json_schema
from servicepoints.registry.load import read_record, read_registry
from servicepoints.registry.validate import validate

# Rules JSON Schema cannot hold (they need other files, or today's date): the validator's alone.
VALIDATOR_ONLY = {"duplicate-id", "id-filename-mismatch", "verified-future", "stale"}
UNREADABLE = {"file-empty", "file-too-large", "file-encoding", "yaml-syntax", "yaml-duplicate-key", "yaml-alias"}


@pytest.fixture(scope="module")
def checker():
    registry = read_registry(DATA)
    schema = point_json_schema(registry.descriptor, registry.tables)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_current():
    registry = read_registry(DATA)
    committed = json.loads((DATA / "point.schema.json").read_text(encoding="utf-8"))
    assert committed == point_json_schema(registry.descriptor, registry.tables), "run: servicepoints schema --write"


def test_every_shipped_record_passes_the_json_schema(checker):
    for path in (DATA / "points").rglob("*.yaml"):
        record, problem = read_record(path, path.name)
        assert problem is None
        values = record.values | ({"private": record.private} if record.private else {})
        errors = [e.message for e in checker.iter_errors(as_editor_sees(values))]
        assert errors == [], (path, errors)


def test_every_shipped_record_names_the_schema():
    for path in (DATA / "points").rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        depth = len(path.relative_to(DATA).parts) - 1
        assert first == f"# yaml-language-server: $schema={'../' * depth}point.schema.json", path


# Fixtures the editor's own YAML parser flags before any schema applies: named, so none is skipped unseen.
UNREADABLE_FIXTURES = {"alias-bomb.yaml", "dup-key.yaml", "empty.yaml", "malformed.yaml", "not-utf8.yaml"}


def test_unreadable_fixtures_are_exactly_the_ones_named(registry_dir):
    names = {p.name for p in (FIXTURES / "points").glob("*.yaml")}
    assert names >= UNREADABLE_FIXTURES
    data = registry_dir({name: name for name in names})
    report = validate(read_registry(data), today=dt.date(2026, 1, 1))
    unreadable = {p.file.rsplit("/", 1)[-1] for p in report.problems if p.code in UNREADABLE}
    assert unreadable == UNREADABLE_FIXTURES


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (FIXTURES / "points").glob("*.yaml") if p.name not in UNREADABLE_FIXTURES),
    ids=lambda p: p.name,
)
def test_schema_and_validator_agree_on_every_fixture(checker, path, registry_dir):
    data = registry_dir({path.name: path.name})
    report = validate(read_registry(data), today=dt.date(2026, 1, 1))
    codes = {p.code for p in report.problems if p.severity == "error"}
    assert not codes & UNREADABLE, codes
    record, _ = read_record(data / "points" / path.name, path.name)
    schema_rejects = any(True for _ in checker.iter_errors(as_editor_sees(record.values)))
    validator_rejects = bool(codes - VALIDATOR_ONLY)
    assert schema_rejects == validator_rejects, (codes, [e.message for e in checker.iter_errors(record.values)])


# Values for one field at a time, each kept by one of the two and refused by the other unless both agree.
CANDIDATES = {
    "verified": [
        "2024-02-29",
        "2023-02-29",
        "2100-02-29",
        "2000-02-29",
        "2025-04-31",
        "2025-04-30",
        "2025-13-01",
        "2025-1-5",
        "20250115",
        "2025-00-10",
        "2025-02-28",
    ],
    "established": ["2021", "2021-02", "2021-13", "2021-02-29", "2020-02-29", "21", "2021-02-30", "2021-12-31"],
    "phones": [
        ["0760-88888888"],
        ["12"],
        ["07608888888"],
        ["1234"],
        ["abc"],
        ["0760-8888 转 123"],
        ["0760\u200b88888888"],
        [" "],
        ["0760-88888888", "0760-88888888"],
    ],
    "name": [
        "长" * 120,
        "长" * 121,
        " ",
        "\u3000",
        "名\u200b称",
        "名\t称",
        "名\n称",
        "正常名称",
        "\u202e名称",
        "名\x07",
    ],
    "address": ["某路1号", "a" * 201, "a" * 200, " ", "某\u202e路", "某路\ufeff"],
    "description": ["第一段\n第二段", "a\tb", "x" * 2001, "\u200b", "简介\r"],
    "lat": ["22.61", "22.17", "22.80", "nan", "1e1", "22.6x", "-22.61", "22", "inf"],
    "email": ["a@example.org", "a@example.org?x=1", "a@b", "a@example.org,b@example.org", "名@example.org"],
    "website": ["https://example.org/", "ftp://example.org/", "https://exa\u200bmple.org/", "javascript:alert(1)"],
    "hours": ["Mo-Fr 09:00-17:00", "9-5", "Mo-Fr 09:00-12:00,13:30-17:00; PH off"],
    "alternate_name": ["x" * 121, "简称", "\u2066简称\u2069"],
    "organization": ["某公司", "y" * 121, "\u00a0"],
    "status": ["operating", "open", ""],
}


def test_schema_and_validator_agree_on_generated_records(checker, registry_dir):
    good = (FIXTURES / "points" / "good.yaml").read_text(encoding="utf-8")
    files, cases = {}, {}
    for field, values in CANDIDATES.items():
        for n, value in enumerate(values):
            rid = f"case-{field.replace('_', '-')}-{n}"
            lines = [ln for ln in good.replace("id: good", f"id: {rid}").splitlines()]
            start = next((i for i, ln in enumerate(lines) if ln.startswith(f"{field}:")), None)
            if start is not None:  # drop the field and its list items
                end = start + 1
                while end < len(lines) and lines[end].startswith("  "):
                    end += 1
                del lines[start:end]
            lines.append(f"{field}: {json.dumps(value, ensure_ascii=False)}")
            files[f"{rid}.yaml"] = "\n".join(lines) + "\n"
            cases[f"{rid}.yaml"] = (field, value)
    data = registry_dir({})
    for name, text in files.items():
        (data / "points" / name).write_text(text, encoding="utf-8")
    report = validate(read_registry(data), today=dt.date(2026, 1, 1))
    rejected: dict[str, set] = {}
    for p in report.problems:
        if p.severity == "error" and p.code not in VALIDATOR_ONLY:
            rejected.setdefault(p.file.rsplit("/", 1)[-1], set()).add(p.code)
    disagreements = []
    for name in files:
        record, problem = read_record(data / "points" / name, name)
        assert problem is None, problem
        schema_says = [e.message for e in checker.iter_errors(as_editor_sees(record.values))]
        if bool(schema_says) != (name in rejected):
            disagreements.append((cases[name], sorted(rejected.get(name, ())), schema_says[:2]))
    assert len(files) > 70 and len(rejected) > 35  # the corpus really holds both kinds
    assert disagreements == []
