"""Render the site's generated pages: data in, Markdown page sources out."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
from collections import Counter
from collections.abc import Mapping
from html import escape
from pathlib import Path

import jinja2

from ..core import hours
from ..core.cache import Cache
from ..core.errors import CODES
from ..publish.catalog import schema_org_dataset, temporal_coverage
from ..publish.changes import LEVEL_TEXT, LEVELS, RULES
from ..publish.completeness import completeness
from ..publish.export import SQLITE_NAME
from ..publish.feed import FEED_NAME
from ..publish.formats import GROUPS
from ..publish.hsds import caveats as hsds_caveats
from ..publish.tables import coverage
from ..registry.descriptor import Descriptor
from ..registry.freshness import is_fresh
from ..registry.load import allowed_services
from ..registry.model import SiteData
from ..registry.needs import channels_for, needs_for_services, needs_view
from ..registry.provenance import OWN_POSITION, is_inferred, own_position, providers, status_basis
from .cms import point_links
from .counts import Counts, inferred_reason, need_query, query
from .escape import link, md, script_json
from .links import map_links
from .mapview import hours_index, map_parts
from .material import segment
from .pagepath import Body, Toc
from .qr import qr_svg

PREVIEW_ROWS = 5
PREVIEW_CHARS = 24  # longer cells are cut in the preview so each row stays one line on a phone
NEED_BOOST = 20  # a need page outranks the point pages sharing its words (the search worker multiplies its score)


class _Compiled(jinja2.BytecodeCache):
    """Compiled templates, kept for the process and, once ``keep_in`` names one, in the project's cache for
    the next build (core/cache.py). A build makes several environments (pages, generated pages, the editor,
    the late pages, the theme's), each of which would compile the same templates again.

    An entry is found by the template's name and file and the environment's compiling options (a template
    read with other delimiters or escaping compiles to other code); Jinja checks it against the template's
    source and its own and Python's versions, so an edited template is compiled afresh."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}
        self.kept = Cache(None)
        self.in_folder: set[str] = set()  # entries known to be in the kept folder

    def keep_in(self, cache: Cache) -> None:
        if cache.folder != self.kept.folder:
            self.in_folder = set()
        self.kept = cache

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        entry = _entry(bucket)
        code = self.code.get(entry)
        if code is None:
            code = self.kept.get(entry, _made_from(bucket))
            self.in_folder.add(entry)
        if code is not None:
            bucket.bytecode_from_string(code)
            if bucket.code is not None:
                self.code[entry] = code
                if entry not in self.in_folder:  # compiled in this process before the folder was named
                    self._keep(bucket, entry, code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        entry, code = _entry(bucket), bucket.bytecode_to_string()
        self.code[entry] = code
        self._keep(bucket, entry, code)

    def _keep(self, bucket: jinja2.bccache.Bucket, entry: str, code: bytes) -> None:
        self.kept.put(entry, _made_from(bucket), code)
        self.in_folder.add(entry)


def _entry(bucket: jinja2.bccache.Bucket) -> str:
    env = bucket.environment
    options = (
        bucket.key,
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        sorted(env.extensions),
        env.optimized,
        env.is_async,
        _named(env.autoescape),
        _named(env.finalize),
        _named(env.code_generator_class),
    )
    return "template-" + hashlib.sha256(repr(options).encode()).hexdigest()


def _named(value) -> str:
    return repr(value) if value is None or isinstance(value, bool) else f"{value.__module__}.{value.__qualname__}"


def _made_from(bucket: jinja2.bccache.Bucket) -> bytes:
    return f"jinja2 {jinja2.__version__} {bucket.checksum}".encode()


COMPILED = _Compiled()
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja reads ``point.name`` as an attribute first and, when that fails, as an item. Our templates read
    records, which are dicts, so each read raised and caught an AttributeError: a fifth of a point body's
    template time. A dict's key is read directly here; a name that is also a dict attribute (``items``,
    ``get``…) and anything that is not a plain dict are read as Jinja reads them, so every result is the same."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass  # not there: Jinja's own reading says so (StrictUndefined)
        return super().getattr(obj, attribute)


def environment(templates: Path) -> jinja2.Environment:
    """Our page templates' environment. A template is read once per environment (``auto_reload`` off: a build
    never edits one), not checked on disk at each of the thousands of pages that import it."""
    # Markdown heading anchors look like Jinja comments ({#id}), so comments are {## ... ##}.
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        auto_reload=False,
        bytecode_cache=COMPILED,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        comment_start_string="{##",
        comment_end_string="##}",
    )
    env.globals.update(safe_link=link)
    env.filters.update(md=md, script_json=script_json, hours_cn=hours.describe, map_links=map_links)
    return env


