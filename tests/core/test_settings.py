"""Settings are declared once (core/settings.py): every field has its environment name, its check and its
README row, and every command checks them all before any work (one Chinese line, exit 2)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from click.testing import CliRunner

from conftest import ROOT, fixture, make_registry
from servicepoints.cli import main
from servicepoints.core.errors import SetupError
from servicepoints.core.parallel import default_workers
from servicepoints.core.settings import ENV, Settings, load_settings

FIELDS = [f.name for f in dataclasses.fields(Settings)]
# One valid value per setting, written as the environment would give it.
VALID = {
    "publisher": "某编辑组",
    "licence": "CC0-1.0",
    "licence_title": "公共领域贡献",
    "licence_url": "https://creativecommons.org/publicdomain/zero/1.0/",
    "release_date": "2026-03-01",
    "previous_release": "https://example.org/opendata/datapackage.json",
    "stale_days": "30",
    "tiles": "osm",
    "tiles_review_number": "GS(2024)1234号",
    "tianditu_key": "abcdef123456",
    "repo_url": "https://gitlab.example.cn/group/repo",
    "repo_branch": "release/2026",
    "repo_host": "gitlab",
    "cms_auth_url": "https://auth.example.cn/",
    "cms_app_id": "a1b2c3",
    "workers": "2",
    "cache": "off",
    "listed": "5",
    "corrections_email": "bianji@example.cn",
    "corrections_phone": "0760-88888888",
}


@pytest.fixture
def clean_env(monkeypatch):
    for name in [*ENV, "REPO_URL", "SOURCE_DATE_EPOCH"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_every_setting_has_its_environment_name():
    assert {f"SERVICEPOINTS_{name.upper()}": name for name in FIELDS} == ENV
    assert sorted(VALID) == sorted(FIELDS)  # a new setting gets a case here


@pytest.mark.parametrize("name", FIELDS)
def test_every_setting_can_come_from_the_environment(clean_env, name, tmp_path):
    clean_env.setenv(f"SERVICEPOINTS_{name.upper()}", VALID[name])
    settings = load_settings(tmp_path / "absent.yml")
    expected = int(VALID[name]) if name in ("stale_days", "workers", "listed") else VALID[name]
    assert getattr(settings, name) == expected


def test_the_readme_table_is_the_declaration():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+)` \| `(SERVICEPOINTS_[A-Z_]+)` \| (.*?) \| (.*?) \|$", text, re.M)
    assert [(r[0], r[1]) for r in rows] == [(n, f"SERVICEPOINTS_{n.upper()}") for n in FIELDS]
    for (name, _, default, what), spec in zip(rows, dataclasses.fields(Settings), strict=True):
        assert default == ("—" if spec.default is None else f"`{spec.default}`"), name
        assert what == spec.metadata["what"], name


def test_every_setting_is_in_the_settings_file():
    documented = (ROOT / "servicepoints.yml").read_text(encoding="utf-8")
    for name in FIELDS:
        assert re.search(rf"^#? ?{name}:", documented, re.M), name


BAD = {
    "repo_url": 'https://github.com/a/b" onmouseover="alert(1)',
    "licence_url": "javascript:alert(1)",
    "cms_auth_url": "https://user@evil.example/",
    "repo_branch": "../main",
    "repo_host": "bitbucket",
    "cms_app_id": "a b",
    "licence": "CC BY",
    "workers": "²",
    "cache": "no",
    "listed": "201",  # a list that long would put a page over 200 KB again (issue 27)
    "stale_days": "１０",
    "corrections_email": "bianji@example.cn?cc=x@example.cn",
    "corrections_phone": "0760 8888 8888",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_setting_from_the_environment_stops_every_command_before_any_work(clean_env, tmp_path, name):
    clean_env.chdir(tmp_path)
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    clean_env.setenv(f"SERVICEPOINTS_{name.upper()}", BAD[name])
    out = tmp_path / "out"
    commands = [
        ["validate"],
        ["build", "--out", str(out), "--config", str(ROOT / "mkdocs.yml")],
        ["nearest", "22.5", "113.4"],
        ["stale"],
        ["schema", "--write"],
        ["new", "--type", "trademark-station", "--town", "小榄镇", "--name", "新网点"],
    ]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    for command in commands:
        result = CliRunner().invoke(main, [*command, "--data", str(data)])
        assert result.exit_code == 2, (command, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and name in lines[0] and "Traceback" not in result.output, result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_secret_is_never_printed_even_when_wrong(clean_env, tmp_path):
    clean_env.setenv("SERVICEPOINTS_TIANDITU_KEY", "sk-live-0123456789")
    with pytest.raises(SetupError) as caught:
        load_settings(tmp_path / "absent.yml")
    assert "0123456789" not in str(caught.value)


def test_the_retired_repo_url_variable_is_refused_not_ignored(clean_env, tmp_path):
    clean_env.setenv("REPO_URL", "https://github.com/other/repo")
    with pytest.raises(SetupError, match="SERVICEPOINTS_REPO_URL"):
        load_settings(tmp_path / "absent.yml")


@pytest.mark.parametrize("text", ["²", "999", "65", "-1", "1e3", "３", "2 workers", " "])
def test_the_worker_count_is_a_small_ascii_number(clean_env, tmp_path, text):
    clean_env.setenv("SERVICEPOINTS_WORKERS", text)
    with pytest.raises(SetupError, match="workers"):
        load_settings(tmp_path / "absent.yml")
    with pytest.raises(SetupError, match="workers"):
        default_workers(1000)


def test_the_worker_setting_chooses_the_pool(clean_env, tmp_path):
    (tmp_path / "s.yml").write_text("workers: 3\n", encoding="utf-8")
    assert load_settings(tmp_path / "s.yml").workers == 3
    assert default_workers(10, chosen=3) == 3
    assert default_workers(10, chosen=0) == 0
    (tmp_path / "s.yml").write_text("workers: 999\n", encoding="utf-8")
    with pytest.raises(SetupError, match="0 到 64"):
        load_settings(tmp_path / "s.yml")


def test_one_repository_setting_moves_every_link(clean_env, tmp_path):
    """Header link, edit links, correction links and the browser editor all follow repo_url."""
    from bs4 import BeautifulSoup

    from conftest import DATA, build

    repo = "https://gitlab.example.cn/group/registry"
    out = build(DATA, tmp_path / "site", repo_url=repo, repo_branch="live")
    home = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.select_one("a.md-source")["href"] == repo
    assert home.select_one("a[data-sp-edit]")["href"].startswith(f"{repo}/-/edit/live/")
    point = next((out / "points").glob("*/index.html"))
    links = [
        a["href"] for a in BeautifulSoup(point.read_text(encoding="utf-8"), "html.parser").find_all("a", href=True)
    ]
    assert any(h.startswith(f"{repo}/-/issues/new?") for h in links)
    assert not any("github.com" in h for h in links)
    config = (out / "admin" / "config.yml").read_text(encoding="utf-8")
    assert "repo: group/registry" in config and "branch: live" in config and "github.com" not in config
