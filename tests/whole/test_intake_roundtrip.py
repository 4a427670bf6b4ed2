"""The round trip a town makes, on a copy of data/: export the sheet for 小榄镇, fill it in (openpyxl, or
openpyxl then a LibreOffice save), import it as a dry run, then write it; validate passes afterwards."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import DATA
from servicepoints.cli import main
from servicepoints.registry.yamlread import parse

DAY = "2026-12-01"
BY = "小榄镇市场监督管理分局"
ADDRESS = "小榄镇升平中路8号"
SOURCE = f"  - title: 填报表（filled.xlsx）\n    provided_by: {BY}\n    date: {DAY}\n"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found and os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is missing; .ci/install-opendata installs it")
    return found


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A copy of data/ where 小榄镇's assistance station already has an address a town gave earlier."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DATA, tmp_path / "data")
    record = tmp_path / "data" / "points" / "assistance-stations" / "aid-xiaolan.yaml"
    text = record.read_text(encoding="utf-8").replace("evidence: inferred", "evidence: reported")
    text = text.replace("precision: town\n", f"precision: town\naddress: {ADDRESS}\n")
    record.write_text(
        text + f"  - title: 填报表（earlier.xlsx）\n    provided_by: {BY}\n    date: 2026-06-01\n", "utf-8"
    )
    assert run("validate", "--data", "data").exit_code == 0
    return tmp_path / "data"


def fill(path) -> None:
    """The clerk's edits: a phone and hours for tm-xiaolan, aid-xiaolan's address blanked, one new point."""
    book = openpyxl.load_workbook(path)
    sheet = book["网点"]
    titles = [c.value for c in sheet[1]]
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    assert set(rows) == {"aid-xiaolan", "tm-xiaolan"}

    def put(row, title, value):
        sheet.cell(row, titles.index(title) + 1).value = value  # cell(r, c, None) would not blank it

    put(rows["tm-xiaolan"], "联系电话", "0760-22223333")
    put(rows["tm-xiaolan"], "服务时间", "Mo-Fr 09:00-12:00,13:30-17:00; PH off")
    put(rows["aid-xiaolan"], "地址", None)
    new = sheet.max_row + 1
    put(new, "名称", "中山市小榄镇知识产权服务工作站")
    put(new, "网点类型", "商标品牌培育指导站")
    put(new, "所在镇街", "小榄镇")
    put(new, "服务状态", "运营中")
    put(new, "地址", "小榄镇民安南路1号")
    book.save(path)


def converted(path, tmp_path):
    """The workbook as LibreOffice saves it (what a WPS or LibreOffice save does)."""
    program = soffice()
    if program is None:
        pytest.skip("LibreOffice is not installed (.ci/install-opendata installs it)")
    out = tmp_path / "lo"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / path.name


EXPECTED_DRY_RUN = [
    "修改 2 个网点：",
    "  aid-xiaolan（网点第 2 行，data/points/assistance-stations/aid-xiaolan.yaml）",
    f"    地址：{ADDRESS} → （空）",
    "  tm-xiaolan（网点第 3 行，data/points/trademark-stations/tm-xiaolan.yaml）",
    "    联系电话：（空） → 0760-22223333",
    "    服务时间：（空） → Mo-Fr 09:00-12:00,13:30-17:00; PH off",
    "新增 1 个网点：",
    "  trademark-station-xiaolan-1（网点第 4 行，将写入 "
    "data/points/trademark-stations/trademark-station-xiaolan-1.yaml）",
    "    名称：中山市小榄镇知识产权服务工作站",
    "    网点类型：商标品牌培育指导站",
    "    所在镇街：小榄镇",
    "    服务状态：运营中",
    "    位置精度：位置待补充",
    "    地址：小榄镇民安南路1号",
]


@pytest.mark.parametrize("saved_by", ["openpyxl", "libreoffice"])
def test_round_trip_changes_exactly_what_the_town_changed(data, tmp_path, saved_by):
    assert run("sheet", "--town", "小榄镇", "--out", "filled.xlsx", "--data", "data").exit_code == 0
    path = tmp_path / "filled.xlsx"
    fill(path)
    if saved_by == "libreoffice":
        path = converted(path, tmp_path)
    before = snapshot(data)

    dry = run("import", str(path), "--data", "data", "--date", DAY)
    assert dry.exit_code == 0, dry.output
    lines = dry.output.splitlines()
    assert "修改 2 个网点：" in lines, dry.output
    start = lines.index("修改 2 个网点：")
    assert lines[start : start + len(EXPECTED_DRY_RUN)] == EXPECTED_DRY_RUN
    assert not any(line.startswith("不能导入") for line in lines)
    assert snapshot(data) == before  # byte for byte

    wrote = run("import", str(path), "--data", "data", "--date", DAY, "--write", "--by", BY)
    assert wrote.exit_code == 0, wrote.output
    after = snapshot(data)
    changed = {p.relative_to(data).as_posix() for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert changed == {
        "points/assistance-stations/aid-xiaolan.yaml",
        "points/trademark-stations/tm-xiaolan.yaml",
        "points/trademark-stations/trademark-station-xiaolan-1.yaml",
    }

    tm = "points/trademark-stations/tm-xiaolan.yaml"
    assert _diff(before[data / tm], after[data / tm]) == [
        "+phones:",
        "+  - 0760-22223333",
        '+hours: "Mo-Fr 09:00-12:00,13:30-17:00; PH off"',
        "-evidence: inferred",
        f"+verified: {DAY}",
        "+evidence: reported",
        *("+" + line for line in SOURCE.splitlines()),
    ]
    aid = "points/assistance-stations/aid-xiaolan.yaml"
    assert _diff(before[data / aid], after[data / aid]) == [
        f"-address: {ADDRESS}",
        f"+verified: {DAY}",
        *("+" + line for line in SOURCE.splitlines()),
    ]
    new = parse(after[data / "points/trademark-stations/trademark-station-xiaolan-1.yaml"].decode()).values
    assert new == {
        "id": "trademark-station-xiaolan-1",
        "name": "中山市小榄镇知识产权服务工作站",
        "type": "trademark-station",
        "town": "小榄镇",
        "status": "operating",
        "precision": "unknown",
        "address": "小榄镇民安南路1号",
        "verified": DAY,
        "evidence": "reported",
        "sources": [{"title": "填报表（filled.xlsx）", "provided_by": BY, "date": DAY}],
    }
    assert run("validate", "--data", "data").exit_code == 0

    again = run("import", str(path), "--data", "data", "--date", DAY, "--force")  # the same sheet a second time
    assert again.exit_code == 1
    assert (
        "  第 4 行：网点!A4：新网点的名称与已有网点 trademark-station-xiaolan-1 相同："
        "已导入过的网点请在它自己的行里修改。" in again.output.splitlines()
    )
    assert snapshot(data) == after


def _diff(old: bytes, new: bytes) -> list[str]:
    lines = difflib.unified_diff(old.decode().splitlines(), new.decode().splitlines(), lineterm="", n=0)
    return [line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))]
