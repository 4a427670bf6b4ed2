"""The browser editor's configuration (Decap CMS at /admin/), generated from the schema and code lists.

A pure function of the data: nothing here is written by hand per field. Every field of a point
record becomes a form widget with its Chinese title as label and its description as help text;
enumerations and code lists become selects; ``x-list`` fields become lists; an ``array`` field
whose items live in a related table (``sources`` -> ``point_sources``) becomes a list of small
forms with that table's fields. A field this module cannot map is an error, so a new schema field
can never silently go missing from the form (tests/test_cms.py checks coverage too).

One collection per point type: Decap cannot narrow one select by another field's value, so each
type gets its own collection whose services select lists only what that type may offer
(``load.allowed_services``), whose files live in the folder the project keeps that type in, and
whose type select has that one type.
"""

from __future__ import annotations

import functools
import string
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote_plus, urlparse

from ..registry.descriptor import Descriptor
from ..registry.jsonschema import DATE_TEXT, HOURS_PATTERN
from ..registry.load import allowed_services
from .corrections import ASK, NAME_LINE, contact, point_mail

DATA_ROOT = "data"  # the data folder, relative to the repository root (what the git backend sees)
SCHEMA_COMMENT = "yaml-language-server: $schema=../../point.schema.json"
CODE_LISTS = ("towns", "types", "services")  # the code lists editors may change in the browser
PICKER_FIELD = "location_picker"  # the form's map (not a record field): see _picker_field
POSITION_FIELDS = ("lat", "lon", "crs", "precision")  # the picker goes after the last of these
PRIVATE_FIELDS = (
    ("contact", "联系人", "网点内部联系人的姓名或职务。"),
    ("phone", "内部电话", "只供编辑组联系用的电话。"),
    ("note", "备注", "编辑组内部备注。"),
)


class CmsConfigError(ValueError):
    """A schema field the generator does not know how to put in a form."""


@dataclass(frozen=True)
class Repo:
    """Where the records live: the git host, ``owner/name`` and the branch editors propose changes to."""

    host: str  # "github" or "gitlab"
    url: str
    path: str
    branch: str = "main"

    def edit_uri(self, docs_dir: str = "docs") -> str:
        """mkdocs' ``edit_uri`` for this repository: the docs folder on the branch, in the host's edit view."""
        prefix = "edit" if self.host == "github" else "-/edit"
        return f"{prefix}/{self.branch}/{docs_dir.strip('/')}/"


def parse_repo(url: str | None, branch: str = "main", host: str | None = None) -> Repo | None:
    """``https://github.com/owner/name`` -> Repo; None when no repository is set."""
    if not url:
        return None
    parts = urlparse(url.strip())
    path = parts.path.strip("/").removesuffix(".git")
    if parts.scheme not in ("http", "https") or not parts.netloc or "/" not in path:
        raise CmsConfigError(f"仓库地址 {url} 无效：应形如 https://github.com/所有者/仓库名")
    kind = host or ("github" if parts.netloc.lower() in ("github.com", "www.github.com") else "gitlab")
    if kind not in ("github", "gitlab"):
        raise CmsConfigError(f"仓库类型 {kind} 无效：只支持 github 或 gitlab")
    return Repo(kind, f"{parts.scheme}://{parts.netloc}/{path}", path, branch or "main")


def type_folders(record_paths: dict[str, str], types: list[dict], record_types: dict[str, str]) -> dict[str, str]:
    """Type code -> the folder (under ``points/``) where records of that type live, else the type code.

    The same rule as ``servicepoints new``: the folder of the first record of that type, by id.
    """
    folders = {}
    for point_id in sorted(record_paths):
        kind = record_types.get(point_id)
        if kind and kind not in folders:
            folders[kind] = record_paths[point_id].rsplit("/", 1)[0] if "/" in record_paths[point_id] else ""
    return {t["code"]: folders.get(t["code"], t["code"]) for t in types}


def field_order(schema_fields: list[dict], key_orders: list[list[str]]) -> list[str]:
    """The field order records are written in, so the CMS (which writes keys in form order) keeps it.

    A field goes before another when more records put it first; ties and unseen fields follow the
    schema. Kahn's algorithm, always taking the available field that comes first in the schema.
    """
    names = [f["name"] for f in schema_fields]
    rank = {n: i for i, n in enumerate(names)}
    before: dict[tuple[str, str], int] = {}
    for keys, times in Counter(map(tuple, key_orders)).items():  # most records share one order: count each once
        known = [k for k in keys if k in rank]
        for i, a in enumerate(known):
            for b in known[i + 1 :]:
                before[(a, b)] = before.get((a, b), 0) + times
    edges: dict[str, set[str]] = {n: set() for n in names}
    for (a, b), count in before.items():
        if count > before.get((b, a), 0):
            edges[b].add(a)  # b waits for a
    order, left = [], list(names)
    while left:
        ready = [n for n in left if not (edges[n] & set(left))] or left  # a cycle: fall back to schema order
        pick = min(ready, key=rank.__getitem__)
        order.append(pick)
        left.remove(pick)
    return order


