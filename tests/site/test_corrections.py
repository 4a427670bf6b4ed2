"""Corrections without any account (settings corrections_email / corrections_phone) and what /admin/ says
when nobody can log in there: the settings' checks, the pre-filled mail link on every point page, the
guide, and /admin/ in Chromium from a host that is not localhost (no login, and a login configured)."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import build, chrome, fixture, make_registry, new_page, page_log, requested_hosts, serving, soup, wait_for
from servicepoints.core.errors import SetupError
from servicepoints.core.settings import Settings, load_settings
from servicepoints.site import corrections
from servicepoints.site.escape import neutralise_links, safe_url

EMAIL, PHONE = "bianji@example.cn", "0760-88888888"
RECORDS = {"centers/good.yaml": "good.yaml", "stations/hostile.yaml": "hostile.yaml"}


def _fields(href: str) -> tuple[str, dict[str, str]]:
    """A mailto link's address and its decoded fields, refusing anything RFC 6068 wants encoded."""
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and re.fullmatch(r"[A-Za-z0-9%._~&=?@+-]*", href[len("mailto:") :]), href
    fields = dict(pair.split("=", 1) for pair in parts.query.split("&"))
    return parts.path, {name: unquote(value, errors="strict") for name, value in fields.items()}


# --- the settings ------------------------------------------------------------------------------------

GOOD = [
    ("corrections_email", EMAIL),
    ("corrections_email", "zs.ip-data+fix@amr.zs.gov.cn"),
    ("corrections_phone", PHONE),
    ("corrections_phone", "020-83888888"),
    ("corrections_phone", "13912345678"),
    ("corrections_phone", "12345"),
    ("corrections_phone", "400-123-4567"),
]
BAD = [
    ("corrections_email", "bianji"),
    ("corrections_email", "bian ji@example.cn"),
    ("corrections_email", "bianji@example.cn?cc=all@example.cn"),
    ("corrections_email", "bianji@example.cn&body=x"),
    ("corrections_email", '"x"@example.cn'),
    ("corrections_email", "bianji@localhost"),
    ("corrections_email", "bianji@example.cn\n"),
    ("corrections_email", "bian%6ai@example.cn"),
    ("corrections_email", ".bianji@example.cn"),
    ("corrections_email", "<script>@example.cn"),
    ("corrections_email", "编辑@example.cn"),
    ("corrections_phone", "0760 88888888"),
    ("corrections_phone", "0760-88888888 转 8"),
    ("corrections_phone", "+86 760 88888888"),
    ("corrections_phone", "javascript:alert(1)"),
    ("corrections_phone", "0760-8888"),
    ("corrections_phone", "１２３４５"),
]


@pytest.mark.parametrize(("name", "value"), GOOD)
def test_a_plain_address_or_number_is_accepted_from_the_file_and_the_environment(tmp_path, monkeypatch, name, value):
    path = tmp_path / "servicepoints.yml"
    path.write_text(yaml.safe_dump({name: value}), encoding="utf-8")
    assert getattr(load_settings(path), name) == value
    monkeypatch.setenv(f"SERVICEPOINTS_{name.upper()}", value)
    assert getattr(load_settings(None), name) == value


