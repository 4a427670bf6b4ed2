"""The browser editor end to end: Chromium, the built /admin/ page and Decap's local backend (decap-server).

Runs on a temporary copy of the shipped data (never on data/). decap-server comes from the npm registry
(.ci/install-cms-server, called by .ci/install-browser). The screenshots it takes are the ones in
docs/guide.md (written to docs/assets/cms/ when SERVICEPOINTS_SCREENSHOTS=1).
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA, ROOT, chrome, requested_hosts, require, serving
from servicepoints.cli import main
from servicepoints.site.cms import collection_name
from servicepoints.registry.load import read_registry
from servicepoints.registry.scaffold import fresh_id

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
    require([DECAP_SERVER], "decap-server not installed: run `bash .ci/install-cms-server` (npm)")
    port = _free_port()
    env = os.environ | {"GIT_REPO_DIRECTORY": str(repo), "PORT": str(port), "BIND_HOST": "127.0.0.1"}
    env["LOG_LEVEL"] = "warn"
    proc = subprocess.Popen([str(DECAP_SERVER)], env=env, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.time() + 20
    while True:
        try:
            request = urllib.request.Request(
                url, data=b'{"action":"info"}', headers={"Content-Type": "application/json"}
            )
            urllib.request.urlopen(request, timeout=2).read()
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("decap-server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def admin(shipped_site, backend):
    """The shipped site on 127.0.0.1; admin/config.yml points its local backend at our decap-server."""
    config = (shipped_site / "admin" / "config.yml").read_text(encoding="utf-8")
    assert "\nlocal_backend: true\n" in config
    local = config.replace("\nlocal_backend: true\n", f"\nlocal_backend:\n  url: {backend}\n").encode()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            if self.path.split("?")[0] == "/admin/config.yml":
                self.send_response(200)
                self.send_header("Content-Type", "text/yaml; charset=utf-8")
                self.send_header("Content-Length", str(len(local)))
                self.end_headers()
                self.wfile.write(local)
                return
            super().do_GET()

    with serving(shipped_site, Handler) as url:
        yield url


@pytest.fixture(scope="module")
def browser(admin):
    driver = chrome("--window-size=1280,900", "--lang=zh-CN", logs=True)
    driver.get(f"{admin}/admin/")
    _wait(driver, "return [...document.querySelectorAll('button')].some(b => b.textContent.includes('登录'))")
    yield driver
    driver.quit()


def _wait(driver, script: str, timeout: float = 20, *args):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = driver.execute_script(script, *args)
        if value:
            return value
        time.sleep(0.15)
    raise AssertionError(f"timed out waiting for: {script}")


def _shot(driver, name: str) -> None:
    if os.environ.get("SERVICEPOINTS_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SHOTS / name))


def _field(driver, label: str, last: bool = False):
    """The input of the form field whose label starts with ``label`` (the last such: a list's new item)."""
    from selenium.webdriver.common.by import By

    found = [n for n in driver.find_elements(By.CSS_SELECTOR, "label[for]") if n.text.strip().startswith(label)]
    if not found:
        raise AssertionError(f"no field labelled {label}")
    boxes = [driver.find_element(By.ID, n.get_attribute("for")) for n in found]
    boxes = [b for b in boxes if b.size["height"] > 0] or boxes  # skip hidden twins
    return boxes[-1 if last else 0]


def _type(driver, label: str, text: str, last: bool = False) -> None:
    from selenium.webdriver.common.keys import Keys

    box = _field(driver, label, last)
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(text)


def _choose(driver, label: str, option: str) -> None:
    from selenium.webdriver.common.keys import Keys

    box = _field(driver, label)
    box.send_keys(option)
    time.sleep(0.2)
    box.send_keys(Keys.ENTER)


def _publish(driver) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, "//*[self::button or @role='button'][normalize-space()='发布']").click()
    _wait(
        driver,
        "return [...document.querySelectorAll('[role=menuitem], li')].some(e => e.textContent.trim() === '立即发布')",
    )
    items = driver.find_elements(By.XPATH, "//*[normalize-space()='立即发布']")
    next(i for i in items if i.is_displayed() and i.size["height"] > 0).click()
    _wait(driver, "return document.body.innerText.includes('已发布') || document.body.innerText.includes('条目已保存')")