def _options(values: list[str], labels: dict[str, str]) -> list[dict]:
    return [{"label": f"{labels[v]}（{v}）" if labels.get(v) else v, "value": v} for v in values]


def _base(field: dict, required: bool) -> dict:
    return {
        "name": field["name"],
        "label": field.get("title", field["name"]),
        "hint": field.get("description", ""),
        "required": required,
    }


def _pattern(regex: str, message: str) -> list[str]:
    return [f"^({regex})$" if not regex.startswith("^") else regex, message]


def _scalar_widget(field: dict, required: bool) -> dict:
    """A one-value field of any table: string, text, number, integer, date or select."""
    spec = _base(field, required)
    limits = field.get("constraints", {})
    if "enum" in limits:
        return spec | {"widget": "select", "options": _options(limits["enum"], field.get("x-labels", {}))}
    if field["type"] == "date":
        return spec | {"widget": "string", "pattern": _pattern(DATE_TEXT, "日期写成 YYYY-MM-DD，例如 2025-03-31")}
    if field["type"] == "number":
        return spec | {"widget": "number", "value_type": "float"}
    if field["type"] == "integer":
        return spec | {"widget": "number", "value_type": "int"}
    if field["type"] != "string":
        raise CmsConfigError(f"字段 {field['name']} 的类型 {field['type']} 无法生成表单")
    if field.get("x-format") == "opening_hours":
        spec["pattern"] = _pattern(HOURS_PATTERN, "服务时间格式不对，例如 Mo-Fr 09:00-12:00,13:30-17:00; PH off")
    elif "pattern" in limits:
        spec["pattern"] = _pattern(limits["pattern"], f"{spec['label']}的格式不对：{spec['hint']}")
    elif field.get("format") == "email":
        spec["pattern"] = [r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "电子邮箱格式不对"]
    long_text = limits.get("maxLength", 0) > 300 and "pattern" not in spec
    return spec | {"widget": "text" if long_text else "string"}


def _point_field(
    field: dict, kind: str, descriptor: Descriptor, tables: dict[str, list[dict]], offered: list[str]
) -> dict:
    """One point-record field as a Decap widget for the collection of type ``kind``."""
    name = field["name"]
    required = bool(field.get("constraints", {}).get("required"))
    spec = _base(field, required)
    services = {s["code"]: s["name"] for s in tables["services"]}
    if name == "id":
        return spec | {
            "widget": "string",
            "required": False,  # filled in on save by the project's rule when left empty
            "hint": spec["hint"] + " 新建时可留空：保存时按规则自动生成（类型-镇街-序号），文件名与编号相同。",
            "pattern": _pattern(field["constraints"]["pattern"], "编号只能用小写字母、数字和连字符"),
            "comment": SCHEMA_COMMENT,
        }
    if name == "type":
        type_name = next(t["name"] for t in tables["types"] if t["code"] == kind)
        options = [{"label": f"{type_name}（{kind}）", "value": kind}]
        return spec | {"widget": "select", "options": options, "default": kind}
    if name == "town":
        return spec | {"widget": "select", "options": [t["name"] for t in tables["towns"]]}
    if name == "services":
        return spec | {
            "widget": "select",
            "multiple": True,
            "options": [{"label": f"{services[c]}（{c}）", "value": c} for c in offered],
            "hint": spec["hint"] + " 这里只列出本类型网点可提供的服务。",
        }
    if name in ("lat", "lon"):
        box = descriptor.place.box
        low, high = (box.south, box.north) if name == "lat" else (box.west, box.east)
        return spec | {
            "widget": "number",
            "value_type": "float",
            "min": low,
            "max": high,
            "step": 0.000001,
            "hint": spec["hint"] + " 按下面“坐标系”所选的坐标系填写：高德、腾讯地图取的点是 GCJ-02，"
            "百度地图是 BD-09，GPS 和天地图是 WGS-84（不选即为 WGS-84）。",
        }
    if field.get("x-list"):
        item = {"name": name, "label": spec["label"], "widget": "string"}
        if "x-item-pattern" in field:
            item["pattern"] = _pattern(field["x-item-pattern"], f"{spec['label']}的格式不对")
        return spec | {"widget": "list", "field": item}
    if field["type"] == "array":
        resource = descriptor.related(name)
        if resource is None:
            raise CmsConfigError(f"列表字段 {name} 没有可用的 x-related 表，无法生成表单")
        items = [
            _scalar_widget(f, bool(f.get("constraints", {}).get("required")))
            for f in resource["schema"]["fields"]
            if f["name"] != "point_id"
        ]
        return spec | {"widget": "list", "fields": items, "summary": "{{fields.title}}", "min": 1 if required else 0}
    if name == "verified":
        return _scalar_widget(field, required) | {"hint": spec["hint"] + " 写成 YYYY-MM-DD。"}
    return _scalar_widget(field, required)