# Pages whose source needs what a background job makes: the open-data files' sizes, checksums and first
# rows, and the map's folium parts. The job's result is their view's "late" part (see late_view).
# A hand-written page holding this line gets the table of every problem code in its place (docs/guide.md).
PROBLEM_CODES_MARKER = (
    "<!-- servicepoints:problem-codes — the table of every problem code is generated here at build time"
    " from CODES in scripts/servicepoints/core/errors.py -->"
)


def problem_codes_markdown() -> str:
    """The reference table of problem codes (code, meaning, fix), made from the closed set in core/errors.py."""
    rows = ["| 代码 | 意思 | 怎么改 |", "|---|---|---|"]
    rows += [f"| `{code}` | {_cell(c.meaning)} | {_cell(c.fix)} |" for code, c in CODES.items()]
    return "\n".join(rows)


def with_problem_codes(markdown: str) -> str:
    return markdown.replace(PROBLEM_CODES_MARKER, problem_codes_markdown())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


LATE_PAGES = {"map.md": "map.md.j2", "opendata/index.md": "opendata.md.j2", "opendata/changes.md": "changes.md.j2"}


def render_pages(data: SiteData, templates: Path, view: dict) -> dict[str, str]:
    """The generated Markdown pages (not points, towns and types: see GeneratedPages): ``src_uri`` -> source.

    Not LATE_PAGES: render_late_page writes those once their view is made."""
    env = environment(templates)
    pages = {"index.md": env.get_template("home.md.j2").render(**view)}
    pages["types/index.md"] = env.get_template("types.md.j2").render(**view)
    pages["towns/index.md"] = env.get_template("towns.md.j2").render(**view)
    pages["stats.md"] = env.get_template("stats.md.j2").render(**view)
    pages["about.md"] = env.get_template("about.md.j2").render(**view)
    pages["data/fields.md"] = env.get_template("fields.md.j2").render(**view)
    report = completeness(data.points, data.tables["types"], data.tables["towns"])
    for field in report["fields"]:  # the page lists the first records missing each field; the JSON file all
        field["shown"] = field["missing"][: data.settings.listed]
    pages["data/completeness.md"] = env.get_template("completeness.md.j2").render(
        completeness=report,
        point_by_id=_LinkedPoints(data),
        **view,
    )
    pages.update(_finder_pages(env, data, view))
    return pages


class _LinkedPoints:
    """``[id]`` -> the point with its correction and edit links, made for the few records a page shows."""

    def __init__(self, data: SiteData) -> None:
        self.data, self.by_id = data, {p["id"]: p for p in data.points}

    def __getitem__(self, point_id: str) -> dict:
        point = self.by_id[point_id]
        return point | {"links": point_links(self.data, point, _page_url(self.data, point))}


def late_view(data: SiteData, downloads: list[dict], opendata: Mapping[str, bytes], cache: Cache | None = None) -> dict:
    """What LATE_PAGES see besides site_view(): the open-data files and the map's parts (folium; ``cache``:
    the project's, where they may be kept)."""
    return opendata_view(data, downloads, opendata) | {"map": map_parts(data, cache)}


def render_late_page(templates: Path, uri: str, view: dict) -> str:
    """The source of one of LATE_PAGES; ``view`` is site_view() and late_view() together."""
    return environment(templates).get_template(LATE_PAGES[uri]).render(**view)


POINT_PARTS = ("macros", "provenance", "wayfinding", "open_now", "channels", "correction")  # parts.NAME: _NAME.j2
# The generated pages' templates and what they import beyond POINT_PARTS, compiled when GeneratedPages is made: the
# worker processes forked after it inherit them, where each made its own (compiled: about 0.085 s of CPU a worker).
PAGE_TEMPLATES = ("point.html.j2", "town.html.j2", "type.html.j2", "need.html.j2", "_counts.j2")


