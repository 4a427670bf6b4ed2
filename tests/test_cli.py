"""The command layer: exit codes, output formats, nearest, new."""

from __future__ import annotations

import gc
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA, fixture, make_registry
from servicepoints import build
from servicepoints.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_validate_shipped_data_exits_zero(monkeypatch):
    monkeypatch.chdir(DATA.parent)
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "全部通过" in result.output


def test_validate_bad_data_exits_one_with_all_problems_as_json(registry_dir):
    data = registry_dir({"outside.yaml": "outside.yaml", "future.yaml": "future.yaml"})
    result = run("validate", "--data", str(data), "--format", "json")
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["valid"] is False
    assert {(p["code"], p["file"], p["line"]) for p in body["problems"]} == {
        ("coords-outside", "data/points/outside.yaml", 6),
        ("verified-future", "data/points/future.yaml", 8),
    }


def test_github_format_prints_one_annotation_per_problem(registry_dir):
    data = registry_dir({"sub/unknown-town.yaml": "unknown-town.yaml", "swapped.yaml": "swapped.yaml"})
    result = run("validate", "--data", str(data), "--format", "github")
    annotations = [line for line in result.output.splitlines() if line.startswith("::")]
    assert annotations[0].startswith("::error file=data/points/sub/unknown-town.yaml,line=4,title=unknown-town::")
    assert annotations[1].startswith("::error file=data/points/swapped.yaml,line=6,title=coords-swapped::")
    assert len(annotations) == 2


def test_missing_data_folder_is_one_line_and_exit_two(tmp_path):
    result = run("validate", "--data", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "datapackage.json" in result.output
    assert "Traceback" not in result.output


def _independent_order(points, lat, lon):
    def vincenty_free(p):  # equirectangular with cosine correction: a different formula, same order here
        x = math.radians(p["lon"] - lon) * math.cos(math.radians((p["lat"] + lat) / 2))
        y = math.radians(p["lat"] - lat)
        return math.hypot(x, y)

    located = [p for p in points if p["lat"] is not None]
    return [p["id"] for p in sorted(located, key=lambda p: (round(vincenty_free(p) * 6371.0088, 6), p["id"]))]


def test_nearest_matches_an_independent_computation(monkeypatch):
    monkeypatch.chdir(DATA.parent)
    result = run("nearest", "22.61", "113.19", "-n", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    from servicepoints.registry.load import read_registry
    from servicepoints.registry.validate import validate

    points = validate(read_registry("data")).points
    assert [r["id"] for r in rows] == _independent_order(points, 22.61, 113.19)[:3]
    assert all(a["distance_km"] <= b["distance_km"] for a, b in zip(rows, rows[1:], strict=False))


def test_nearest_text_output_lists_distances(monkeypatch):
    monkeypatch.chdir(DATA.parent)
    result = run("nearest", "22.61", "113.19", "-n", "3")
    lines = result.output.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("1. 0.00 km")


def test_nearest_filters_by_type(monkeypatch):
    monkeypatch.chdir(DATA.parent)
    rows = json.loads(run("nearest", "22.52", "113.38", "--type", "assistance-station", "--format", "json").output)
    assert len(rows) == 5 and {r["type"] for r in rows} == {"assistance-station"}


def test_new_writes_a_record_that_validates_once_located(registry_dir):
    data = registry_dir({})
    result = run(
        "new", "--data", str(data), "--type", "enterprise-studio", "--town", "小榄镇", "--name", "某灯饰公司工作室"
    )
    assert result.exit_code == 0, result.output
    (path,) = (data / "points").rglob("*.yaml")
    assert path.name == "enterprise-studio-xiaolan-1.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../point.schema.json")
    assert "#   可选值：rapid-enforcement（快速维权）" in text  # the studio's own services, not another type's
    assert "trademark-filing" not in text and "exact（精确到门牌）" in text
    assert run("validate", "--data", str(data)).exit_code == 1  # lat/lon still empty
    located = text.replace("\nlat:\n", "\nlat: 22.67\n").replace("\nlon:\n", "\nlon: 113.25\n")
    path.write_text(located, "utf-8")
    assert run("validate", "--data", str(data)).exit_code == 1  # no evidence and no source yet
    cited = located.replace("\nevidence:\n", "\nevidence: named\n").replace("  - title:\n", "  - title: 网点来电核实\n")
    path.write_text(cited, "utf-8")
    assert run("validate", "--data", str(data)).exit_code == 0


def test_new_refuses_an_unknown_town_with_a_hint(registry_dir):
    data = registry_dir({})
    result = run("new", "--data", str(data), "--type", "enterprise-studio", "--town", "小榄", "--name", "x")
    assert result.exit_code == 2
    assert "小榄镇" in result.output


def test_build_command_writes_the_site_from_the_records_it_validated(registry_dir, tmp_path):
    data = registry_dir({"good.yaml": "good.yaml"})
    result = run(
        "build", "--data", str(data), "--out", str(tmp_path / "out"), "--config", str(DATA.parent / "mkdocs.yml")
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "points" / "good" / "index.html").is_file()
    assert "1 个网点" in result.output


def test_nearest_reports_the_great_circle_distance_in_km(registry_dir):
    data = registry_dir({"good.yaml": "good.yaml"})  # at 22.61, 113.19
    rows = json.loads(run("nearest", "22.52", "113.38", "--data", str(data), "--format", "json").output)
    assert rows == [{"id": "good", "name": "测试商标站", "type": "trademark-station", "distance_km": 21.927}]
    text = run("nearest", "22.61", "113.29", "--data", str(data)).output  # 0.1° of longitude at 22.61° N: 10.265 km
    assert text.startswith("1. 10.26 km  测试商标站")


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        ("inf", "113.3"),
        ("22.5", "nan"),
        ("-inf", "113.3"),
        ("1e309", "113.3"),
        ("90.5", "113.3"),
        ("22.5", "180.01"),
        ("north", "113.3"),
        ("22.5", ""),
    ],
)
def test_nearest_refuses_coordinates_that_are_not_a_place_with_exit_two(lat, lon, monkeypatch):
    monkeypatch.chdir(DATA.parent)
    result = CliRunner().invoke(main, ["nearest", "--", lat, lon])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and ("纬度" in result.output or "经度" in result.output)