def _picker_field() -> dict:
    """The map on which an editor places the pin (the "sp-location" widget of assets/servicepoints-cms.js).

    Not a record field: on save the page writes the chosen point into lat and lon as WGS-84, sets
    precision to exact and drops crs, then removes this field (preSave)."""
    return {
        "name": PICKER_FIELD,
        "label": "在地图上选位置",
        "hint": "点击地图或拖动图钉，把位置放到网点所在的建筑上（可放大地图再点）。保存时自动写入纬度、经度"
        "（换算为 WGS-84），坐标系清空，位置精度改为“精确”。不用地图时，照常在上面填写纬度和经度。",
        "widget": "sp-location",
        "required": False,
    }


def _private_field() -> dict:
    return {
        "name": "private",
        "label": "内部信息（不发布）",
        "hint": "这里的内容只存在记录文件中，网站和开放数据都不会发布。",
        "widget": "object",
        "required": False,
        "collapsed": True,
        "fields": [
            {"name": n, "label": label, "hint": hint, "widget": "string", "required": False}
            for n, label, hint in PRIVATE_FIELDS
        ],
    }


def collection_name(type_code: str) -> str:
    return f"points-{type_code}"


def cms_config(
    descriptor: Descriptor,
    tables: dict[str, list[dict]],
    folders: dict[str, str],
    key_orders: dict[str, list[list[str]]],
    repo: Repo | None,
    site_url: str,
    auth: dict | None = None,
) -> dict:
    """The whole Decap configuration (``admin/config.yml``) as a dict.

    ``folders``: type code -> folder under ``points/`` (see ``type_folders``); ``key_orders``: per
    type, each record's keys in file order (see ``field_order``; each collection writes its own
    order); ``repo``: the git repository (None: only the local backend works); ``auth``: extra
    backend settings (``base_url`` of a GitHub OAuth proxy, ``app_id`` of a GitLab OAuth application).
    """
    points = descriptor.fields("points")
    by_name = {f["name"]: f for f in points}
    offered = allowed_services(descriptor, tables)
    collections = []
    for kind in sorted(tables["types"], key=lambda t: int(t["sort"])):
        code = kind["code"]
        order = field_order(points, key_orders.get(code, []))
        fields = [_point_field(by_name[n], code, descriptor, tables, offered[code]) for n in order]
        at = max(i for i, n in enumerate(order) if n in POSITION_FIELDS) + 1
        fields.insert(at, _picker_field())
        collections.append(
            {
                "name": collection_name(code),
                "label": f"网点：{kind['name']}",
                "label_singular": kind["name"],
                "description": f"类型为 {kind['name']}（{code}）的网点记录，每个网点一个 YAML 文件。",
                "folder": f"{DATA_ROOT}/points/{folders[code]}".rstrip("/"),
                "extension": "yaml",
                "format": "servicepoints-yaml",  # registered by assets/servicepoints-cms.js
                "filter": {"field": "type", "value": code},
                "create": True,
                "delete": False,  # a closed point keeps its record (status: closed)
                "identifier_field": "name",
                "slug": "{{id}}",
                "summary": "{{name}}（{{id}}）",
                "sortable_fields": ["id", "name", "town", "status"],
                "fields": fields + [_private_field()],
            }
        )
    collections.append(_code_lists(descriptor))
    config: dict = {
        "locale": "zh_Hans",
        "site_url": site_url,
        "display_url": site_url,
        "publish_mode": "editorial_workflow",  # local_backend: added by the page itself, on localhost only
        "media_folder": f"{DATA_ROOT}/media",
        "public_folder": "/media",
        "slug": {"encoding": "ascii", "clean_accents": True},
        "collections": collections,
    }
    backend: dict = {"name": "test-repo"} if repo is None else {"name": repo.host, "repo": repo.path}
    if repo is not None:
        backend["branch"] = repo.branch
        if repo.host == "gitlab":
            base = repo.url[: -len(repo.path) - 1]
            backend |= {"auth_type": "pkce", "base_url": base, "api_root": f"{base}/api/v4"}
        backend["squash_merges"] = True
        backend["commit_messages"] = {
            "create": "新建网点记录 {{slug}}（网页编辑）",
            "update": "更新网点记录 {{slug}}（网页编辑）",
            "delete": "删除 {{collection}} {{slug}}（网页编辑）",
            "uploadMedia": "上传 {{path}}",
            "deleteMedia": "删除 {{path}}",
        }
    backend |= {k: v for k, v in (auth or {}).items() if v}
    config["backend"] = backend
    return config


