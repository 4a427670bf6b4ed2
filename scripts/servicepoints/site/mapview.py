"""The map page's parts and its data file.

folium draws the base map with local assets only. The points reach the browser once, as the compact
``map/points.json`` made here (columns of codes and text, no GeoJSON nesting), and supercluster groups
them there, so the page itself stays the same size whatever the number of points.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from importlib import metadata
from pathlib import Path

from ..core import hours
from ..core.cache import Cache
from ..registry.model import SiteData
from ..registry.provenance import status_basis
from .tiles import Provider, tile_provider

VENDOR = "../assets/vendor/"
DATA_FILE = "map/points.json"  # written next to the map page, so the page fetches "points.json"
# One row per point, in this order; codes are indexes into the lists under "codes".
COLUMNS = [
    "id",
    "name",
    "type",
    "status",
    "town",
    "lat",
    "lon",
    "precision",
    "evidence",
    "address",
    "hours",
    "phones",
    "services",
    "status_as_of",  # the date of the source the status rests on (provenance.status_basis); "" when none
]


def map_parts(data: SiteData, cache: Cache | None = None) -> dict:
    """HTML pieces for the map page: asset links, the map div, folium's script, and the page config.

    folium's pieces depend only on the tile provider, the place's centre and zoom, folium's, branca's and
    Jinja's versions and this module: kept in ``cache`` under a digest of all of them (not when the tile addresses
    carry a secret key), so most builds need not import folium (0.3 s of CPU)."""
    provider, place = tile_provider(data.settings), data.place
    cache = cache if cache is not None and not provider.keyed else Cache(None)
    made_from = json.dumps(
        [[metadata.version(name) for name in ("folium", "branca", "jinja2")], dataclasses.astuple(provider)]
        + [list(place.centre), place.zoom, hashlib.sha256(Path(__file__).read_bytes()).hexdigest()]
    ).encode()
    parts = cache.json(
        _FOLIUM_ENTRY,
        made_from,
        lambda: _folium_parts(provider, place.centre, place.zoom),
        lambda kept: (
            isinstance(kept, dict) and sorted(kept) == _PARTS and all(isinstance(v, str) for v in kept.values())
        ),
    )
    name = parts.pop("name")
    return parts | {"config": _config(data, provider.datum, provider.max_zoom, name)}


_FOLIUM_ENTRY = "map-folium-parts"
_PARTS = ["html", "links", "name", "script"]


def _folium_parts(provider: Provider, centre, zoom: int) -> dict:
    """folium's part of map_parts, and the name it gives the map."""
    import folium  # here, not at the top: only the build's background job needs it (a slow import)
    from branca.element import Figure
    from folium.elements import CssLink, JavascriptLink

    # servicepoints-map.js adds a metric-only scale (folium's shows miles too)
    fmap = folium.Map(location=list(centre), zoom_start=zoom, tiles=None, control_scale=False)
    fmap.default_js = [
        ("leaflet", f"{VENDOR}leaflet/leaflet.js"),
        ("supercluster", f"{VENDOR}supercluster/supercluster.min.js"),
    ]
    fmap.default_css = [("leaflet_css", f"{VENDOR}leaflet/leaflet.css")]
    folium.TileLayer(
        tiles=provider.url,
        attr=provider.attribution,
        name=provider.name,
        max_zoom=provider.max_zoom,
        subdomains=provider.subdomains or "abc",
    ).add_to(fmap)
    if provider.labels_url:
        folium.TileLayer(
            tiles=provider.labels_url,
            attr=provider.attribution,
            name="labels",
            overlay=True,
            subdomains=provider.subdomains,
        ).add_to(fmap)
    figure = fmap.get_root()
    assert isinstance(figure, Figure)  # folium.Map puts itself in a Figure
    _stable_ids(figure)
    figure.render()
    links = [c.render() for c in figure.header._children.values() if isinstance(c, JavascriptLink | CssLink)]
    script = "\n".join(line for line in figure.script.render().splitlines() if line.strip())
    return {
        "links": "\n".join(links),
        "html": figure.html.render().strip(),
        "script": script,
        "name": fmap.get_name(),
    }


def _stable_ids(element, counter: list[int] | None = None) -> None:
    """folium names elements with random ids; number them instead, so two builds give the same bytes."""
    counter = counter if counter is not None else [0]
    element._id = f"{counter[0]:032x}"
    counter[0] += 1
    for child in element._children.values():
        _stable_ids(child, counter)


def _config(data: SiteData, datum: str, max_zoom: int, map_name: str) -> dict:
    """What the script needs besides the points: labels and styles of the code lists (bounded, not per point)."""
    return {
        "map": map_name,
        "datum": datum,
        "maxZoom": max_zoom,
        "data": DATA_FILE.rsplit("/", 1)[1],
        "bounds": data.place.box.leaflet(),
        "types": {  # each type's marker and legend swatch: its glyph and colour from types.csv
            t["code"]: {"glyph": t["glyph"], "color": t["colour"], "name": t["name"], "short": t["short_name"]}
            for t in data.tables["types"]
        },
        "statuses": data.labels("status"),
        "precisions": data.labels("precision"),
        "services": {s["code"]: s["name"] for s in data.tables["services"]},
        "towns": [
            {"slug": t["slug"], "name": t["name"], "lat": float(t["approx_lat"]), "lon": float(t["approx_lon"])}
            for t in data.tables["towns"]
        ],
    }


def _as_of(point: dict) -> str | None:
    """The status's date for the popup: a date, "" for an asserted status with no dated source, None for unknown."""
    basis = status_basis(point)
    return None if basis is None else basis["date"] or ""


def hours_index(points: list[dict]) -> dict[str, int]:
    """Each distinct hours text of these points, in first-seen order, with its index: the browser's data files
    (the map's, the need-finder's) hold each text once and an index per point."""
    table: dict[str, int] = {}
    for p in points:
        if p["hours"]:
            table.setdefault(p["hours"], len(table))
    return table


def map_data(data: SiteData) -> bytes:
    """The map's points: one array per point (see COLUMNS), codes as indexes, hours as an index into a table
    of distinct strings with their Chinese reading. WGS-84 coordinates exactly as validated, so the browser's
    distances and ranking are the `nearest` command's to the last digit."""
    codes = {
        "type": [t["code"] for t in data.tables["types"]],
        "status": list(data.labels("status")),
        "town": [t["name"] for t in data.tables["towns"]],
        "precision": list(data.labels("precision")),
        "service": [s["code"] for s in data.tables["services"]],
    }
    index = {name: {code: i for i, code in enumerate(values)} for name, values in codes.items()}
    hours_table = hours_index(data.points)
    rows = []
    for p in data.points:
        located = p["lat"] is not None and p["lon"] is not None
        rows.append(
            [
                p["id"],
                p["name"],
                index["type"].get(p["type"], -1),
                index["status"].get(p["status"], -1),
                index["town"].get(p["town"], -1),
                p["lat"] if located else None,
                p["lon"] if located else None,
                index["precision"].get(p.get("precision") or "", -1),
                1 if p.get("evidence") == "inferred" else 0,
                p["address"] or "",
                hours_table[p["hours"]] if p["hours"] else -1,
                list(p["phones"] or []),
                [index["service"][s] for s in p["services"] or [] if s in index["service"]],
                _as_of(p),
            ]
        )
    doc = {
        "columns": COLUMNS,
        "codes": codes,
        "hours": [[text, hours.describe(text)] for text in hours_table],
        "points": rows,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