class GeneratedPages:
    """Point, town and type pages rendered from our templates straight to HTML, no Markdown round trip.

    Each body depends only on the data, so worker processes can render point pages in any order.
    ``urls`` maps a page's source (``standard/process.md``) to its URL, so a template's links to other
    pages are checked: ``link("standard/process.md", "#c7")`` fails the build if there is no such page;
    ``has_page`` asks first where the page belongs to the instance (docs/), which another city may not have.
    """

    ROOT = "../../"  # every generated page lives at KIND/SLUG/

    def __init__(self, data: SiteData, templates: Path, view: dict, permalink: str = "¶") -> None:
        self.data, self.view, self.permalink = data, view, permalink
        self.urls: dict[str, str] = {}
        self.env = environment(templates)
        self.env.globals["link"] = self.link
        self.env.globals["has_page"] = lambda target: target in self.urls  # an instance may have no such page
        self.listed = data.settings.listed  # points a need, town or type page lists in its HTML
        # The partials a point body calls, made once with the view: imported "with context", they were made
        # again for every page. They read only the view and their arguments (tests/site/test_render.py).
        self.point_parts = {name: self.env.get_template(f"_{name}.j2").make_module(dict(view)) for name in POINT_PARTS}
        for name in PAGE_TEMPLATES:
            self.env.get_template(name)  # kept in the environment's cache (auto_reload is off)
        self.by_town: dict[str, list[dict]] = {}
        self.by_type: dict[str, list[dict]] = {}
        self.channels: dict[tuple[str, tuple[str, ...]], list[dict]] = {}  # see point_channels
        for point in data.points:
            self.by_town.setdefault(point["town"], []).append(point)
            self.by_type.setdefault(point["type"], []).append(point)

    def link(self, target: str, anchor: str = "") -> str:
        if target not in self.urls:
            raise jinja2.TemplateError(f"页面模板链接到不存在的页面：{target}")
        return self.ROOT + self.urls[target] + anchor

    def point_uri(self, n: int) -> str:
        return f"points/{self.data.points[n]['id']}.md"

    def point(self, n: int) -> tuple[Body, dict]:
        """Point page ``n``'s body and its one search entry."""
        point = self.data.points[n]
        toc = Toc(self.permalink)
        html = self.env.get_template("point.html.j2").render(
            point=point,
            extra=_point_extra(point, self.data),
            channels=self.point_channels(point),
            toc=toc,
            parts=self.point_parts,
            **self.view,
        )
        return Body(html, toc.tokens), search_entry(point, self.view)

    def point_channels(self, point: dict) -> list[dict]:
        """point_channels(), kept by what it reads of the point, its type and services: most points of a type list
        the same services."""
        key = (point["type"], tuple(point["services"]))
        if key not in self.channels:
            self.channels[key] = point_channels(point, self.data, self.view)
        return self.channels[key]

    def town(self, town: dict) -> Body:
        """A section per type with the town's first ``listed`` points of it; the totals are stated whole."""
        toc = Toc(self.permalink)
        here = self.by_town.get(town["name"], [])
        sections = []
        for kind in self.view["types"]:
            rows = [p for p in here if p["type"] == kind["code"]]
            if rows:
                sections.append({"kind": kind, "total": len(rows), "rows": rows[: self.listed]})
        html = self.env.get_template("town.html.j2").render(
            town=town, here=here, sections=sections, toc=toc, **self.view
        )
        return Body(html, toc.tokens)

    def kind(self, kind: dict) -> Body:
        """The type's first ``listed`` points; above that, a link per town with its count, and the map."""
        toc = Toc(self.permalink)
        rows = self.by_type.get(kind["code"], [])
        html = self.env.get_template("type.html.j2").render(
            kind=kind, rows=rows[: self.listed], total=len(rows), toc=toc, **self.view
        )
        return Body(html, toc.tokens)

    def needs(self) -> dict[str, dict]:
        """``find/CODE.md`` -> the need, for the need-finder's pages (straight HTML: they list many points)."""
        needs, self._need_extra = _need_context(self.data, self.view)
        return {f"find/{need['code']}.md": need for need in needs}

    def need(self, need: dict) -> Body:
        """The need's citywide points, then its first ``listed`` local ones (the finder sorts them, and fetches
        need_data() for the nearest when the page holds fewer than all)."""
        toc = Toc(self.permalink)
        listed = need["local"][: self.listed]
        html = self.env.get_template("need.html.j2").render(
            need=need, listed=listed, toc=toc, **self._need_extra, **self.view
        )
        return Body(html, toc.tokens)

    def need_data_files(self, needs: dict[str, dict]) -> dict[str, bytes]:
        """``find/CODE/points.json`` for each need page listing fewer local points than offer it (see need_data)."""
        return {
            f"find/{need['code']}/{NEED_DATA}": need_data(need, self.view)
            for need in needs.values()
            if len(need["local"]) > self.listed
        }

    def need_entries(self) -> dict[str, dict]:
        """One search entry per need-finder page (``find/CODE.md``): its name, description, services and the words
        people use for it (needs.csv ``words``), boosted above the entity pages sharing those words.
        Material would otherwise parse and segment every point listed there, thousands at scale."""
        delimiter = self.view["delimiter"]
        names = {s["code"]: s["name"] for s in self.data.tables["services"]}
        entries = {}
        for need in self.data.tables.get("needs", []):
            codes = [c.strip() for c in (need["services"] or "").split(delimiter) if c.strip()]
            said = [w.strip() for w in (need.get("words") or "").split(delimiter) if w.strip()]
            words = [need.get("description") or "", *(names.get(c, c) for c in codes), *said]
            entries[f"find/{need['code']}.md"] = {
                "location": f"find/{need['code']}/",
                "title": segment(escape(f"我要办：{need['name']}", quote=False)),
                "text": " ".join(segment(escape(w, quote=False)) for w in words if w),
                "boost": NEED_BOOST,
            }
        return entries

    def town_entry(self, town: dict) -> dict:
        here = self.by_town.get(town["name"], [])
        text = f"{town['kind']} 统计用区划代码 {town['code']} 本站收录 {len(here)} 个网点"
        return {
            "location": f"towns/{town['slug']}/",
            "title": segment(escape(town["name"], quote=False)),
            "text": segment(escape(text, quote=False)),
        }