def _code_lists(descriptor: Descriptor) -> dict:
    """One files collection: each code list CSV as a list of rows (the admin page registers a csv format)."""
    files = []
    for resource in descriptor.resources:
        if resource["name"] not in CODE_LISTS:
            continue
        row_fields = []
        for field in resource["schema"]["fields"]:
            required = bool(field.get("constraints", {}).get("required"))
            widget = _scalar_widget(field, required)
            if field.get("x-list"):
                widget |= {"hint": widget["hint"] + " 多个代码以分号分隔。"}
            if widget["widget"] == "number":  # a CSV cell is text: keep exactly what was typed
                widget = {k: v for k, v in widget.items() if k != "value_type"} | {"widget": "string"}
            row_fields.append(widget)
        files.append(
            {
                "name": resource["name"],
                "label": f"代码表：{resource['title']}",
                "file": f"{DATA_ROOT}/{resource['path']}",
                "description": resource.get("description", ""),
                "fields": [
                    {
                        "name": "rows",
                        "label": resource["title"],
                        "widget": "list",
                        "collapsed": False,  # a table: every row open, like a spreadsheet
                        "summary": "{{fields." + resource["schema"]["fields"][1]["name"] + "}}",
                        "fields": row_fields,
                    }
                ],
            }
        )
    # Decap takes the format from the collection, not from each file: all three are CSV.
    return {
        "name": "code-lists",
        "label": "代码表",
        "delete": False,
        "format": "servicepoints-csv",  # registered by assets/servicepoints-cms.js
        "extension": "csv",
        "files": files,
    }


def covered_fields(config: dict) -> dict[str, set[str]]:
    """Collection name -> the top-level field names its form edits (for the coverage test)."""
    return {
        c["name"]: {f["name"] for f in c.get("fields", []) if f["name"] != PICKER_FIELD} for c in config["collections"]
    }


def edit_url(site_url: str, type_code: str, point_id: str) -> str:
    """The CMS page that edits one record."""
    return f"{site_url.rstrip('/')}/admin/#/collections/{collection_name(type_code)}/entries/{point_id}"


def admin_data(tables: dict[str, list[dict]], taken: list[str]) -> dict:
    """What the admin page's script needs to name a new record: town slugs and the ids already taken."""
    return {
        "townSlugs": {t["name"]: t["slug"] for t in tables["towns"]},
        "taken": sorted(taken),
        "schemaComment": SCHEMA_COMMENT,
    }


def record_layout(registry) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    """From a read registry: id -> path under ``points/``, and per type every record's keys in file order."""
    from ..registry.load import display_path

    shown = display_path(registry.root / "points")
    paths: dict[str, str] = {}
    orders: dict[str, list[list[str]]] = {}
    for record in registry.records:
        point_id = record.id
        if point_id is not None:
            paths[point_id] = record.file[len(shown) + 1 :] if record.file.startswith(shown + "/") else record.file
        orders.setdefault(str(record.values.get("type")), []).append(list(record.values))
    return paths, orders


def repo_path(relative: str) -> str:
    """A record's path from the repository root."""
    return f"{DATA_ROOT}/points/{relative}"


def login_kind(repo: Repo | None, auth: dict) -> str | None:
    """How editors log in to /admin/: "github" or "gitlab"; None when nobody can (no OAuth helper or app id).

    Decap's GitHub login needs an OAuth helper (``cms_auth_url``; its default is Netlify's, which only
    serves sites hosted there) and its GitLab login an application id (``cms_app_id``)."""
    if repo is None:
        return None
    needs = {"github": "base_url", "gitlab": "app_id"}[repo.host]
    return repo.host if auth.get(needs) else None


