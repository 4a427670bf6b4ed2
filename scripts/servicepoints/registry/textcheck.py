"""Hostile or broken text in a record: control and invisible characters, blank values, numbers
that are not plain finite decimals. Each is a Problem at the value's line, never an exception."""

from __future__ import annotations

import re
import unicodedata

from ..core.dates import ISO_DATE, real_date
from ..core.errors import Problem, printable
from ..core.weburl import url_problem
from .load import Record

# What a number field may hold, as the editors' JSON Schema says too: a plain decimal.
NUMBER_TEXT = r"-?[0-9]{1,3}(\.[0-9]{1,12})?"

# Characters people cannot see (or that turn the text around) with a Chinese name for the message.
_NAMED = {
    "\u200b": "零宽空格",
    "\u200c": "零宽非连接符",
    "\u200d": "零宽连接符",
    "\u200e": "从左到右标记",
    "\u200f": "从右到左标记",
    "\u2060": "零宽不换行空格",
    "\ufeff": "字节顺序标记（BOM）",
    "\u00ad": "软连字符",
    "\u2028": "行分隔符",
    "\u2029": "段落分隔符",
    "\u3164": "韩文填充符",
    "\u115f": "韩文填充符",
    "\u1160": "韩文填充符",
    "\uffa0": "半角韩文填充符",
    "\u180e": "蒙古文元音分隔符",
}
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")


# Printable characters (str.isprintable) that are still refused: the Hangul fillers, letters that show nothing.
_PRINTABLE_BUT_NAMED = re.compile("[" + "".join(c for c in _NAMED if c.isprintable()) + "]")


def bad_character(text: str, multiline: bool = False) -> tuple[int, str, str] | None:
    """The first character an editor should not have typed: (1-based position, code, Chinese name)."""
    if (text.replace("\n", "") if multiline else text).isprintable() and not _PRINTABLE_BUT_NAMED.search(text):
        # Nothing to find: every refused category (Cc, Cf, Co, Cn, Cs, Zl, Zp) is one isprintable() refuses too,
        # and so is every character of _BIDI and of _NAMED but the ones searched for. Most text ends here.
        return None
    return _first_bad_character(text, multiline)


def _first_bad_character(text: str, multiline: bool) -> tuple[int, str, str] | None:
    """bad_character, one character at a time."""
    for index, char in enumerate(text, 1):
        if char == "\n" and multiline:
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            name = {"\t": "制表符（Tab）", "\n": "换行", "\r": "回车"}.get(char, "控制字符")
            return index, "control-character", f"{name}（U+{ord(char):04X}）"
        if char in _BIDI:
            return index, "invisible-character", f"改变文字方向的控制字符（U+{ord(char):04X}）"
        if char in _NAMED or category in ("Cf", "Co", "Cn", "Cs", "Zl", "Zp"):
            name = _NAMED.get(char, "看不见的格式字符" if category == "Cf" else "无法显示的字符")
            return index, "invisible-character", f"{name}（U+{ord(char):04X}）"
    return None


# The longest text any cell or record value may hold when its field declares no maxLength; far below
# the 32,767 characters a spreadsheet cell can hold (XLSX_CELL), so every published cell fits.
TEXT_MAX = 2000
XLSX_CELL = 32767


def text_rule(text: str, multiline: bool = False, limit: int | None = None) -> tuple[str, str] | None:
    """The one rule for every text cell of every table and every record value: (code, what is wrong,
    in Chinese, to follow the field's name), or None when the text is fine."""
    found = bad_character(text, multiline)
    if found:
        index, code, name = found
        return code, f"的第 {index} 个字符是{name}，看不见或会打乱显示，请删去后重新输入这一处。"
    if is_blank(text):
        return "blank-value", "只有空格，没有内容：有内容就填写，没有就删去。"
    most = min(limit or TEXT_MAX, XLSX_CELL)
    if len(text) > most:
        return "constraint-error", f"太长（{len(text)} 个字），最多 {most} 个字。"
    return None


def is_blank(text: str) -> bool:
    """Nothing but spaces of any width (invisible characters are caught before this)."""
    return not text.strip()


def finite_number(text: str) -> float | None:
    """The value of a plain decimal (``22.61``), else None: no nan, inf, exponents or 5,000 digits
    (so the value is always finite)."""
    if not isinstance(text, str) or not re.fullmatch(NUMBER_TEXT, text):
        return None
    return float(text)


