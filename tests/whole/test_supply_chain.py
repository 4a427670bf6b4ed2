"""Supply chain: every install comes from hashed lock files, and only the deploy job may write."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT

LOCKS = {"requirements.lock": "dependencies", "requirements-test.lock": "test"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins(lock: str) -> dict[str, list[str]]:
    """Package -> its hashes, from one lock file."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    pins: dict[str, list[str]] = {}
    for block in re.split(r"\n(?=\S)", text):
        head = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", block)
        if head:
            pins[head.group(1).lower().replace("_", "-")] = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
    return pins


def test_every_declared_dependency_is_pinned_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [_name(r) for r in project["dependencies"]]
    test = [_name(r) for r in project["optional-dependencies"]["test"]]
    site, tests = _pins("requirements.lock"), _pins("requirements-test.lock")
    missing = [n for n in runtime if n not in site] + [n for n in runtime + test if n not in tests]
    assert missing == [], f"{missing} not in the lock files: run `make lock` and commit both files"
    for pins in (site, tests):
        assert all(hashes for hashes in pins.values()), "every pin carries its hashes"
    same = {n for n in site if n in tests}
    assert same and all(site[n] == tests[n] for n in same), "the test lock pins the site's versions"
    assert "setuptools" in site  # the package itself installs with no unpinned build step


def test_make_installs_only_from_the_lock_files():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [line.strip() for line in makefile.splitlines() if "pip install" in line and "$(UV)" not in line]
    assert installs, "no install line found"
    for line in installs:
        assert "--require-hashes -r requirements" in line or "--no-deps" in line, line
    assert re.search(r"^lock:", makefile, re.M)


def test_only_the_deploy_job_may_write():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text(encoding="utf-8"))
    assert workflow["permissions"] == {}  # nothing by default
    writers = {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name} must say what it needs"
        writers[name] = sorted(k for k, v in job["permissions"].items() if v == "write")
    deploying = [n for n, j in workflow["jobs"].items() if any("deploy-pages" in s.get("uses", "") for s in j["steps"])]
    assert deploying == ["deploy"]
    assert writers == {name: (["id-token", "pages"] if name == "deploy" else []) for name in workflow["jobs"]}
