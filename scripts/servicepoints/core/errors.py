"""Errors: bad data is a result (a Problem, collected for every record at once); a broken set-up is a SetupError."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class SetupError(Exception):
    """The registry folder or the settings are broken (not a record): the command exits 2."""


@dataclass(frozen=True)
class Code:
    """What a problem code means and how to put it right, in Chinese (the editor's guide lists every one)."""

    meaning: str
    fix: str


# The closed set of problem codes: a Problem with any other code cannot be made. The guide's table of
# codes (docs/guide.md) is generated from it at build time (site/render.problem_codes_markdown).
CODES: dict[str, Code] = {
    "file-empty": Code("文件是空的", "填入网点信息，或删除这个误建的文件"),
    "file-too-large": Code("文件超过 64 KB", "简介等内容写短一些"),
    "file-encoding": Code("文件不是 UTF-8 编码", "用 UTF-8 编码另存（网页编辑器默认就是）"),
    "yaml-syntax": Code(
        "格式错误，常见原因是缩进不对或冒号后面少了空格",
        "对照例子检查那一行和上一行；`字段: 值` 的冒号后要有一个空格",
    ),
    "yaml-duplicate-key": Code("同一个字段写了两次", "删去其中一行"),
    "yaml-alias": Code("用了 `&` 或 `*` 开头的写法", "把值直接写出来；含有这些符号的文字请加引号"),
    "yaml-too-deep": Code("列表或字段套了太多层（超过 8 层）", "记录只用“字段: 值”和列表，对照例子重写"),
    "not-a-mapping": Code("文件不是“字段: 值”的形式", "对照例子重写"),
    "not-a-record": Code(
        "`points/` 里有不以 `.yaml` 结尾的文件（以 `.` 开头的隐藏文件只给警告）",
        "是记录就改名为 `.yaml` 结尾；不是就移出 `points/`",
    ),
    "not-a-file": Code("名字像记录文件，实际是文件夹（或管道等特殊文件）", "把里面的内容移出来，删去这个文件夹"),
    "symlink-dangling": Code("链接指向的位置不存在", "删去链接，放入真正的记录文件"),
    "symlink-outside": Code("链接指向数据目录之外，不会读取", "把记录文件本身放进 `points/`"),
    "file-unreadable": Code("文件或文件夹没有读取权限", "检查文件权限"),
    "registry-empty": Code("`points/` 里一条记录也没有，不能发布空名录", "用 `servicepoints new` 新建记录"),
    "control-character": Code("文字里有 Tab、回车等控制字符（简介以外的字段不能换行）", "删去提示位置的字符，改用空格"),
    "invisible-character": Code(
        "文字里有看不见的字符（零宽空格、改变文字方向的字符等），常见于从网页或聊天软件复制来的文字",
        "删去提示位置附近的文字，重新手工输入",
    ),
    "blank-value": Code("值只有空格（包括全角空格）", "填写内容，或删去这一行"),
    "unknown-field": Code("字段名拼错或不存在", "按提示改成正确的字段名，见数据字典"),
    "missing-field": Code("缺少必填字段", "补上提示中的字段"),
    "type-error": Code("值的类型不对，如纬度写成了文字、日期格式不对", "数字只写数字；日期写成 `2025-03-31`"),
    "constraint-error": Code(
        "值不符合要求，如编号有大写字母、状态不在可选范围、电话格式不对",
        "按提示中的可选值或格式修改",
    ),
    "duplicate-id": Code("编号和另一个文件重复", "换一个没人用过的编号，文件名一起改"),
    "id-filename-mismatch": Code("`id` 和文件名不一致", "让两者相同"),
    "unknown-town": Code("镇街名称不对", "写全称，如“古镇镇”“东区街道”"),
    "unknown-type": Code("网点类型代码不对", "按提示或数据字典的“网点类型”表改成代码"),
    "unknown-service": Code("服务项目代码不对", "按提示或数据字典的“服务项目”表改"),
    "service-not-allowed": Code("这类网点不提供这项服务", "删去这项服务，或检查网点类型是否写对"),
    "coords-outside": Code("坐标不在本地范围内", "重新取坐标；从高德或百度取的别忘了写 `crs`"),
    "coords-swapped": Code("纬度和经度写反了", "交换 `lat` 和 `lon` 的值"),
    "bad-hours": Code("服务时间写法不对", "按上面“服务时间的写法”修改"),
    "verified-future": Code("核实日期晚于今天", "写实际核实的日期"),
    "stale": Code("（警告）记录超过一年没有核实", "向网点核实后更新 `verified`"),
    "codelist-error": Code("代码表（镇街、类型、服务项目）本身有错", "请联系技术人员"),
    "sources-missing": Code("没有写信息来源", "加上 `sources` 列表，至少一条出处"),
    "source-invalid": Code(
        "信息来源写法不对：不是列表、某条缺标题、写了 title/url/date/provided_by/note 以外的项，或同一出处写了两次",
        "每条写成 `- title: …`，下面缩进写 `url:`、`date:`",
    ),
    "source-bad-url": Code("信息来源的网址不是 `http://` 或 `https://` 开头", "写完整网址；没有网址就删去 `url`"),
    "source-bad-date": Code("信息来源的发布日期格式不对或晚于今天", "写成 `2023-11-15`；不知道就删去 `date`"),
    "inferred-with-facts": Code(
        "推定的网点写了没有出处的信息（地址、电话、服务时间、运营状态等），"
        "或把名称写成了出处所用的名称（`name_basis: source`）",
        "删去这项，或找到点名这个网点的出处后把 `evidence` 改为 `named`",
    ),
    "sheet-cell": Code(
        "（导入填报表时）单元格被表格软件改得读不准，如电话丢了位数、文字被当成日期、跨列合并",
        "按提示把那一列设为文本后重填，或取消合并",
    ),
    "sheet-row": Code(
        "（导入填报表时）这一行不能导入：编号不在名录或属于别的镇街、导出后记录已被修改、新网点缺类型或镇街",
        "按提示改正；记录确实要覆盖时加 `--force`",
    ),
    "status-date-unsourced": Code(
        "状态依据日期（`status_date`）不是本记录任何一条出处的发布日期，或状态是 `unknown` 却写了它",
        "写说明网点现状的那条出处的 `date`；状态待核实时删去 `status_date`",
    ),
    "source-domain-unlisted": Code(
        "（警告）出处网址所在的网站不在出处网站名单 `data/source_domains.csv` 上，这条出处也没有 `note`",
        "改引政府、媒体或出版单位网站上的原文；只找到转载页时，写 `note` 说明；确属这类网站的，把域名加进名单",
    ),
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data, located as precisely as we can."""

    file: str
    line: int
    code: str
    message: str
    record: str | None = None
    field: str | None = None
    severity: str = "error"

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}: add it to CODES in core/errors.py")

    def as_dict(self) -> dict:
        return asdict(self)


def printable(value, limit: int = 80) -> str:
    """A value as one printable line for a message: unprintable characters as \\uXXXX, long text cut."""
    text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in str(value))
    return text if len(text) <= limit else text[:limit] + "…"


def errors(problems: list[Problem]) -> list[Problem]:
    """The problems that block publishing (warnings do not)."""
    return [p for p in problems if p.severity == "error"]