def text_problems(record: Record, fields: dict[str, dict], screen: TextScreen | None = None) -> list[Problem]:
    """Every text value of a record (list items and nested values too; not the private block). ``screen``: values
    it finds clean are passed over (the same problems, sooner)."""
    out: list[Problem] = []
    for key, value in record.values.items():
        if screen is not None and screen.clean(key, value):
            continue
        spec = fields.get(key, {})
        label = f"{spec.get('title', key)}（{key}）" if spec else key
        multiline = bool(spec.get("x-multiline"))
        limit = spec.get("constraints", {}).get("maxLength")
        for path, text in _texts(value, key):
            line = record.line(path)
            found = text_rule(text, multiline, limit)
            if found and found[0] == "blank-value":
                msg = f"{label}只有空格，没有内容：有内容就填写，没有就删去这一行（或这一项）。"
                out.append(Problem(record.file, line, "blank-value", msg, record.id, key))
            elif found and not (found[0] == "constraint-error" and (limit or spec.get("type", "string") != "string")):
                # length: a declared maxLength is the table check's; a number or date has its own check
                out.append(Problem(record.file, line, found[0], label + found[1], record.id, key))
        linked = spec.get("format") == "uri" and isinstance(value, str) and not found_any(out, key)
        wrong = linked and url_problem(value)
        if wrong:
            msg = f"{label}的网址“{printable(value)}”{wrong}。"
            out.append(Problem(record.file, record.line(key), "constraint-error", msg, record.id, key))
        dated = spec.get("type") == "date" and isinstance(value, str) and not found_any(out, key)
        if dated and real_date(value) is None:
            msg = f"{label}应是真实存在的日期，写成 YYYY-MM-DD（月和日都写两位），例如 2025-03-31。"
            out.append(Problem(record.file, record.line(key), "type-error", msg, record.id, key))
        joined = sum(len(v) + 1 for v in value if isinstance(v, str)) if isinstance(value, list) else 0
        if spec.get("x-list") and joined > XLSX_CELL and not found_any(out, key):  # one published cell
            msg = f"{label}的各项合起来太长（{joined} 个字），发布时放不进一个表格单元格（最多 {XLSX_CELL} 个字）。"
            out.append(Problem(record.file, record.line(key), "constraint-error", msg, record.id, key))
        if spec.get("x-list") and isinstance(value, list):
            seen: set = set()
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    continue  # a list or mapping inside a list: a type error, reported by the shape check
                if item in seen and key != "services":  # services: tablecheck says so
                    msg = f"{label}中的“{item}”写了两次，请删去一处。"
                    out.append(Problem(record.file, record.line(f"{key}.{i}"), "constraint-error", msg, record.id, key))
                seen.add(item)
        partial = spec.get("x-format") == "partial-date" and isinstance(value, str) and not found_any(out, key)
        if partial and ISO_DATE.fullmatch(value) and real_date(value) is None:
            msg = f"{label}的日期 {value} 不存在（例如 2 月没有 30 日），请写真实的日期，或只写年份、年月。"
            out.append(Problem(record.file, record.line(key), "constraint-error", msg, record.id, key))
        numeric = spec.get("type") in ("number", "integer") and isinstance(value, str) and not found_any(out, key)
        if numeric and (finite_number(value) is None or (spec["type"] == "integer" and "." in value)):
            kind = "整数" if spec["type"] == "integer" else "普通的十进制数字，例如 22.61"
            msg = f"{label}应是{kind}（不能写成科学计数法、无穷大或非数字，整数部分最多 3 位）。"
            out.append(Problem(record.file, record.line(key), "type-error", msg, record.id, key))
    return out


class TextScreen:
    """A quick answer to "would text_problems find nothing in this value?" (issue 27: it is asked of every value of
    every record, and almost all are fine). True only when the rule would find nothing; anything else (a line break,
    a long text, a nested list, a value that fails) is False and left to text_problems, which says what is wrong.
    tests/registry/test_textcheck.py holds the two to the same answer."""

    def __init__(self, fields: dict[str, dict]) -> None:
        self.fields = fields
        self.rules: dict[str, tuple] = {}  # key -> what the rule asks of its value, made on first use

    def _rule(self, key: str) -> tuple:
        spec = self.fields.get(key, {})
        most = min(spec.get("constraints", {}).get("maxLength") or TEXT_MAX, XLSX_CELL)
        kind = spec.get("type")
        number = kind in ("number", "integer")
        scalar = spec.get("format") == "uri" or kind == "date" or spec.get("x-format") == "partial-date" or number
        rule = self.rules[key] = (most, spec, scalar, bool(spec.get("x-list")), key != "services")
        return rule

    def clean(self, key: str, value) -> bool:
        if value is None:
            return True
        most, spec, scalar, listed, unique = self.rules.get(key) or self._rule(key)
        if isinstance(value, str):
            return _plain(value, most) and (not scalar or _scalar_clean(value, spec))
        if not isinstance(value, list):
            return False
        texts = []
        for item in value:
            if isinstance(item, str):
                texts.append(item)
            elif isinstance(item, dict) and not listed:
                texts += item
                texts += (v for v in item.values() if v is not None)
            else:
                return False  # a number, a list in a list, a mapping in a list of text
        if not all(isinstance(t, str) and _plain(t, most) for t in texts):
            return False
        if listed:
            joined = sum(len(v) + 1 for v in value)
            return joined <= XLSX_CELL and (not unique or len(set(value)) == len(value))
        return True


def _plain(text: str, most: int) -> bool:
    """Printable, named-invisible-free, not blank and no longer than ``most``: text_rule finds nothing."""
    return text.isprintable() and len(text) <= most and bool(text.strip()) and not _PRINTABLE_BUT_NAMED.search(text)


def _scalar_clean(value: str, spec: dict) -> bool:
    """The checks text_problems makes of one text value beyond the text rule, passed."""
    kind = spec.get("type")
    if spec.get("format") == "uri" and url_problem(value):
        return False
    if kind == "date" and real_date(value) is None:
        return False
    if spec.get("x-format") == "partial-date" and ISO_DATE.fullmatch(value) and real_date(value) is None:
        return False
    if kind in ("number", "integer"):
        return finite_number(value) is not None and not (kind == "integer" and "." in value)
    return True


def found_any(problems: list[Problem], key: str) -> bool:
    return any(p.field == key for p in problems)


def _texts(value, path: str):
    """(line key, text) for every string inside a value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, f"{path}.{i}")
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield from _texts(key, f"{path}.{key}")
            yield from _texts(item, f"{path}.{key}")
