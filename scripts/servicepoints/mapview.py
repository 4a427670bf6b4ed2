"""The map page's parts: folium draws the map and cluster layer with local assets only; the
points themselves come from the published GeoJSON at run time, so the page stays small."""

from __future__ import annotations

import folium
from folium.elements import CssLink, JavascriptLink
from folium.plugins import MarkerCluster

from . import hours
from .geo import ZHONGSHAN
from .model import SiteData
from .tiles import tile_provider

VENDOR = "../assets/vendor/"
TYPE_STYLE = {  # glyph and colour of each type's marker and legend swatch
    "protection-center": ("保", "#b71c1c"),
    "national-rapid-center": ("国", "#e65100"),
    "rapid-center": ("快", "#6a1b9a"),
    "trademark-station": ("商", "#1565c0"),
    "assistance-station": ("援", "#2e7d32"),
    "enterprise-studio": ("企", "#00838f"),
    "other": ("他", "#546e7a"),
}
DEFAULT_STYLE = ("点", "#455a64")


def map_parts(data: SiteData) -> dict:
    """HTML pieces for the map page: asset links, the map div, folium's script, and the page config."""
    provider = tile_provider(data.settings)
    fmap = folium.Map(location=[22.49, 113.42], zoom_start=10, tiles=None, control_scale=True)
    fmap.default_js = [("leaflet", f"{VENDOR}leaflet/leaflet.js")]
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
    cluster = MarkerCluster(options={"showCoverageOnHover": False, "chunkedLoading": True}).add_to(fmap)
    cluster.default_js = [("markercluster", f"{VENDOR}leaflet.markercluster/leaflet.markercluster.js")]
    cluster.default_css = [
        ("markercluster_css", f"{VENDOR}leaflet.markercluster/MarkerCluster.css"),
        ("markercluster_default_css", f"{VENDOR}leaflet.markercluster/MarkerCluster.Default.css"),
    ]
    figure = fmap.get_root()
    figure.render()
    links = [c.render() for c in figure.header._children.values() if isinstance(c, JavascriptLink | CssLink)]
    script = "\n".join(line for line in figure.script.render().splitlines() if line.strip())
    return {
        "links": "\n".join(links),
        "html": figure.html.render().strip(),
        "script": script,
        "config": _config(data, provider.datum, fmap.get_name(), cluster.get_name()),
    }


def _config(data: SiteData, datum: str, map_name: str, cluster_name: str) -> dict:
    return {
        "map": map_name,
        "cluster": cluster_name,
        "datum": datum,
        "data": "../opendata/points.geojson",
        "bounds": ZHONGSHAN.leaflet(),
        "types": {
            t["code"]: dict(zip(("glyph", "color"), TYPE_STYLE.get(t["code"], DEFAULT_STYLE), strict=True))
            | {"name": t["name"], "short": t["short_name"]}
            for t in data.tables["types"]
        },
        "statuses": data.labels("status"),
        "services": {s["code"]: s["name"] for s in data.tables["services"]},
        "towns": [
            {"slug": t["slug"], "name": t["name"], "lat": float(t["approx_lat"]), "lon": float(t["approx_lon"])}
            for t in data.tables["towns"]
        ],
        "hours": {p["hours"]: hours.describe(p["hours"]) for p in data.points if p["hours"]},
    }