NEED_DATA = "points.json"  # beside a need page whose HTML lists only the first points: all of them, for the finder
NEED_COLUMNS = ["id", "name", "type", "town", "lat", "lon", "area", "inferred", "estimated", "phone", "hours", "status"]


def need_data(need: dict, view: dict) -> bytes:
    """Every local point offering a need, compactly, for the finder to sort by distance and make cards of the
    nearest: one array per point (NEED_COLUMNS), its type as a short name and its hours as indexes into tables.
    The positions are the records' WGS-84 coordinates as validated, so distances match `servicepoints nearest`."""
    kinds = [t["code"] for t in view["types"]]
    hours_table = hours_index(need["local"])
    rows = []
    for p in need["local"]:
        where = (p["lat"], p["lon"]) if p["lat"] is not None and p["lon"] is not None else (None, None)
        rows.append(
            [
                p["id"],
                p["name"],
                kinds.index(p["type"]),
                p["town"] or "",
                *where,
                ";".join(p.get("area_served") or []),  # as the cards' data-area
                1 if is_inferred(p) else 0,
                1 if p.get("precision") == "town" else 0,
                (p["phones"] or [""])[0],
                hours_table[p["hours"]] if p["hours"] else -1,
                p["status"],
            ]
        )
    doc = {
        "columns": NEED_COLUMNS,
        "types": [t["short_name"] for t in view["types"]],
        "hours": list(hours_table),
        "points": rows,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def search_entry(point: dict, view: dict) -> dict:
    """The point's one search entry: name (marked 推定 when inferred); type, town, address and services."""
    kind = view["type_by_code"][point["type"]]["name"]
    address = f"{point['town'] or ''}{point['address'] or ''}"
    services = [view["service_by_code"][code]["name"] for code in point["services"]]
    words = [kind, point["town"] or "", address, *services]
    title = point["name"] + ("（推定）" if is_inferred(point) else "")
    return {
        "location": f"points/{point['id']}/",
        "title": segment(escape(title, quote=False)),
        "text": " ".join(segment(escape(w, quote=False)) for w in words if w),
    }


def _finder_pages(env: jinja2.Environment, data: SiteData, view: dict) -> dict[str, str]:
    """The need-finder's index, find/ (issue 16); each need's own page is a GeneratedPages.need()."""
    needs = _needs(data, view)
    return {"find/index.md": env.get_template("find.md.j2").render(needs=needs, **view)}


def _need_context(data: SiteData, view: dict) -> tuple[list[dict], dict]:
    """The needs, and what each need page shows besides its need: channels, towns, types offering a service."""
    needs = _needs(data, view)
    towns = [
        {"slug": t["slug"], "name": t["name"], "lat": float(t["approx_lat"]), "lon": float(t["approx_lon"])}
        for t in data.tables["towns"]
        if t.get("approx_lat") and t.get("approx_lon")
    ]
    offered_by: dict[str, list[str]] = {}  # service -> the types offering it ("other" last, as it offers all)
    for kind, codes in sorted(view["offered"].items(), key=lambda item: item[0] == "other"):
        for code in codes:
            offered_by.setdefault(code, []).append(kind)
    return needs, {"town_points": towns, "offered_by": offered_by}


def _needs(data: SiteData, view: dict) -> list[dict]:
    tables = data.tables
    return needs_view(
        data.points, tables.get("needs", []), tables["services"], view["delimiter"], tables.get("channels", [])
    )


def point_channels(point: dict, data: SiteData, view: dict) -> list[dict]:
    """The help channels for what this point does (its services, or its type's when it lists none)."""
    services = point["services"] or view["offered"].get(point["type"], [])
    codes = needs_for_services(services, data.tables.get("needs", []), view["delimiter"])
    return channels_for(codes, data.tables.get("channels", []), view["delimiter"])


def site_view(data: SiteData) -> dict:
    """What every page template sees (the open-data pages see opendata_view() too)."""
    types = sorted(data.tables["types"], key=lambda t: int(t["sort"]))
    published = Counter(p["type"] for p in data.points)
    reported: Counter[str] = Counter()
    for row in data.tables["reported"]:
        reported[row["type"]] += int(row["count"])
    counts = Counts(data.points, data.tables["reported"])
    names = {t["code"]: t["name"] for t in types}
    return {
        "counts": counts,
        "count_query": query,
        "need_query": need_query,
        "inferred_reason": lambda p: inferred_reason(p, counts, names.get(p["type"], "网点")),
        "evidence_labels": data.labels("evidence"),
        "provider": lambda p: next(reversed(providers(p.get("sources"))), None),
        "status_basis": status_basis,
        "types": types,
        "type_by_code": {t["code"]: t for t in types},
        "towns": data.tables["towns"],
        "town_by_name": {t["name"]: t for t in data.tables["towns"]},
        "services": data.tables["services"],
        "service_by_code": {s["code"]: s for s in data.tables["services"]},
        "points": data.points,
        "published": published,
        "reported": reported,
        "reported_rows": data.tables["reported"],
        "status_labels": data.labels("status"),
        "precision_labels": data.labels("precision"),
        "own_positions": [data.labels("precision").get(c, c) for c in OWN_POSITION],
        "package_tables": data.descriptor.resources,
        "place": data.place,
        "settings": data.settings,
        "fresh_count": sum(is_fresh(p, data.settings.stale_days) for p in data.points),
        "delimiter": data.descriptor.list_delimiter,
        "offered": allowed_services(data.descriptor, data.tables),
        "city": data.place.name,  # the place map searches name (need pages)
    }


def _type_name(data: SiteData, point: dict) -> str:
    return next((t["name"] for t in data.tables["types"] if t["code"] == point["type"]), "")


def _page_url(data: SiteData, point: dict) -> str:
    return f"{data.site_url.rstrip('/')}/points/{point['id']}/"


def _point_extra(point: dict, data: SiteData) -> dict:
    url = _page_url(data, point)
    return {
        "url": url,
        "qr": qr_svg(url),
        "links": map_links(point, _type_name(data, point), data.place.name),
        "jsonld": None if is_inferred(point) else _jsonld(point, url, data),
        "cms": point_links(data, point, url),
    }


# The schema.org types types.csv's schema_type may name, and whether each is an Organization (schema.org 30.0's class
# tree): only an Organization may have email and parentOrganization (their documented domains). A GovernmentOffice
# is a LocalBusiness, so an Organization and a Place; a studio in a firm is a Place only.
SCHEMA_TYPES = {"GovernmentOffice": True, "Place": False}
ORGANIZATION_ONLY = ("email", "parentOrganization")

WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SCHEMA_DAYS = dict(zip(hours.HSDS_DAYS, WEEK, strict=True))


def _jsonld(point: dict, url: str, data: SiteData) -> dict:
    """schema.org for search engines, what is known only; the type's schema.org type comes from types.csv, and
    only properties that type may have (SCHEMA_TYPES; tests/whole/test_schema_org.py judges every node).

    Only for points a source names: an inferred point's page has no such block, because schema.org cannot
    say "assumed to exist". ``geo`` only when the coordinate is the office's own (exact or street): a
    town-centre estimate would be read as the office's pin, and the town is already in addressLocality.
    """
    kind = next(t["schema_type"] for t in data.tables["types"] if t["code"] == point["type"])
    doc = {
        "@context": "https://schema.org",
        "@type": kind,
        "@id": url,
        "url": url,
        "name": point["name"],
        "identifier": point["id"],
    }
    phones = point["phones"]
    optional = {
        "alternateName": point["alternate_name"],
        "description": point["description"],
        "email": point["email"],
        "telephone": (phones[0] if len(phones) == 1 else phones) or None,
        "openingHoursSpecification": _opening_hours(point["hours"]) or None,
    }
    doc.update({k: v for k, v in optional.items() if v})
    place = data.place
    address = {"@type": "PostalAddress", "addressCountry": "CN", "addressRegion": place.province}
    address["addressLocality"] = place.locality(point["town"])
    if point["address"]:
        address["streetAddress"] = point["address"]
    doc["address"] = address
    position = own_position(point)
    if position:
        doc["geo"] = {"@type": "GeoCoordinates", "latitude": position[0], "longitude": position[1]}
    if point["organization"]:
        doc["parentOrganization"] = {"@type": "Organization", "name": point["organization"]}
    if not SCHEMA_TYPES[kind]:  # a Place: the page says who hosts or runs it, schema.org has no property for that
        doc = {k: v for k, v in doc.items() if k not in ORGANIZATION_ONLY}
    return doc


@functools.lru_cache(maxsize=1024)  # hours repeat across points; the JSON-LD only serialises the list
def _opening_hours(text: str | None) -> list[dict]:
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [f"https://schema.org/{SCHEMA_DAYS[d]}" for d in days],
            "opens": opens,
            "closes": "23:59" if closes == "24:00" else closes,
        }
        for opens, closes, days in hours.weekly(text)
    ]


