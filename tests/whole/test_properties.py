"""Property tests (hypothesis): whatever the files hold, the validator never raises, every problem
names its file and line, and hostile text in a valid registry reaches every page as text."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build, fixture, make_registry, soup
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
