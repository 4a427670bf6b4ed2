"""The browser editor end to end: Chromium, the built /admin/ page and Decap's local backend (decap-server).

Runs on a temporary copy of the shipped data (never on data/). decap-server comes from the npm registry
(.ci/install-cms-server, called by .ci/install-browser). The screenshots it takes are the ones in
docs/guide.md (written to docs/assets/cms/ when SERVICEPOINTS_SCREENSHOTS=1).
"""

from __future__ import annotations

import http.server
import json
import math
import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA, ROOT, WAIT_SECONDS, chrome, new_page, page_log, requested_hosts, require, serving, wait_for
from servicepoints.cli import main
from servicepoints.core.geo import distance_km, gcj02_to_wgs84, wgs84_to_gcj02
from servicepoints.registry.load import read_registry
from servicepoints.registry.scaffold import fresh_id
from servicepoints.site.cms import collection_name
from servicepoints.site.escape import script_json

DECAP_SERVER = ROOT / ".cache" / "decap-server" / "node_modules" / ".bin" / "decap-server"
SHOTS = ROOT / "docs" / "assets" / "cms"
EDITED = "trademark-stations/tm-xiaolan.yaml"
TRICKY = "小榄商标站: \"测试\" #1 & 'x' - yes"  # colon-space, quotes, hash, ampersand, a YAML 1.1 boolean


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A throwaway repository root holding a copy of data/."""
    root = tmp_path_factory.mktemp("cmsrepo")
    shutil.copytree(DATA, root / "data")
    edited = root / "data" / "points" / EDITED  # a hand comment and hand quoting the save must keep
    text = edited.read_text(encoding="utf-8")
    name = re.search(r"^name: (.*)$", text, re.M).group(1)
    text = text.replace(f"\nname: {name}\n", f'\n# 名称按挂牌写\nname: "{name}"\n')
    edited.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def backend(repo):
    """decap-server on a free port, once it says it is listening (its log, read as it is written)."""
    require([DECAP_SERVER], "decap-server not installed: run `bash .ci/install-cms-server` (npm)")
    port = _free_port()
    env = os.environ | {"GIT_REPO_DIRECTORY": str(repo), "PORT": str(port), "BIND_HOST": "127.0.0.1"}
    env["LOG_LEVEL"] = "info"  # its start-up lines; each request is logged at debug, so not here
    proc = subprocess.Popen(
        [str(DECAP_SERVER)], env=env, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    said: list[str] = []
    listening = threading.Event()

    def read() -> None:  # to the end, so its pipe never fills
        for line in proc.stdout or []:
            said.append(line)
            if f"listening on 127.0.0.1:{port}" in line:
                listening.set()
        listening.set()  # it stopped: say so at once

    threading.Thread(target=read, daemon=True).start()
    if not listening.wait(WAIT_SECONDS) or proc.poll() is not None:
        proc.kill()
        pytest.fail("decap-server did not start: " + "".join(said[-20:]))
    yield f"http://127.0.0.1:{port}/api/v1"
    proc.terminate()
    proc.wait(timeout=10)


TILE = bytes.fromhex(  # a 1x1 grey PNG: the picker's tiles come from the test server, not the internet
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
    "0000000a49444154789c6338030000ce00cdd46690b00000000049454e44ae426082"
)


def _admin_page(text: str, backend: str) -> bytes:
    """admin/index.html with Decap's local backend at our decap-server and the picker's tiles on this server
    (the tiles keep their datum, so the GCJ-02 shift is still undone)."""
    found = re.search(r'(<script type="application/json" id="sp-cms-data">)(.*?)(</script>)', text, re.S)
    data = json.loads(found.group(2))
    assert data["localBackend"] is True
    data["localBackend"] = {"url": backend}
    data["picker"]["tiles"] |= {"url": "/tiles/{z}/{x}/{y}.png", "labels": None, "subdomains": ""}
    return (text[: found.start(2)] + str(script_json(data)) + text[found.end(2) :]).encode()


@pytest.fixture(scope="module")
def admin(shipped_site, backend):
    """The shipped site on 127.0.0.1, its /admin/ pointed at our decap-server and at local tiles."""
    config = (shipped_site / "admin" / "config.yml").read_text(encoding="utf-8")
    assert "local_backend" not in config  # the published config never names the local backend
    page = _admin_page((shipped_site / "admin" / "index.html").read_text(encoding="utf-8"), backend)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            path = self.path.split("?")[0]
            if path in ("/admin/", "/admin/index.html"):
                return self._send(page, "text/html; charset=utf-8")
            if path.startswith("/tiles/"):
                return self._send(TILE, "image/png")
            super().do_GET()

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(shipped_site, Handler) as url:
        yield url


@pytest.fixture(scope="module")
def browser(admin):
    with chrome("--lang=zh-CN") as chromium, new_page(chromium, locale="zh-CN", viewport=DESKTOP) as page:
        page.goto(f"{admin}/admin/")
        page.locator("#sp-cms-local:not([hidden]) button").click()  # the local editor is offered on localhost only
        wait_for(page, "[...document.querySelectorAll('button')].some(b => b.textContent.includes('登录'))")
        yield page


DESKTOP = {"width": 1280, "height": 900}


def _shot(page, name: str) -> None:
    """Refresh the guide's screenshot ``name``.webp (lossy WebP at 80, about a third of a PNG: issue 27),
    when SERVICEPOINTS_SCREENSHOTS=1; needs cwebp (Debian's webp), as scripts/coordinator_screenshots.sh does."""
    if os.environ.get("SERVICEPOINTS_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        png = SHOTS / f"{name}.png"
        page.screenshot(path=str(png))
        try:
            subprocess.run(["cwebp", "-quiet", "-q", "80", str(png), "-o", str(SHOTS / f"{name}.webp")], check=True)
        finally:
            png.unlink()


# The ids of the inputs whose label starts with the text, the shown ones (not hidden twins) when there are any.
FIELD_IDS = """(label) => {
  const boxes = [...document.querySelectorAll('label[for]')].filter(n => n.innerText.trim().startsWith(label))
    .map(n => document.getElementById(n.htmlFor)).filter(Boolean);
  const shown = boxes.filter(b => b.getBoundingClientRect().height > 0);
  return boxes.length ? (shown.length ? shown : boxes).map(b => b.id) : null;
}"""


def _field(page, label: str, last: bool = False):
    """The input of the form field whose label starts with ``label`` (the last such: a list's new item), once the
    form shows it."""
    ids = wait_for(page, FIELD_IDS, arg=label)
    return page.locator(f"[id='{ids[-1 if last else 0]}']")


def _shows(page, label: str, value: str) -> None:
    """Wait until the form has filled the field with the value it read (the editor fills a form it has drawn)."""
    wait_for(
        page,
        "([id, v]) => document.getElementById(id).value === v",
        arg=[wait_for(page, FIELD_IDS, arg=label)[0], value],
    )


def _type(page, label: str, text: str, last: bool = False) -> None:
    _field(page, label, last).fill(text)


def _choose(page, label: str, option: str) -> None:
    """Type into a drop-down's search box and take the first choice it offers, once it offers ``option``."""
    box = _field(page, label)
    box.fill(option)
    wait_for(
        page,
        "(t) => [...document.querySelectorAll('[id*=\"-option-\"]')].some(o => o.textContent.includes(t))",
        arg=option,
    )
    box.press("Enter")


def _publish(page) -> None:
    page.locator("xpath=//*[self::button or @role='button'][normalize-space()='发布']").click()
    now = page.locator("xpath=//*[normalize-space()='立即发布']").filter(visible=True)
    now.first.click()
    wait_for(page, "document.body.innerText.includes('已发布') || document.body.innerText.includes('条目已保存')")


def _validate(data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", "--data", str(data), "--settings", "none.yml"])
    return result.exit_code, result.output


def _login(page) -> None:
    page.wait_for_load_state("load")
    here = page.locator("#sp-cms-local:not([hidden]) button")
    if here.count():  # not logged in before, the page explains first; a returning editor's Decap may be starting
        here.first.evaluate("b => b.click()")  # already hidden then: the page ignores it
    wait_for(
        page,
        "[...document.querySelectorAll('button')].some(b => b.textContent.includes('登录'))"
        " || document.body.innerText.includes('集合')",
    )
    login = page.locator("xpath=//button[contains(., '登录')]")
    if login.count():
        login.first.click()
    wait_for(page, "document.body.innerText.includes('集合')")


def test_1_admin_loads_only_from_its_own_host_and_lists_every_record(browser, admin, repo):
    hosts = requested_hosts(browser)
    assert hosts == {"127.0.0.1"}, hosts
    _shot(browser, "login")
    _login(browser)
    registry = read_registry(repo / "data")
    by_type: dict[str, set[str]] = {}
    for record in registry.records:
        by_type.setdefault(record.values["type"], set()).add(record.values["id"])
    for kind in registry.tables["types"]:
        code = kind["code"]
        browser.goto(f"{admin}/admin/#/collections/{collection_name(code)}")
        expected = by_type.get(code, set())
        listed = (
            "[...new Set([...document.querySelectorAll('a[href*=\"/entries/\"]')]"
            ".map(a => a.getAttribute('href').split('/entries/')[1]))]"
        )
        if expected:
            wait_for(browser, f"(n) => {listed}.length >= n", arg=len(expected))
        else:  # the collection has loaded and says it is empty
            wait_for(browser, "document.body.innerText.includes('暂无内容')")
        assert set(browser.evaluate(listed)) == expected, code
        if code == "trademark-station":
            _shot(browser, "collection")
    assert sum(map(len, by_type.values())) == len(registry.records)
    assert requested_hosts(browser) <= {"127.0.0.1"}
    errors = [text for text, url in page_log(browser).errors if "favicon" not in text + url]
    assert errors == []


def test_2_change_one_field_writes_exactly_that_change(browser, admin, repo):
    path = repo / "data" / "points" / EDITED
    before = path.read_text(encoding="utf-8")
    assert '\n# 名称按挂牌写\nname: "' in before
    old = re.search(r"^lat: ([0-9.]+)$", before, re.M).group(1)
    new = old + "12" if "." in old else old + ".12"
    browser.goto(f"{admin}/admin/#/collections/points-trademark-station/entries/tm-xiaolan")
    _shows(browser, "纬度", old)  # the form holds the record as read
    _type(browser, "纬度", new)
    _shot(browser, "edit")
    _publish(browser)  # returns once the page says so: decap-server answers after it has written the file
    after = path.read_text(encoding="utf-8")
    assert after == before.replace(f"\nlat: {old}\n", f"\nlat: {new}\n")
    code, output = _validate(repo / "data")
    assert code == 0, output


def test_3_new_record_gets_the_project_id_and_validates(browser, admin, repo):
    folder = repo / "data" / "points" / "trademark-stations"
    before = {p.name for p in folder.iterdir()}
    taken = {r.values["id"] for r in read_registry(repo / "data").records}
    expected = fresh_id("trademark-station", "xiaolan", taken)  # the rule `servicepoints new` uses
    assert expected == "trademark-station-xiaolan-1"
    browser.goto(f"{admin}/admin/#/collections/points-trademark-station/new")
    wait_for(browser, "document.querySelectorAll('label[for]').length > 10")
    fields = {f["name"] for f in read_registry(repo / "data").descriptor.fields()}
    _type(browser, "名称", "中山市小榄镇商标品牌培育指导站（测试分站）")
    _type(browser, "别名", TRICKY)
    _choose(browser, "服务状态", "待核实")
    _choose(browser, "所在镇街", "小榄镇")
    _choose(browser, "位置精度", "位置待补充")
    _choose(browser, "服务项目", "商标业务受理")
    _type(browser, "服务时间", "Mo-Fr 09:00-12:00,13:30-17:00; PH off")
    _type(browser, "设立时间", "2021-11")
    _type(browser, "核实日期", "2025-03-31")
    browser.locator(
        "xpath=//button[contains(., '新增联系电话') or contains(., '联系电话')][contains(., '新增')]"
    ).click()
    _type(browser, "联系电话", "0760-22223333", last=True)
    if "evidence" in fields:
        _choose(browser, "依据", "有公开出处")
    if "sources" in fields:
        browser.locator("xpath=//button[contains(., '新增')][contains(., '信息来源')]").click()
        _type(browser, "出处标题", "测试：小榄镇商标站开通公告")  # once the new item's fields are shown
        _type(browser, "网址", "https://www.zs.gov.cn/xl/test.html", last=True)
        _type(browser, "发布日期", "2024-01-19")
    _shot(browser, "new")
    _publish(browser)  # the file is written before decap-server answers
    created = {p.name for p in folder.iterdir()} - before
    assert created == {f"{expected}.yaml"}
    text = (folder / f"{expected}.yaml").read_text(encoding="utf-8")
    assert text.startswith(f"# yaml-language-server: $schema=../../point.schema.json\nid: {expected}\n")
    assert '""' not in text and "[]" not in text
    code, output = _validate(repo / "data")
    assert code == 0, output
    record = next(r for r in read_registry(repo / "data").records if r.values["id"] == expected)
    assert record.values["alternate_name"] == TRICKY
    assert record.values["phones"] == ["0760-22223333"]
    assert record.values["established"] == "2021-11" and record.values["verified"] == "2025-03-31"
    assert record.values["services"] == ["trademark-filing"]


def test_4_code_list_edit_changes_one_csv_cell(browser, admin, repo):
    path = repo / "data" / "towns.csv"
    before = path.read_text(encoding="utf-8")
    first = before.splitlines()[1].split(",")
    assert first[1] == "石岐街道"
    browser.goto(f"{admin}/admin/")  # a fresh load: the entry is read from disk again
    _login(browser)
    browser.goto(f"{admin}/admin/#/collections/code-lists/entries/towns")
    wait_for(browser, "document.querySelectorAll('label[for]').length > 100")
    _shows(browser, "中心纬度（估计）", first[5])  # the form holds the table as read
    _type(browser, "中心纬度（估计）", first[5] + "1")
    _publish(browser)
    after = path.read_text(encoding="utf-8")
    assert after == before.replace(",".join(first), ",".join(first[:5] + [first[5] + "1"] + first[6:]), 1)
    code, output = _validate(repo / "data")
    assert code == 0, output


PICKED = "trademark-stations/tm-guzhen.yaml"  # a named record placed at its town's centre (precision: town)
TILE_SIZE = 256


def _display_at(tile: dict, x: float, y: float) -> tuple[float, float]:
    """The latitude and longitude drawn at screen point (x, y) inside a slippy-map tile (z/x/y, its screen
    rectangle): spherical Web Mercator, as every tile server and Leaflet's default CRS draw them."""
    world = TILE_SIZE * 2 ** tile["z"]
    px = tile["x"] * TILE_SIZE + (x - tile["left"])
    py = tile["y"] * TILE_SIZE + (y - tile["top"])
    lon = px / world * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / world))))
    return lat, lon


