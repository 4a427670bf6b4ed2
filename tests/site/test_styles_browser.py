"""The cut stylesheets in Chromium: every class a page carries once its scripts have run (search open with
results, the map drawn, 长者模式 on) that the theme's full stylesheet styles is still styled by our cut.

A class the theme's script adds at run time and no source of ours names would be missing here: add it to
material.RUNTIME_CLASSES."""

from __future__ import annotations

import re

from conftest import chrome, new_page, page_log, serving, wait_for
from servicepoints.site import material

PAGES = [
    "",
    "points/tm-xiaolan/",
    "find/register-trademark/",
    "map/",
    "opendata/",
    "towns/",
    "types/trademark-station/",
    "guide/",
    "standard/",
    "does-not-exist/",
]
CLASSES_ON_PAGE = "[...new Set([...document.querySelectorAll('*')].flatMap(e => [...e.classList]))]"
_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")


def _classes(css: str) -> set[str]:
    return set(_CLASS.findall(css))


def test_every_class_a_running_page_carries_keeps_the_theme_styles_for_it(shipped_site):
    theme = set().union(*(_classes(p.read_text(encoding="utf-8")) for p in material.installed_stylesheets()))
    kept = set().union(
        *(_classes(p.read_text(encoding="utf-8")) for p in (shipped_site / material.STYLESHEETS).iterdir())
    )
    seen: dict[str, str] = {}
    with serving(shipped_site) as url, chrome() as browser:
        for width, elder in ((390, True), (1280, False)):
            with new_page(browser, viewport={"width": width, "height": 900}) as page:
                if elder:
                    page.add_init_script("localStorage.setItem('servicepoints-large-text', '1')")
                for path in PAGES:
                    page.goto(f"{url}/{path}")
                    wait_for(page, "document.readyState === 'complete'")
                    for name in wait_for(page, CLASSES_ON_PAGE):
                        seen.setdefault(name, path)
                page.goto(f"{url}/")
                page.keyboard.press("/")  # the theme's key for search, from the keyboard alone
                page.keyboard.type("小榄 商标")
                wait_for(page, "document.querySelectorAll('.md-search-result__item').length > 0")
                for name in wait_for(page, CLASSES_ON_PAGE):
                    seen.setdefault(name, "search")
                assert not [e for e in page_log(page).errors if "stylesheets" in e[1]]
    unstyled = {name: where for name, where in seen.items() if name in theme and name not in kept}
    assert not unstyled, f"classes the cut dropped but pages carry (add them to material.RUNTIME_CLASSES): {unstyled}"
    assert {"md-search-result__item", "md-header__title", "md-typeset"} <= set(seen)