def _validate(data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", "--data", str(data), "--settings", "none.yml"])
    return result.exit_code, result.output


def _login(driver) -> None:
    from selenium.webdriver.common.by import By

    if driver.find_elements(By.XPATH, "//button[contains(., '登录')]"):
        driver.find_element(By.XPATH, "//button[contains(., '登录')]").click()
    _wait(driver, "return document.body.innerText.includes('集合')")


def test_1_admin_loads_only_from_its_own_host_and_lists_every_record(browser, admin, repo):
    hosts = requested_hosts(browser)
    assert hosts == {"127.0.0.1"}, hosts
    _shot(browser, "login.png")
    _login(browser)
    registry = read_registry(repo / "data")
    by_type: dict[str, set[str]] = {}
    for record in registry.records:
        by_type.setdefault(record.values["type"], set()).add(record.values["id"])
    for kind in registry.tables["types"]:
        code = kind["code"]
        browser.get(f"{admin}/admin/#/collections/{collection_name(code)}")
        expected = by_type.get(code, set())
        script = (
            "return [...new Set([...document.querySelectorAll('a[href*=\"/entries/\"]')]"
            ".map(a => a.getAttribute('href').split('/entries/')[1]))]"
        )
        if expected:
            _wait(browser, f"{script}.length >= arguments[0]", 20, len(expected))
        else:
            time.sleep(1)
        assert set(browser.execute_script(script)) == expected, code
        if code == "trademark-station":
            _shot(browser, "collection.png")
    assert sum(map(len, by_type.values())) == len(registry.records)
    assert requested_hosts(browser) <= {"127.0.0.1"}
    errors = [
        e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]
    ]
    assert errors == []


def test_2_change_one_field_writes_exactly_that_change(browser, admin, repo):
    path = repo / "data" / "points" / EDITED
    before = path.read_text(encoding="utf-8")
    assert '\n# 名称按挂牌写\nname: "' in before
    old = re.search(r"^lat: ([0-9.]+)$", before, re.M).group(1)
    new = old + "12" if "." in old else old + ".12"
    browser.get(f"{admin}/admin/#/collections/points-trademark-station/entries/tm-xiaolan")
    _wait(browser, "return document.querySelectorAll('label[for]').length > 10")
    time.sleep(0.5)
    _type(browser, "纬度", new)
    _shot(browser, "edit.png")
    _publish(browser)
    after = _wait_changed(path, before)
    assert after == before.replace(f"\nlat: {old}\n", f"\nlat: {new}\n")
    code, output = _validate(repo / "data")
    assert code == 0, output


def _wait_changed(path: Path, before: str) -> str:
    deadline = time.time() + 10
    while time.time() < deadline:
        text = path.read_text(encoding="utf-8")
        if text != before:
            return text
        time.sleep(0.1)
    raise AssertionError(f"{path.name} was not written")


def test_3_new_record_gets_the_project_id_and_validates(browser, admin, repo):
    folder = repo / "data" / "points" / "trademark-stations"
    before = {p.name for p in folder.iterdir()}
    taken = {r.values["id"] for r in read_registry(repo / "data").records}
    expected = fresh_id("trademark-station", "xiaolan", taken)  # the rule `servicepoints new` uses
    assert expected == "trademark-station-xiaolan-1"
    browser.get(f"{admin}/admin/#/collections/points-trademark-station/new")
    _wait(browser, "return document.querySelectorAll('label[for]').length > 10")
    time.sleep(0.5)
    from selenium.webdriver.common.by import By

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
    browser.find_element(
        By.XPATH, "//button[contains(., '新增联系电话') or contains(., '联系电话')][contains(., '新增')]"
    ).click()
    _type(browser, "联系电话", "0760-22223333", last=True)
    if "evidence" in fields:
        _choose(browser, "依据", "有公开出处")
    if "sources" in fields:
        browser.find_element(By.XPATH, "//button[contains(., '新增')][contains(., '信息来源')]").click()
        time.sleep(0.3)
        _type(browser, "出处标题", "测试：小榄镇商标站开通公告")
        _type(browser, "网址", "https://www.zs.gov.cn/xl/test.html", last=True)
        _type(browser, "发布日期", "2024-01-19")
    _shot(browser, "new.png")
    _publish(browser)
    deadline = time.time() + 10
    while time.time() < deadline and {p.name for p in folder.iterdir()} == before:
        time.sleep(0.1)
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
    browser.get(f"{admin}/admin/")  # a fresh load: the entry is read from disk again
    _login(browser)
    browser.get(f"{admin}/admin/#/collections/code-lists/entries/towns")
    _wait(browser, "return document.querySelectorAll('label[for]').length > 100")
    time.sleep(0.5)
    _type(browser, "中心纬度（估计）", first[5] + "1")
    _publish(browser)
    after = _wait_changed(path, before)
    assert after == before.replace(",".join(first), ",".join(first[:5] + [first[5] + "1"] + first[6:]), 1)
    code, output = _validate(repo / "data")
    assert code == 0, output