def test_5_a_click_on_the_picker_map_stores_that_point_as_wgs84(browser, admin, repo):
    path = repo / "data" / "points" / PICKED
    before = path.read_text(encoding="utf-8")
    lat, lon = (float(re.search(rf"^{k}: ([0-9.]+)$", before, re.M).group(1)) for k in ("lat", "lon"))
    browser.goto(f"{admin}/admin/")
    _login(browser)
    browser.goto(f"{admin}/admin/#/collections/points-trademark-station/entries/tm-guzhen")
    box = browser.locator("[data-sp-picker-ready]")
    box.scroll_into_view_if_needed()
    wait_for(
        browser,
        "() => document.querySelector('[data-sp-picker-ready]')"
        ".querySelectorAll('img.leaflet-tile-loaded').length >= 4",
    )
    # The pin starts on the record's position: WGS-84 shifted to GCJ-02 for the Amap tiles.
    pin = box.evaluate(
        "box => { const r = box.querySelector('.sp-picker-pin').getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; }"
    )
    tiles = box.evaluate(
        "box => [...box.querySelectorAll('img.leaflet-tile-loaded')].map(img => {"
        "  const r = img.getBoundingClientRect(), m = img.src.match(/tiles\\/(\\d+)\\/(\\d+)\\/(\\d+)\\.png/);"
        "  return {z: +m[1], x: +m[2], y: +m[3], left: r.left, top: r.top, right: r.right, bottom: r.bottom};"
        "})"
    )
    x, y = round(pin[0]) + 60, round(pin[1]) - 40  # a known screen point beside the pin
    tile = next(t for t in tiles if t["left"] <= x < t["right"] and t["top"] <= y < t["bottom"])
    shown = _display_at(tile, *pin)
    assert distance_km(*shown, *wgs84_to_gcj02(lat, lon)) < 0.005  # the pin is drawn where the record is
    expected = gcj02_to_wgs84(*_display_at(tile, x, y))  # what the map shows there, in WGS-84
    status = "document.querySelector('.sp-picker-status').textContent"
    browser.mouse.click(x + 100, y + 50)  # a first try, taken back: the record keeps its position
    wait_for(browser, status + ".includes('已选位置')")
    browser.locator(".sp-picker-undo").click()
    wait_for(browser, status + ".includes('记录中的位置')")
    browser.mouse.click(x, y)
    wait_for(browser, status + ".includes('已选位置')")
    _shot(browser, "picker")
    _publish(browser)  # returns once the page says so: decap-server answers after it has written the file
    after = path.read_text(encoding="utf-8")
    stored = tuple(float(re.search(rf"^{k}: ([0-9.]+)$", after, re.M).group(1)) for k in ("lat", "lon"))
    assert distance_km(*stored, *expected) * 1000 < 5, (stored, expected)
    assert distance_km(*stored, lat, lon) > 0.05  # it moved: the click was not ignored
    assert "\nprecision: exact\n" in after and "crs:" not in after and "location_picker" not in after
    rest = [line for line in after.splitlines() if not line.startswith(("lat:", "lon:", "precision:"))]
    assert rest == [line for line in before.splitlines() if not line.startswith(("lat:", "lon:", "precision:"))]
    code, output = _validate(repo / "data")
    assert code == 0, output
    assert requested_hosts(browser) <= {"127.0.0.1"}
