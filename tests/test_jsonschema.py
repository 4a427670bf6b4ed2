"""The editors' JSON Schema: generated from the Table Schema, and agreeing with the validator."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest

from conftest import DATA, FIXTURES
from servicepoints.jsonschema import as_editor_sees, point_json_schema
from servicepoints.load import read_record, read_registry
from servicepoints.validate import validate

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


@pytest.mark.parametrize("path", sorted((FIXTURES / "points").glob("*.yaml")), ids=lambda p: p.name)
def test_schema_and_validator_agree_on_every_fixture(checker, path, registry_dir):
    data = registry_dir({path.name: path.name})
    report = validate(read_registry(data), today=dt.date(2026, 1, 1))
    codes = {p.code for p in report.problems if p.severity == "error"}
    if codes & UNREADABLE:
        return  # the editor's own YAML parser flags these before any schema applies
    record, _ = read_record(data / "points" / path.name, path.name)
    schema_rejects = any(True for _ in checker.iter_errors(as_editor_sees(record.values)))
    validator_rejects = bool(codes - VALIDATOR_ONLY)
    assert schema_rejects == validator_rejects, (codes, [e.message for e in checker.iter_errors(record.values)])
