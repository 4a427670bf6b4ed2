"""The mkdocs plugin: on_files in named steps, and the type pages' nav entries made from types.csv."""

from __future__ import annotations

import csv
import inspect
import re
import shutil
from urllib.parse import urljoin

import yaml
from click.testing import CliRunner

from conftest import DATA, ROOT, build, soup
from servicepoints.cli import main
from servicepoints.site.plugin import ServicepointsPlugin

NEW = {"code": "copyright-station", "name": "版权服务工作站", "short_name": "版权站"}


def _nav_types(page, where: str) -> list[str]:
    """The type codes the primary nav of the page at ``where`` (its path in the site) links to, in nav order."""
    links = [urljoin(f"https://x.test/{where}", a["href"]) for a in page.select("nav.md-nav--primary a[href]")]
    return [m.group(1) for href in links if (m := re.fullmatch(r"https://x.test/types/([^/]+)/", href))]


def test_a_type_added_to_types_csv_validates_builds_and_joins_the_nav(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    with (data / "types.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    last = max(int(r["sort"]) for r in rows)
    rows.append(rows[-1] | NEW | {"sort": str(last + 1)})  # every other column as the last type has it
    with (data / "types.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["validate", "--data", str(data)])
    assert result.exit_code == 0, result.output
    site = build(data, tmp_path / "site")
    page = soup(site / "types" / NEW["code"] / "index.html")
    assert page.select_one("h1").get_text(strip=True).startswith(NEW["name"])
    codes = [r["code"] for r in sorted(rows, key=lambda r: int(r["sort"]))]
    assert _nav_types(soup(site / "index.html"), "") == codes
    assert _nav_types(page, f"types/{NEW['code']}/") == codes
    previous, following = page.select_one('link[rel="prev"]'), page.select_one('link[rel="next"]')
    assert previous["href"] == f"../{rows[-2]['code']}/" and following["href"] == "../../towns/"
    before = soup(site / "types" / rows[-2]["code"] / "index.html").select_one('link[rel="next"]')
    assert before["href"] == f"../{NEW['code']}/"


def test_mkdocs_yml_lists_no_type_page_by_hand():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = yaml.safe_load(re.sub(r"!ENV \[.*\]", "x", config))["nav"]
    catalogue = next(item for item in nav if isinstance(item, dict) and "服务目录" in item)["服务目录"]
    assert catalogue == ["types/index.md"]


def test_on_files_is_a_list_of_named_steps_and_every_attribute_is_declared_in_init():
    steps = re.findall(r"self\.(_[a-z_]+)\(", inspect.getsource(ServicepointsPlugin.on_files))
    named = ["_add_open_data", "_add_data_files", "_add_listing_pages", "_add_generated_pages", "_start_workers"]
    assert steps == named
    declared = set(re.findall(r"self\.([a-z_]+)\s*[:=]", inspect.getsource(ServicepointsPlugin.__init__)))
    assigned = set(re.findall(r"self\.([a-z_]+)\s*(?::[^=\n]+)?=[^=]", inspect.getsource(ServicepointsPlugin)))
    assert assigned - {"config"} <= declared, assigned - declared