def issue_url(repo: Repo | None) -> str | None:
    """A blank new issue in the repository, for /admin/'s other routes."""
    if repo is None:
        return None
    return f"{repo.url}/issues/new" if repo.host == "github" else f"{repo.url}/-/issues/new"


def admin_files(data, env, site_name: str) -> dict[str, str]:
    """``admin/index.html`` (from the ``admin.html.j2`` template of ``env``) and ``admin/config.yml``;
    ``site_name`` is mkdocs'."""
    import yaml

    from .tiles import tile_provider

    settings = data.settings
    repo = parse_repo(settings.repo_url, settings.repo_branch, settings.repo_host)
    record_types = {p["id"]: p["type"] for p in data.points}
    folders = type_folders(data.paths, data.tables["types"], record_types)
    auth = {"base_url": settings.cms_auth_url, "app_id": settings.cms_app_id}
    config = cms_config(data.descriptor, data.tables, folders, data.key_orders, repo, data.site_url, auth)
    headers = {
        f"{DATA_ROOT}/{r['path']}": [f["name"] for f in r["schema"]["fields"]]
        for r in data.descriptor.resources
        if r["name"] in CODE_LISTS
    }
    login = login_kind(repo, auth)
    provider = tile_provider(settings)
    tiles = {
        "url": provider.url,
        "labels": provider.labels_url,
        "subdomains": provider.subdomains,
        "attribution": provider.attribution,
        "datum": provider.datum,
        "maxZoom": provider.max_zoom,
    }
    extra = admin_data(data.tables, [p["id"] for p in data.points]) | {
        "csvHeaders": headers,
        "login": login,
        "localBackend": True,  # Decap's local_backend, given to Decap only when the page is on localhost
        "picker": {"field": PICKER_FIELD, "tiles": tiles, "bounds": data.place.box.leaflet()},
    }
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=1000)
    header = "# 由 data/datapackage.json 和代码表在构建时生成（servicepoints.site.cms），请勿手工修改。\n"
    page = env.get_template("admin.html.j2").render(
        data=extra,
        login=login,
        repo=repo,
        issue=issue_url(repo),
        contact=contact(settings),
        publisher=settings.publisher,
        site_name=site_name,
    )
    return {"admin/config.yml": header + text, "admin/index.html": page}


CORRECTION_BODY = NAME_LINE + ASK + "\n（议题是公开的，请不要填写个人手机号等不宜公开的信息。）\n"


CORRECTION_TITLE = "更正网点信息：{name}（{id}）"


def correction_url(repo: Repo | None, point: dict, path: str, page_url: str) -> str | None:
    """A new-issue link on the git host, title and body filled in; None without a repository."""
    if repo is None:
        return None
    values = {"name": point["name"], "id": point["id"], "path": path, "url": page_url}
    title, body = _query_value(CORRECTION_TITLE, values), _query_value(CORRECTION_BODY, values)
    if repo.host == "github":
        return f"{repo.url}/issues/new?title={title}&body={body}"
    return f"{repo.url}/-/issues/new?{quote_plus('issue[title]')}={title}&{quote_plus('issue[description]')}={body}"


def _query_value(template: str, values: dict[str, str]) -> str:
    """``template.format(**values)`` as urlencode writes a value (quote_plus). Every point page's link holds the
    same long text around its own few values: that text is encoded once, and as encoding goes character by
    character, the pieces join into the very string encoding the whole would give."""
    return "".join(text + (quote_plus(values[field]) if field else "") for text, field in _encoded_pieces(template))


@functools.cache
def _encoded_pieces(template: str) -> list[tuple[str, str | None]]:
    pieces = []
    for text, field, spec, conversion in string.Formatter().parse(template):
        if spec or conversion:
            raise ValueError(f"{template!r}: only plain fields, such as {{name}}")
        pieces.append((quote_plus(text), field))
    return pieces


def point_links(data, point: dict, page_url: str) -> dict:
    """The correction link and the CMS edit link of one point page (relative to the page)."""
    settings = data.settings
    repo = parse_repo(settings.repo_url, settings.repo_branch, settings.repo_host)
    relative = data.paths.get(point["id"], f"{point['type']}/{point['id']}.yaml")
    return {
        "report": correction_url(repo, point, repo_path(relative), page_url),
        "mail": point_mail(settings, point, repo_path(relative), page_url),
        "contact": contact(settings),
        "edit": f"../../admin/#/collections/{collection_name(point['type'])}/entries/{point['id']}",
        "path": repo_path(relative),
    }
