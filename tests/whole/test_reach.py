"""Reach (issue 23) in headless Chromium through Playwright: a next step on every result, honest directions,
the keyboard map, 长者模式 that holds and search that loads on demand. The shipped site, served on 127.0.0.1;
anything else the pages ask for is refused and recorded."""

from __future__ import annotations

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, require_browser, serving

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NEXT_STEP = "a[href^='tel:'], .sp-fallback a.sp-act[href^='http']"


@pytest.fixture(scope="module")
def server(shipped_site):
    with serving(shipped_site) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(server):
    require_browser()  # skips locally without Chromium, fails in CI
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[a for a in CHROMIUM_ARGS if a != "--headless=new"])
        yield browser
        browser.close()


@pytest.fixture
def page_at(chromium):
    """A page of a fresh context at the given viewport; offsite requests are refused and listed."""
    contexts = []

    def make(viewport=PHONE, elder: bool = False):
        context = chromium.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.offsite = []

        def route(r):
            if r.request.url.startswith("http://127.0.0.1"):
                r.continue_()
            else:
                context.offsite.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        if elder:
            context.add_init_script("localStorage.setItem('sp-large', '1')")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _pages(shipped_site, kind: str) -> list[str]:
    return sorted(p.parent.name for p in (shipped_site / kind).glob("*/index.html"))


def test_every_need_and_point_page_shows_a_next_step_in_its_first_screen(shipped_site, server, page_at):
    """At 390 px, a tel: link or an online channel's link is visible within one screen below the page title."""
    page = page_at()
    missing = []
    urls = [f"find/{n}/" for n in _pages(shipped_site, "find")] + [
        f"points/{p}/" for p in _pages(shipped_site, "points")
    ]
    assert len(urls) > 50
    for url in urls:
        page.goto(f"{server}/{url}", wait_until="domcontentloaded")
        title = page.locator("article h1").bounding_box()
        tops = page.eval_on_selector_all(
            NEXT_STEP,
            "els => els.filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().top + scrollY)",
        )
        if not tops or min(tops) > title["y"] + title["height"] + PHONE["height"]:
            missing.append((url, tops[:1]))
    assert missing == []
