"""The published tables: rows of text exactly as they go into the CSV files."""

from __future__ import annotations

import copy

from .load import list_delimiter
from .model import SiteData


def published_descriptor(data: SiteData) -> dict:
    """The data package as published: public fields only, one CSV per table, release metadata."""
    descriptor = copy.deepcopy(data.descriptor)
    settings = data.settings
    for resource in descriptor["resources"]:
        for key in ("x-source", "x-derived-from", "x-checked-by"):
            resource.pop(key, None)
        resource.update(path=f"{resource['name']}.csv", format="csv", mediatype="text/csv", encoding="utf-8")
        schema = resource["schema"]
        schema["fields"] = [f for f in schema["fields"] if f.get("x-visibility", "public") == "public"]
    descriptor.update(
        version=settings.version,
        created=f"{settings.release()}T00:00:00Z",
        homepage=data.site_url,
        keywords=["知识产权", "公共服务", "中山", "商标", "专利", "1+1+N"],
        licenses=[{"name": settings.licence, "path": settings.licence_url, "title": settings.licence_title}],
        contributors=[{"title": settings.publisher, "role": "publisher"}],
        sources=[
            {"title": "中山市地方标准《“1+1+N”知识产权公共服务网点建设与服务规范》编制说明（征求意见稿），2025年3月"},
            {"title": "国家统计用区划代码（中山市镇街）"},
        ],
    )
    return descriptor


def cell(value, delimiter: str = ";") -> str:
    """One value as CSV text: lists joined, numbers in their shortest exact form, None empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return delimiter.join(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def table_rows(data: SiteData, descriptor: dict) -> dict[str, list[list[str]]]:
    """Every published table as a header row plus text rows."""
    tables: dict[str, list[list[str]]] = {}
    delimiter = list_delimiter(descriptor)
    for resource in descriptor["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        if resource["name"] == "points":
            records = data.points
        elif resource["name"] == "point_services":
            records = [{"point_id": p["id"], "service": s} for p in data.points for s in p["services"]]
        elif resource["name"] == "point_sources":
            records = [{"point_id": p["id"], **s} for p in data.points for s in p["sources"]]
        else:
            records = data.tables[resource["name"]]
        tables[resource["name"]] = [names] + [[cell(r.get(n), delimiter) for n in names] for r in records]
    return tables
