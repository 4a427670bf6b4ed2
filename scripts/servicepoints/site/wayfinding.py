"""Where a page sits and where it comes from: breadcrumbs (also a schema.org BreadcrumbList, as microdata) and
the repository file that makes each page, for the theme to show (site_templates/theme/main.html)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from ..registry.load import Registry
from ..registry.model import SiteData

# Generated listing pages -> the page template (in the plugin's templates folder) that lays them out.
TEMPLATES = {
    "index.md": "home.md.j2",
    "map.md": "map.md.j2",
    "stats.md": "stats.md.j2",
    "types/index.md": "types.md.j2",
    "towns/index.md": "towns.md.j2",
    "data/fields.md": "fields.md.j2",
    "opendata/index.md": "opendata.md.j2",
    "opendata/changes.md": "changes.md.j2",
    "find/index.md": "find.md.j2",
    "data/completeness.md": "completeness.md.j2",
}


@dataclass
class Wayfinding:
    """What the breadcrumbs and edit links of a build need, read once per build."""

    points: dict[str, dict]  # id -> validated point
    record_files: dict[str, str]  # id -> the record's file, relative to the repository
    towns: dict[str, dict]  # slug -> towns.csv row
    town_slugs: dict[str, str]  # town name -> slug
    types: dict[str, dict]  # code -> types.csv row
    data_dir: str  # the registry folder, relative to the repository ("data")
    templates_dir: str  # the page templates, relative to the repository


def prepare(registry: Registry, site: SiteData, data_dir: str, templates_dir: str) -> Wayfinding:
    """``data_dir`` and ``templates_dir`` are the plugin's settings: where they sit in the repository.
    A record's path inside the registry is kept, so ``--data elsewhere`` still links to the
    published registry's layout."""
    root = Path(registry.root).resolve()
    files = {}
    for record in registry.records:
        ident = record.values.get("id")
        try:
            inside = Path(record.file).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        if isinstance(ident, str):
            files[ident] = posixpath.join(data_dir, inside)
    towns = {t["slug"]: t for t in site.tables["towns"]}
    return Wayfinding(
        points={p["id"]: p for p in site.points},
        record_files=files,
        towns=towns,
        town_slugs={t["name"]: slug for slug, t in towns.items()},
        types={t["code"]: t for t in site.tables["types"]},
        data_dir=data_dir.strip("/"),
        templates_dir=templates_dir.strip("/"),
    )


def trail(src_uri: str, way: Wayfinding) -> list[dict] | None:
    """The breadcrumb trail of a point or town page: ``[{"title", "path"}]``, home first, the page last."""
    section, _, name = src_uri.removesuffix(".md").partition("/")
    home = {"title": "首页", "path": ""}
    if section == "towns" and name in way.towns:
        return [home, {"title": "镇街", "path": "towns/"}, {"title": way.towns[name]["name"], "path": f"towns/{name}/"}]
    if section == "points" and name in way.points:
        point = way.points[name]
        here = {"title": point["name"], "path": f"points/{name}/"}
        slug = way.town_slugs.get(point["town"] or "")
        if slug:
            return [home, {"title": "镇街", "path": "towns/"}, {"title": point["town"], "path": f"towns/{slug}/"}, here]
        kind = way.types.get(point["type"])
        middle = [{"title": kind["name"], "path": f"types/{kind['code']}/"}] if kind else []
        return [home, {"title": "服务目录", "path": "types/"}, *middle, here]
    return None


def source_file(src_uri: str, docs_dir: str, way: Wayfinding, generated: bool) -> tuple[str, str] | None:
    """The repository file behind a page and the link's wording, or None when there is none to edit."""
    section, _, name = src_uri.removesuffix(".md").partition("/")
    if not generated:
        return posixpath.join(docs_dir, src_uri), "在代码仓库中修改本页"
    if section == "points" and name in way.record_files:
        return way.record_files[name], "在代码仓库中修改这条网点记录"
    if section == "towns" and name in way.towns:
        return posixpath.join(way.data_dir, "towns.csv"), "在代码仓库中修改镇街代码表"
    if section == "types" and name in way.types:
        return posixpath.join(way.data_dir, "types.csv"), "在代码仓库中修改网点类型代码表"
    if section == "find" and name != "index":
        return posixpath.join(way.data_dir, "needs.csv"), "在代码仓库中修改办事需求表"
    if src_uri in TEMPLATES:
        return posixpath.join(way.templates_dir, TEMPLATES[src_uri]), "在代码仓库中修改本页模板"
    return None


def edit_url(repo_url: str | None, edit_uri: str | None, docs_dir: str, path: str) -> str | None:
    """The edit link of any repository file. mkdocs' ``edit_uri`` points at the docs folder
    (``edit/main/docs/``); a file outside it is reached relative to that folder."""
    if not repo_url or not edit_uri:
        return None
    base = urljoin(repo_url.rstrip("/") + "/", edit_uri if edit_uri.endswith("/") else edit_uri + "/")
    return urljoin(base, posixpath.relpath(path, docs_dir))


def _docs_dir(config) -> str:
    base = Path(config.config_file_path).parent.resolve()
    try:
        return Path(config.docs_dir).resolve().relative_to(base).as_posix()
    except ValueError:
        return "docs"


def point_view(way: Wayfinding, config) -> dict:
    """What point.md.j2's breadcrumbs and edit link need (_wayfinding.j2): point pages carry them in
    their body, so the theme frame they share (pagepath.py) is the same for every point."""
    docs_dir = _docs_dir(config)
    probe = posixpath.join(way.data_dir, "x")
    url = edit_url(config.repo_url, config.edit_uri, docs_dir, probe)
    return {"sp_edit_base": url[: -len(probe)] if url else None, "sp_record_files": way.record_files}


def annotate(page, config, way: Wayfinding) -> None:
    """Set the page's breadcrumbs and edit link (``page.meta.sp_*``, ``page.edit_url``) for the theme.
    Nothing in the meta names the page itself (see above)."""
    src_uri = page.file.src_uri
    if src_uri.startswith("points/") and page.file.generated_by is not None:
        return  # in the point's body (point_view): every point page shares one frame
    docs_dir = _docs_dir(config)
    crumbs = trail(src_uri, way)
    meta = dict(page.meta or {})  # never mutate a dict the page may share
    if crumbs:
        # The page itself (the last step) is drawn from page.title and "./" by the theme, so the meta of
        # point pages varies by town only and perf's page frames (pagepath.py) can be reused.
        meta["sp_breadcrumbs"] = crumbs[:-1]
    found = source_file(src_uri, docs_dir, way, page.file.generated_by is not None)
    url = found and edit_url(config.repo_url, config.edit_uri, docs_dir, found[0])
    page.edit_url = url or None
    if found and url:
        path, label = found
        meta["sp_edit_label"] = label
        meta["sp_edit_base"] = url[: len(url) - len(path)]  # the repository root's edit URL
        meta["sp_edit_dir"] = posixpath.dirname(path)  # pages of one frame share their file's folder
    page.meta = meta
