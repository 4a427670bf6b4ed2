"""Errors: bad data is a result (a Problem, collected for every record at once); a broken set-up is a SetupError."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class SetupError(Exception):
    """The registry folder or the settings are broken (not a record): the command exits 2."""


# Stable codes, with what each means in Chinese. The docs list every one (a test checks).
CODES: dict[str, str] = {
    "file-empty": "文件是空的",
    "file-too-large": "文件太大",
    "file-encoding": "文件不是 UTF-8 编码",
    "yaml-syntax": "YAML 语法错误",
    "yaml-duplicate-key": "同一字段写了两次",
    "yaml-alias": "使用了 YAML 锚点或别名",
    "yaml-too-deep": "列表或字段嵌套太深",
    "not-a-mapping": "文件内容不是“字段: 值”的形式",
    "not-a-record": "points/ 中有不是记录的文件",
    "not-a-file": "记录位置上是文件夹或特殊文件",
    "symlink-dangling": "链接指向不存在的位置",
    "symlink-outside": "链接指向数据目录之外",
    "file-unreadable": "文件无法读取",
    "registry-empty": "没有任何网点记录",
    "control-character": "文字中有控制字符",
    "invisible-character": "文字中有看不见或改变方向的字符",
    "blank-value": "值只有空格",
    "unknown-field": "未知字段",
    "missing-field": "缺少必填字段",
    "type-error": "值的类型不对",
    "constraint-error": "值不符合要求",
    "duplicate-id": "编号重复",
    "id-filename-mismatch": "编号与文件名不一致",
    "unknown-town": "未知镇街",
    "unknown-type": "未知网点类型",
    "unknown-service": "未知服务项目",
    "service-not-allowed": "该类型网点不提供此服务",
    "coords-outside": "坐标不在本地范围内",
    "coords-swapped": "经纬度写反了",
    "bad-hours": "服务时间写法不对",
    "verified-future": "核实日期晚于今天",
    "stale": "记录久未核实",
    "codelist-error": "代码表有误",
    "sources-missing": "没有写信息来源",
    "source-invalid": "信息来源写法不对",
    "source-bad-url": "信息来源的网址不对",
    "source-bad-date": "信息来源的发布日期不对",
    "inferred-with-facts": "推定的网点写了没有出处的信息",
    "sheet-cell": "填报表的单元格读不准",
    "sheet-row": "填报表的这一行不能导入",
    "status-date-unsourced": "状态依据日期不是任何一条出处的日期",
    "source-domain-unlisted": "出处网站不在出处网站名单上，也没有说明",
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

    def as_dict(self) -> dict:
        return asdict(self)


def errors(problems: list[Problem]) -> list[Problem]:
    """The problems that block publishing (warnings do not)."""
    return [p for p in problems if p.severity == "error"]
