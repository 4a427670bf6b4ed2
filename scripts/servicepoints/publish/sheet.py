"""The fill-in workbook (填报表) a town returns with its points' facts: ``servicepoints sheet``.

Three sheets: ``网点`` (one row per record of the chosen towns, columns titled from the data dictionary,
codes by their Chinese names with drop-down lists, 编号 and 版本 locked), ``填写说明`` (what each column
means, the hours grammar, what the town vouches for, where the sheet goes back) and ``代码表`` (the lists
the drop-downs offer). The columns and the version rule are the registry's (``registry/intake.py``), so
``servicepoints import`` reads back exactly what this writes.
"""

from __future__ import annotations

from ..core.settings import Settings
from ..registry import intake
from ..registry.load import Registry
from .xlsx import Sheet, column_letter, workbook_members

HOURS_HELP = [
    ("服务时间的写法", "一条规则是“星期 时间”，几条规则用分号（;）隔开；时间用 24 小时制。", ""),
    ("", "星期：Mo 周一、Tu 周二、We 周三、Th 周四、Fr 周五、Sa 周六、Su 周日、PH 法定节假日。", "Mo-Fr 09:00-17:00"),
    ("", "中午休息：一天几段时间用逗号隔开。", "Mo-Fr 09:00-12:00,13:30-17:00"),
    ("", "节假日休息：加一条 PH off。", "Mo-Fr 09:00-12:00,13:30-17:00; PH off"),
    ("", "周六上午也开：再加一条规则。", "Mo-Fr 09:00-17:00; Sa 09:00-12:00"),
]
EXTRA_HELP = {
    "name": "网点挂牌或公告中的正式名称。",
    "type": "从下拉列表中选。",
    "town": "从下拉列表中选；只能是本表范围内的镇街。",
    "status": "从下拉列表中选。",
    "lat": "在地图上取点得到的纬度（数字，带小数）。取点所用地图写在“坐标系”列。",
    "lon": "在地图上取点得到的经度（数字，带小数）。",
    "crs": "从哪种地图取的坐标：高德、腾讯选 GCJ-02，百度选 BD-09，GPS、天地图选 WGS-84。",
    "precision": "坐标有多准：在地图上点到了门牌就选“精确到门牌”。",
    "phones": "对外咨询电话，带区号（区号-号码）；多个号码用分号隔开。",
    "hours": "见下面“服务时间的写法”。",
    "services": "从下拉列表中选；提供多项服务时，用分号隔开（例如 商标注册申请受理；商标业务咨询）。",
}


def _lists(cols: list[intake.Column]) -> list[intake.Column]:
    return [c for c in cols if c.choices and c.field in intake.CODE_FIELDS]


def fill_in_workbook(
    registry: Registry, towns: list[str] | None, settings: Settings, day: str, contact: str | None = None
) -> dict[str, bytes]:
    """The workbook's parts for ``towns`` (None: the whole city), dated ``day``."""
    cols = intake.columns(registry.descriptor, registry.tables)
    records = intake.scope_towns(registry.records, towns)
    header = [c.title for c in cols] + [intake.VERSION]
    rows = [intake.export_row(r.values, cols) for r in records]
    lists = _lists(cols)
    code_rows = max((len(c.choices) for c in lists), default=0)
    code_sheet = Sheet(
        intake.CODES,
        [c.title for c in lists],
        [[list(c.choices.values())[i] if i < len(c.choices) else None for c in lists] for i in range(code_rows)],
        protect=True,
        locked=frozenset(range(1, len(lists) + 1)),
        autofilter=False,
    )
    validations = []
    for n, col in enumerate(lists, 1):
        letter = column_letter(n)
        source = f"'{intake.CODES}'!${letter}$2:${letter}${len(col.choices) + 1}"
        validations.append((cols.index(col) + 1, source, not col.is_list))
    data = Sheet(
        intake.SHEET,
        header,
        rows,
        protect=True,
        locked=frozenset({1, len(header)}),
        numbers=frozenset(n for n, c in enumerate(cols, 1) if c.number),
        lists=tuple(validations),
        widths=tuple(_width(c, rows, n) for n, c in enumerate([*cols, None])),
    )
    guide = Sheet(
        intake.GUIDE,
        ["项目", "说明", "例子"],
        _guide_rows(registry, cols, towns, settings, contact),
        protect=True,
        locked=frozenset({1, 2, 3}),
        widths=(16, 70, 40),
        autofilter=False,
    )
    return workbook_members([data, guide, code_sheet], settings.publisher, day)


def _width(col: intake.Column | None, rows: list[list], n: int) -> int:
    from .xlsx import text_width

    title = col.title if col else intake.VERSION
    longest = max([text_width(title), *(text_width(r[n]) for r in rows)])
    wide = 24 if col and col.field in ("name", "address", "hours", "services", "description") else 10
    return min(max(longest, wide), 50)


def _guide_rows(
    registry: Registry, cols: list[intake.Column], towns: list[str] | None, settings: Settings, contact: str | None
) -> list[list]:
    points = {f["name"]: f for f in registry.descriptor.fields()}
    back = f"填好后请把本文件交回{settings.publisher}" + (f"（{contact}）" if contact else "") + "。"
    rows: list[list] = [
        [intake.SCOPE, "、".join(towns) if towns else intake.ALL_TOWNS, ""],
        [
            "这张表做什么",
            "请核对“网点”表中本镇街各网点的信息，改正错误、补上空着的项，并在表末空行填写表中没有的网点。",
            "",
        ],
        [
            "不知道就留空",
            "不知道的信息请留空，不要猜；网站对空着的项显示“待补充”。要删去一项错误的信息，清空那一格即可。",
            "",
        ],
        [
            "提交即确认",
            "交回本表，即表示贵单位确认表中填写的内容属实。网站将在这些网点页面注明“信息由贵单位提供（日期）”。"
            "请填写单位的对外信息，不要填写个人姓名或私人手机号码。",
            "",
        ],
        ["不能改的列", "“编号”和“版本”两列由系统填写，已锁定；新网点的编号留空，导入时自动生成。不要删除行。", ""],
        ["填写格式", "请直接填写值，不要用公式、链接或宏；电话等列已设为文本格式，照原样输入即可。", ""],
        ["交回", back, ""],
        ["", "", ""],
        ["列", "说明", "例子"],
    ]
    for col in cols:
        spec = points[col.field]
        text = EXTRA_HELP.get(col.field, "") or spec.get("description", "")
        example = spec.get("example", "")
        if col.choices and isinstance(example, str):
            example = col.choices.get(example, example)
        rows.append([col.title, text, example if isinstance(example, str) else str(example)])
    rows.append([intake.VERSION, "导出时记录的版本，用来发现导出后别人改过的记录。请勿修改。", ""])
    rows.append(["", "", ""])
    rows += [list(r) for r in HOURS_HELP]
    return rows
