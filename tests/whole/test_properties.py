"""Property tests (hypothesis): whatever the files hold, the validator never raises, every problem
names its file and line, and hostile text in a valid registry reaches every page as text."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import TESTS, build, fixture, make_registry, soup
from servicepoints.registry.load import read_registry
from servicepoints.registry.validate import validate

TODAY = dt.date(2026, 1, 1)
GOOD = yaml.safe_load(fixture("good.yaml").decode().replace("2025-01-15", "'2025-01-15'"))
HOSTILE = [
    "<script>alert(1)</script>",
    "</script><script>x</script>",
    "<img src=x onerror=alert(1)>",
    "[a](javascript:x)",
    "javascript:alert(1)",
    "data:text/html,x",
    "=1+1",
    "@SUM(A1)",
    "${x}",
    "{{ 7*7 }}",
    "{% raw %}",
    "*粗*",
    "# 标题",
    "\u202e反转",
    "\u200b",
    "\x00",
    "\x1b[31m",
    "\ufeff",
    "None",
    "nan",
    "&amp;",
    "'\"",
    "\\",
    "\n\n",
    "   ",
    "－",
    "9" * 400,
    "1e999",
    "-0",
    "2026-02-30",
    "：",
    "- 列表",
    "? 键",
    "!!python/object",
    "&a",
    "*a",
    "|",
    ">",
]
text = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=40), st.text(alphabet="<>&\"'`[](){}#*_=:-\\\n\t", max_size=12)
)
scalar = st.one_of(text, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none())
value = st.recursive(
    scalar, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)), max_leaves=8
)
MARKUP = HOSTILE[:12] + ["None", "nan", "&amp;", "'\"", "\\"]  # valid text that looks like markup
FIELDS = [*GOOD, "email", "website", "address", "description", "alternate_name", "crs", "established", "private", "zz"]


def _problems(files: dict[str, bytes | str]):
    root = Path(tempfile.mkdtemp(prefix="sp-prop-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        data = make_registry(root, files)
        report = validate(read_registry(data), today=TODAY)
        names = {f"{data.as_posix()}/points/{n}" for n in files} | {f"data/points/{n}" for n in files}
        for problem in report.problems:
            assert problem.file in names or problem.file.endswith(tuple(f"points/{n}" for n in files)), problem
            assert problem.line >= 1 and problem.code and problem.message, problem
            assert isinstance(problem.message, str)
        return report
    finally:
        shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300), st.builds(yaml.safe_dump, value)))
def test_any_document_is_read_or_reported_never_raised(document):
    report = _problems({"any.yaml": document, "good.yaml": fixture("good.yaml")})
    assert report.ok or report.problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), value, st.booleans())
def test_any_field_value_is_a_result_not_an_exception(field, new, flow):
    record = dict(GOOD) | {field: new}
    document = yaml.safe_dump(record, allow_unicode=True, default_flow_style=flow)
    report = _problems({"good.yaml": document})
    if not report.ok:
        return
    for point in report.points:  # what passes is text, and names no null
        assert point["name"] and point["name"] != "None"


def test_hostile_text_in_a_valid_registry_is_text_on_every_page(tmp_path_factory):
    rng = random.Random(13)
    root = tmp_path_factory.mktemp("prop-site")
    planted, files = {}, {}
    for n in range(12):
        name = "网点" + "".join(rng.choice(MARKUP + ["甲", "乙", " "]) for _ in range(3))
        address = "某路" + rng.choice(MARKUP)
        record = dict(GOOD) | {
            "id": f"p{n}",
            "name": name.strip(),
            "address": address,
            "description": rng.choice(MARKUP),
        }
        files[f"p{n}.yaml"] = yaml.safe_dump(record, allow_unicode=True)
        planted[f"p{n}"] = record
    data = make_registry(root, files)
    report = validate(read_registry(data), today=TODAY)
    assert report.ok, report.problems
    site = build(data, root / "site")
    for path in site.rglob("*.html"):
        page = soup(path)
        for tag in page.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], (path, tag)
            assert tag.name != "img" or tag.get("src") != "x", path
        for script in page.find_all("script"):
            body = script.string or ""
            assert "<script" not in body.lower() and "</" not in body and "<!--" not in body, path
            if "json" in script.get("type", ""):
                json.loads(body)  # data, whole: the planted text did not end the element early
            else:
                assert "alert(" not in body, (path, body[:120])
    for rid, record in planted.items():
        page = soup(site / "points" / rid / "index.html")
        assert page.find("h1").get_text(strip=True).removesuffix("¶") == record["name"], rid
        shown = page.get_text()
        assert record["address"] in shown and record["description"] in shown, rid


# --- registries servicepoints accepts are packages frictionless accepts -------------------------------

HOURS_CASES = json.loads((TESTS / "hours_cases.json").read_text(encoding="utf-8"))["parse"]
SETTING_NAMES = [
    "publisher", "licence", "licence_url", "version", "release_date", "stale_days", "tiles",
    "tiles_review_number", "repo_url", "repo_branch", "repo_host", "cms_auth_url", "cms_app_id", "workers", "unknown",
]  # fmt: skip

PLAIN = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Co", "Cn", "Zl", "Zp")), min_size=1, max_size=30
)
FIELD_VALUES = {
    "name": st.one_of(PLAIN, st.sampled_from(MARKUP), st.text(min_size=118, max_size=125, alphabet="名")),
    "address": st.one_of(PLAIN, st.sampled_from(MARKUP)),
    "description": st.one_of(PLAIN, st.text(alphabet="说明\n ", min_size=1, max_size=2100)),
    "website": st.sampled_from(
        ["https://example.gov.cn/a?b=1&c=<2>", "https://xn--fiqr16a.xn--zfr164b/", "https://a.cn/" + "p" * 600]
    ),
    "phones": st.lists(st.sampled_from(["0760-88888888", "12330", "+86 760 8888 8888 转 123", "1e3"]), max_size=3),
    "hours": st.sampled_from([c["hours"] for c in HOURS_CASES]),
    "email": st.sampled_from(["a@b.cn", "x.y+z@example.org", "no-at-sign"]),
}
CELLS = [
    ("types.csv", "description"),
    ("services.csv", "audience"),
    ("needs.csv", "description"),
    ("channels.csv", "phone"),
    ("channels.csv", "source_url"),
    ("holidays.csv", "name"),
    ("towns.csv", "pinyin"),
]
CELL_TEXT = st.one_of(PLAIN, st.sampled_from(["javascript:alert(1)", "https://example.org/" + "a" * 1200, "12330"]))


def _set_cell(data: Path, name: str, column: str, text: str) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO((data / name).read_text(encoding="utf-8"), newline="")))
    rows[1][rows[0].index(column)] = text
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (data / name).write_text(out.getvalue(), encoding="utf-8")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(
    [{}], ("channels.csv", "source_url"), "https://example.org/" + "a" * 1200, ["https://example.org/" + "s" * 1100]
)
@example([{"website": "https://a.cn/" + "p" * 600}], ("channels.csv", "phone"), "javascript:alert(1)", [])
@example([{"description": "说明" * 1050}, {"name": "名" * 121}], ("holidays.csv", "name"), "节" * 61, [])
@given(
    st.lists(st.fixed_dictionaries({}, optional=FIELD_VALUES), min_size=1, max_size=3),
    st.sampled_from(CELLS),
    CELL_TEXT,
    st.lists(st.sampled_from(["https://example.org/" + "s" * 1100, "https://www.zs.gov.cn/x"]), max_size=2),
)
def test_a_registry_servicepoints_accepts_is_a_package_frictionless_accepts(changes, cell, cell_text, urls):
    """Whatever passes `servicepoints validate` is published as a package that passes `frictionless validate`
    (the published descriptor's own constraints): a small generated registry, a few examples."""
    import frictionless

    from servicepoints.core.settings import Settings
    from servicepoints.publish.export import make_files, opendata_plan, write_files
    from servicepoints.registry.model import SiteData

    root = Path(tempfile.mkdtemp(prefix="sp-pkg-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        files = {}
        for n, change in enumerate(changes):
            record = dict(GOOD) | change | {"id": f"p{n}"}
            record["sources"] = [*GOOD["sources"], *({"title": "出处", "url": u} for u in urls)]
            files[f"p{n}.yaml"] = yaml.safe_dump(record, allow_unicode=True)
        data = make_registry(root, files)
        _set_cell(data, *cell, cell_text)
        registry = read_registry(data)
        report = validate(registry, today=TODAY)
        if not report.ok:
            return
        site = SiteData(
            registry.descriptor, registry.tables, report.points, Settings(release_date="2026-01-01"), "https://x.org/"
        )
        write_files(make_files(opendata_plan(site)), root / "opendata")
        result = frictionless.Package(str(root / "opendata" / "datapackage.json")).validate()
        assert result.valid, result.flatten(["type", "note", "fieldName", "rowNumber"])[:5]
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- every reader of outside text: a result or a Problem, never an exception -------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_code_list_text_is_rows_or_problems(text):
    from servicepoints.registry.codelists import check_code_lists

    root = Path(tempfile.mkdtemp(prefix="sp-csv-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        data = make_registry(root, {"good.yaml": fixture("good.yaml")})
        (data / "types.csv").write_text("code,name,short_name,part,level,sort,description\n" + text, encoding="utf-8")
        registry = read_registry(data)
        for problem in check_code_lists(registry):
            assert problem.file.endswith("types.csv") or problem.code == "codelist-error", problem
            assert problem.line >= 1 and problem.message
        validate(registry, today=TODAY)  # and the whole check never raises either
    finally:
        shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(SETTING_NAMES), st.one_of(st.text(max_size=30), st.integers(), st.none())))
def test_any_settings_file_is_settings_or_one_setup_error(values):
    from servicepoints.core.errors import SetupError
    from servicepoints.core.settings import load_settings

    root = Path(tempfile.mkdtemp(prefix="sp-set-"))
    try:
        (root / "s.yml").write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
        try:
            load_settings(root / "s.yml")
        except SetupError as exc:
            assert str(exc)  # a SetupError, never another exception
    finally:
        shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_hours_text_is_parsed_or_refused(text):
    from servicepoints.core import hours

    parsed = hours.parse(text)
    assert parsed is None or re.fullmatch(hours.PATTERN, text)
    assert isinstance(hours.describe(text) or "", str)