def test_nearest_accepts_the_extremes_of_the_globe(monkeypatch):
    monkeypatch.chdir(DATA.parent)
    assert run("nearest", "-n", "1", "--", "-90", "-180").exit_code == 0


def test_stale_days_zero_means_zero_not_the_default(registry_dir):
    import datetime as dt

    data = registry_dir({"good.yaml": "good.yaml"})
    recent = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    path = data / "points" / "good.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("2025-01-15", recent), encoding="utf-8")
    zero = json.loads(run("stale", "--data", str(data), "--days", "0", "--format", "json").stdout)
    assert zero == {"古镇镇": [{"id": "good", "name": "测试商标站", "verified": recent}]}
    assert json.loads(run("stale", "--data", str(data), "--format", "json").stdout) == {}  # default 365
    assert json.loads(run("stale", "--data", str(data), "--days", "29", "--format", "json").stdout) != {}
    assert json.loads(run("stale", "--data", str(data), "--days", "30", "--format", "json").stdout) == {}
    assert run("stale", "--data", str(data), "--days", "-1").exit_code == 2


@pytest.mark.parametrize("where", ["missing-folder/x.xlsx", "not-a-folder.txt/x.xlsx"])
def test_sheet_into_a_folder_that_is_not_there_is_one_line_and_exit_2(tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    (tmp_path / "not-a-folder.txt").write_text("x", encoding="utf-8")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["sheet", "--out", where, "--data", str(data)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"--out 所在的文件夹 {Path(where).parent} 不存在" in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["stale", "--days", "-5"], "--days 应是 0 到 36500 之间的数；用法见 servicepoints stale --help。"),
        (
            ["validate", "--format", "xml"],
            "--format 只能是 text、json、github 之一；用法见 servicepoints validate --help。",
        ),
        (
            ["nearest", "--lat", "22"],
            "没有 --lat 这个选项（是不是 --data、--format？）；用法见 servicepoints nearest --help。",
        ),
        (["nearest", "22.5"], "缺少 LON；用法见 servicepoints nearest --help。"),
        (["nearest", "abc", "113"], "纬度应是一个数字，收到“abc”；用法见 servicepoints nearest --help。"),
        (["serve", "--port", "99999"], "--port 应是 1 到 65535 之间的数；用法见 servicepoints serve --help。"),
        (["valdate"], "没有这个命令（No such command 'valdate'.）；用法见 servicepoints --help。"),
    ],
    ids=["range", "choice", "no-such-option", "missing-argument", "our-own-type", "port", "no-such-command"],
)
def test_a_mistake_on_the_command_line_is_one_chinese_line_and_exit_2(args, says):
    result = CliRunner().invoke(main, args, prog_name="servicepoints")
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"servicepoints: {says}"


def test_a_mistyped_option_is_offered_the_near_one():
    result = run("validate", "--formt", "json")
    assert result.exit_code == 2
    assert "没有 --formt 这个选项（是不是 --format？）" in result.output


def test_build_freezes_the_checked_registry_only_while_it_builds(tmp_path, monkeypatch):
    # Full collections skip the registry while pages are made; a caller in the same process gets its collector back.
    during = []
    monkeypatch.setattr(build, "build_site", lambda *args, **kwargs: during.append(gc.get_freeze_count()))
    result = run("build", "--data", str(DATA), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert during and during[0] > 0
    assert gc.get_freeze_count() == 0