@pytest.mark.parametrize(("name", "value"), BAD)
def test_anything_else_is_a_setup_error_naming_the_setting(tmp_path, monkeypatch, name, value):
    path = tmp_path / "servicepoints.yml"
    path.write_text(yaml.safe_dump({name: value}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SetupError, match=name):
        load_settings(path)
    monkeypatch.setenv(f"SERVICEPOINTS_{name.upper()}", value)
    with pytest.raises(SetupError, match=name):
        load_settings(None)


def test_a_number_written_bare_in_the_file_is_read_as_the_number():
    assert Settings(corrections_phone="12345").corrections_phone == "12345"


# --- the mail link -----------------------------------------------------------------------------------


def test_the_mail_link_carries_subject_and_body_exactly():
    point = {"id": "tm-xiaolan", "name": "中山市小榄镇商标品牌培育指导站"}
    href = corrections.point_mail(
        Settings(corrections_email=EMAIL), point, "data/points/t/tm-xiaolan.yaml", "https://s.test/points/tm-xiaolan/"
    )
    address, fields = _fields(href)
    assert address == EMAIL and set(fields) == {"subject", "body"}
    assert fields["subject"] == "更正网点信息：中山市小榄镇商标品牌培育指导站（tm-xiaolan）"
    body = fields["body"]
    assert body.startswith(
        "编号：tm-xiaolan\r\n记录文件：data/points/t/tm-xiaolan.yaml\r\n页面：https://s.test/points/tm-xiaolan/\r\n"
    )
    assert "\n" not in body.replace("\r\n", "")  # every line break is CRLF (RFC 6068)
    assert safe_url(href) and neutralise_links(f'<a href="{href}">x</a>') == f'<a href="{href}">x</a>'
    assert corrections.point_mail(Settings(), point, "x", "y") is None


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200), st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True))
def test_any_record_name_survives_the_mail_link_and_the_link_guard(name, point_id):
    href = corrections.point_mail(Settings(corrections_email=EMAIL), {"id": point_id, "name": name}, "p", "u")
    address, fields = _fields(href)
    assert address == EMAIL
    shown = name if len(name) <= corrections.SUBJECT_NAME else name[: corrections.SUBJECT_NAME - 1] + "…"
    assert fields["subject"] == f"更正网点信息：{shown}（{point_id}）"
    assert len(href) <= 2000  # at the longest name the schema allows too (see the built pages' test)
    written = corrections.MAIL_BODY.format(id=point_id, path="p", url="u")
    assert fields["body"] == written.replace("\r\n", "\n").replace("\n", "\r\n")
    assert safe_url(href)


def test_a_tampered_mail_link_is_cut_by_the_link_guard():
    for href in (
        f"mailto:{EMAIL}?subject=a b",
        f"mailto:{EMAIL}?bcc=all@example.cn",
        f"mailto:{EMAIL}?subject=<x>",
        f"mailto:{EMAIL},x@example.cn",
    ):
        assert not safe_url(href), href


# --- built pages -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def contact_site(tmp_path_factory) -> Path:
    """A tiny registry built with the corrections address and phone, and a GitHub login configured."""
    root = tmp_path_factory.mktemp("corrections")
    data = make_registry(root, {target: fixture(source) for target, source in RECORDS.items()})
    return build(
        data,
        root / "site",
        corrections_email=EMAIL,
        corrections_phone=PHONE,
        cms_auth_url="https://auth.example.cn",
    )


def test_every_point_page_has_a_prefilled_mail_link_and_the_phone(contact_site):
    pages = sorted((contact_site / "points").glob("*/index.html"))
    assert len(pages) == len(RECORDS)
    for page in pages:
        point_id = page.parent.name
        html = soup(page)
        (link,) = html.select("#correction a.sp-report-mail")
        address, fields = _fields(link["href"])
        assert address == EMAIL and len(link["href"]) <= 2000  # what Windows passes on to a mail program
        assert fields["subject"].endswith(f"（{point_id}）")
        assert fields["body"].startswith(f"编号：{point_id}\r\n")
        assert re.search(rf"\r\n记录文件：data/points/[a-z]+/{point_id}\.yaml\r\n", fields["body"])
        assert f"\r\n页面：https://zs-ip-servicepoints.github.io/servicepoints/points/{point_id}/\r\n" in fields["body"]
        (phone,) = html.select("#correction a.sp-report-phone")
        assert (phone["href"], phone.get_text()) == ("tel:076088888888", PHONE)
        assert html.select_one("#correction a.sp-report")  # beside the issue link, which stays


def test_the_guide_names_the_address_and_phone_only_when_set(contact_site, shipped_site):
    guide = soup(contact_site / "guide" / "index.html")
    (note,) = [p for p in guide.select("p") if p.get_text().startswith("没有任何账号也可以更正")]
    assert [(a["href"], a.get_text()) for a in note.select("a")] == [
        (f"mailto:{EMAIL}", EMAIL),
        ("tel:076088888888", PHONE),
    ]
    shipped = (shipped_site / "guide" / "index.html").read_text(encoding="utf-8")
    assert "没有任何账号也可以更正" not in shipped and corrections.GUIDE_MARK not in shipped


