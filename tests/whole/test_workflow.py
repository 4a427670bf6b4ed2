"""Editors' workflow: CI files call only real make targets; pre-commit and `stale` work."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
import yaml
from click.testing import CliRunner

from conftest import ROOT, fixture
from servicepoints.cli import main

WORKFLOWS = [*sorted((ROOT / ".github" / "workflows").glob("*.yml")), ROOT / ".gitlab-ci.yml"]


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.MULTILINE))


def commands(node) -> list[str]:
    """Every shell line under `run:` (GitHub) or `script:` (GitLab)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                found += value.splitlines()
            elif key == "script" and isinstance(value, list):
                found += value
            else:
                found += commands(value)
    elif isinstance(node, list):
        for item in node:
            found += commands(item)
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_parse_and_call_only_existing_make_targets(path):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    lines = commands(document)
    called = {m.group(1) for line in lines for m in re.finditer(r"\bmake\s+([a-z][a-z-]*)", line)}
    assert called, f"{path.name} calls no make target"
    assert called <= make_targets(), called - make_targets()
    assert not [line for line in lines if "servicepoints " in line or "pip install" in line], "call make, not copies"


def test_readme_commands_are_make_targets():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index("make site") < readme.index("make test") < readme.index("## Layout")
    assert {"site", "test"} <= make_targets()


def recipe(target: str) -> list[str]:
    """The command lines of one Makefile target."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        body.append(line.strip())
    return body


def test_make_test_type_checks_the_package_it_ships_typed():
    """The package ships py.typed, so `make test` runs mypy over it before the tests, with the settings in
    pyproject.toml; only untyped third-party packages may have their missing imports ignored."""
    steps = recipe("test")
    assert "$(BIN)/mypy" in steps and steps.index("$(BIN)/mypy") < steps.index("$(BIN)/python -m pytest")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["servicepoints"]
    assert (ROOT / "scripts" / "servicepoints" / "py.typed").is_file()
    mypy = project["tool"]["mypy"]
    assert mypy["files"] == ["scripts/servicepoints"] and mypy["check_untyped_defs"] is True
    for override in mypy.get("overrides", []):
        assert set(override) == {"module", "ignore_missing_imports"}, override
        assert not any(m.split(".")[0] == "servicepoints" for m in override["module"]), override
    assert "ignore_errors" not in mypy and "ignore_missing_imports" not in mypy
    pinned = (ROOT / "requirements-test.lock").read_text(encoding="utf-8")
    assert re.search(r"^mypy==", pinned, re.M) and re.search(r"^types-pyyaml==", pinned, re.M)


BROWSER_TESTS = sorted(
    p for p in (ROOT / "tests").rglob("test_*.py") if re.search(r"\bnew_page\(", p.read_text("utf-8"))
)


def test_one_browser_driver_and_conditions_not_sleeps():
    """Playwright is the one browser driver: Selenium is in no lock file and nothing imports it; the browser tests
    wait through conftest.wait_for (a condition with an upper bound), never a fixed sleep or a wait of their own."""
    assert len(BROWSER_TESTS) >= 5, BROWSER_TESTS
    for lock in ("requirements.lock", "requirements-test.lock"):
        assert "selenium" not in (ROOT / lock).read_text(encoding="utf-8").lower(), lock
    assert re.search(r"^playwright==", (ROOT / "requirements-test.lock").read_text(encoding="utf-8"), re.M)
    for path in [*(ROOT / "tests").rglob("*.py"), *(ROOT / "scripts").rglob("*.py")]:
        assert not re.search(r"^\s*(from|import) selenium", path.read_text(encoding="utf-8"), re.M), path
    for path in BROWSER_TESTS:
        text = path.read_text(encoding="utf-8")
        found = re.findall(r"sleep\(|wait_for_(?:function|selector|timeout|url)\(|setTimeout\(", text)
        assert found == [], (path.name, found)


def test_pre_commit_hooks_call_existing_commands():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    for hook in config["repos"][0]["hooks"]:
        words = hook["entry"].split()
        assert words[0] == ".venv/bin/servicepoints" and words[1] in main.commands


def test_validate_named_files_reports_only_those(registry_dir):
    data = registry_dir({"outside.yaml": "outside.yaml", "future.yaml": "future.yaml", "good.yaml": "good.yaml"})
    result = CliRunner().invoke(main, ["validate", "--data", str(data), "--format", "json", "data/points/good.yaml"])
    assert result.exit_code == 0
    assert [p["severity"] for p in json.loads(result.output)["problems"]] in ([], ["warning"])  # stale at most
    result = CliRunner().invoke(main, ["validate", "--data", str(data), "--format", "json", "data/points/future.yaml"])
    assert result.exit_code == 1
    assert [p["code"] for p in json.loads(result.output)["problems"]] == ["verified-future"]


def test_stale_lists_old_and_never_verified_records_by_town(registry_dir):
    old = fixture("good.yaml").replace(b"verified: 2025-01-15", b"verified: 2020-01-01")
    never = fixture("good.yaml").replace(b"id: good", b"id: never").replace(b"verified: 2025-01-15\n", b"")
    data = registry_dir({})
    (data / "points" / "good.yaml").write_bytes(old)
    (data / "points" / "never.yaml").write_bytes(never)
    result = CliRunner().invoke(main, ["stale", "--data", str(data), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {  # stderr may carry the holiday-table warning (December)
        "古镇镇": [
            {"id": "good", "name": "测试商标站", "verified": "2020-01-01"},
            {"id": "never", "name": "测试商标站", "verified": None},
        ]
    }


@pytest.mark.parametrize("path", [ROOT / ".github" / "workflows" / "publish.yml", ROOT / ".gitlab-ci.yml"])
def test_publishing_builds_against_the_live_release_dated_by_the_commit(path):
    """The release follows from the one live at the site's own address (README, Releases), unless the
    FIRST_RELEASE variable says nothing is live yet; a new release is dated by the commit, not the clock."""
    lines = commands(yaml.safe_load(path.read_text(encoding="utf-8")))
    text = "\n".join(lines)
    assert 'SERVICEPOINTS_PREVIOUS_RELEASE="${SITE_URL%/}/opendata/datapackage.json"' in text
    assert '"$FIRST_RELEASE" != "true"' in text
    assert "SOURCE_DATE_EPOCH=" in text and "log -1 --format=%ct" in text
    assert text.index("SERVICEPOINTS_PREVIOUS_RELEASE") < text.index("make site", text.index("SOURCE_DATE_EPOCH"))