def _short(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def release_view(changes: dict) -> dict:
    """The change log as the changes page lists it: per changed table, rows named by their key values."""
    tables = []
    for name, t in changes["tables"].items():
        if not any(t[k] for k in ("added", "removed", "changed", "fields_added", "fields_removed")):
            continue
        key = lambda k: " / ".join(k.values())  # noqa: E731 - one key's values, as the table holds them
        tables.append(
            {
                "name": name,
                "title": t["title"],
                "key": " / ".join(t["primary_key"]),
                "added": [key(k) for k in t["added"]],
                "removed": [key(k) for k in t["removed"]],
                "changed": [
                    (key(c["key"]), f, v["old"], v["new"]) for c in t["changed"] for f, v in c["fields"].items()
                ],
                "fields_added": t["fields_added"],
                "fields_removed": t["fields_removed"],
            }
        )
    return {"tables": tables, "level": LEVEL_TEXT.get(changes.get("level") or "", "")}


def opendata_view(data: SiteData, downloads: list[dict], opendata: Mapping[str, bytes]) -> dict:
    """What the downloads and change-log pages show: files, previews, catalogue JSON-LD, changes."""
    descriptor = json.loads(opendata["datapackage.json"])
    changes = json.loads(opendata["changes.json"])
    previews = {}
    for resource in Descriptor(descriptor).resources:
        rows = list(csv.reader(io.StringIO(opendata[resource["path"]].decode("utf-8-sig"))))
        first = [[_short(v) for v in row] for row in rows[1 : PREVIEW_ROWS + 1]]
        previews[resource["name"]] = {"header": rows[0], "rows": first, "total": len(rows) - 1}
    ranked = sorted(downloads, key=lambda f: f["rank"])  # within a group; the xlsx first: readers want a spreadsheet
    groups = {key: [f for f in ranked if f["group"] == key] for key in GROUPS}
    return {
        "downloads": downloads,
        "download_groups": [(GROUPS[key], files) for key, files in groups.items() if files],
        "package": descriptor,
        "previews": previews,
        "dataset_jsonld": schema_org_dataset(
            descriptor, downloads, data.site_url, data.place, temporal_coverage(data), changes["issued"]
        ),
        "changes": changes,
        "release": release_view(changes),
        "feed": FEED_NAME,
        "version_rules": [(LEVEL_TEXT[level], RULES[level]) for level in reversed(LEVELS)],
        "hsds": hsds_caveats(data.labels("status"), data.labels("precision")),
        "sqlite_name": SQLITE_NAME,
        "coverage": coverage(data),
    }