def test_without_a_login_admin_explains_and_offers_no_login_button(shipped_site):
    page = soup(shipped_site / "admin" / "index.html")
    note = page.select_one("#sp-admin-no-login").get_text()
    assert "目前不能登录" in note and "没有登录按钮" in note
    assert not page.select("#sp-cms-start")
    headings = [h.get_text() for h in page.select("main h2")]
    assert headings == ["谁可以登录", "怎样加入编辑组", "不登录也可以更正"]
    routes = page.select_one("#other-routes").find_next("ul").get_text()
    assert "在代码仓库中提议题" in routes and "用填报表" in routes and "发邮件" not in routes
    links = {a["href"] for a in page.select("main a")}
    assert {
        "../guide/#oauth",
        "../coordinator/",
        "https://github.com/zs-ip-servicepoints/servicepoints/issues/new",
    } <= links
    for href in links:
        if not href.startswith(("http", "#", "mailto:", "tel:")):
            assert (shipped_site / "admin" / href.split("#")[0] / "index.html").resolve().is_file(), href
    config = yaml.safe_load((shipped_site / "admin" / "config.yml").read_text(encoding="utf-8"))
    assert "local_backend" not in config


def test_with_a_login_admin_has_the_button_and_names_the_address_and_phone(contact_site):
    page = soup(contact_site / "admin" / "index.html")
    assert page.select_one("#sp-cms-start").get_text() == "编辑组成员登录（GitHub）"
    assert not page.select("#sp-admin-no-login")
    routes = page.select_one("#other-routes").find_next("ul")
    assert [a["href"] for a in routes.select("a")][:2] == [f"mailto:{EMAIL}", "tel:076088888888"]
    config = yaml.safe_load((contact_site / "admin" / "config.yml").read_text(encoding="utf-8"))
    assert config["backend"]["base_url"] == "https://auth.example.cn" and "local_backend" not in config


# --- /admin/ in Chromium, served under a name that is not localhost ----------------------------------

NAME = "servicepoints.test"


@contextlib.contextmanager
def _published_admin(site: Path):
    """Chromium on ``site``'s /admin/, served as http://servicepoints.test:PORT: not localhost, and a secure
    context as the published https site is (Decap needs one)."""
    with serving(site) as url:
        origin = url.replace("127.0.0.1", NAME)
        args = (f"--host-resolver-rules=MAP {NAME} 127.0.0.1", f"--unsafely-treat-insecure-origin-as-secure={origin}")
        with chrome(*args) as chromium, new_page(chromium, viewport={"width": 1280, "height": 900}) as page:
            page.goto(origin + "/admin/", wait_until="load")
            yield page


def test_published_admin_without_login_explains_loads_no_editor_and_asks_no_other_host(shipped_site):
    with _published_admin(shipped_site) as page:
        assert page.locator("#sp-admin-no-login").is_visible()
        assert page.evaluate("typeof window.CMS") == "undefined"  # Decap never loaded
        buttons = page.evaluate("[...document.querySelectorAll('button')].map(b => b.id || b.textContent)")
        assert buttons == ["在本机编辑（先在仓库目录运行 decap-server）"]  # present in the page, hidden here
        assert not page.locator("#sp-cms-local").is_visible()
        assert requested_hosts(page) == {NAME}


def test_published_admin_with_login_starts_decap_without_the_local_backend(contact_site):
    with _published_admin(contact_site) as page:
        assert not page.locator("#sp-cms-local").is_visible()
        page.locator("#sp-cms-start").click()
        wait_for(page, "[...document.querySelectorAll('button')].some(b => b.textContent.includes('使用 GitHub 登录'))")
        assert not page.locator("#sp-admin").is_visible()
        assert requested_hosts(page) == {NAME}  # neither localhost:8081 (decap-server) nor anything else
        messages = " ".join(text for text, _ in page_log(page).errors)
        assert "Proxy Server" not in messages and "8081" not in messages
