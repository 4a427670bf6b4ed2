"""Seed data/holidays.csv from the chinesecalendar package (PyPI), for the years it covers.

Not part of the site build: run it by hand when a new release of the package adds a year, then
review the diff against the State Council notice before committing.

    .venv/bin/pip install chinesecalendar
    .venv/bin/python scripts/holidays_from_chinese_calendar.py [--out data/holidays.csv]

Rows already in the file for years the package does not cover (added by an editor from the notice)
are kept as they are.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

NAMES = {
    "元旦": "元旦",
    "春节": "春节",
    "清明": "清明节",
    "劳动节": "劳动节",
    "端午": "端午节",
    "中秋": "中秋节",
    "国庆节": "国庆节",
}  # the package's short names as people say them; special one-off days keep the package's name
COLUMNS = ["date", "kind", "name", "source"]


def package_rows() -> list[dict]:
    import chinese_calendar

    source = f"chinesecalendar {chinese_calendar.__version__}"
    rows = []
    for kind, days in (("holiday", chinese_calendar.holidays), ("workday", chinese_calendar.workdays)):
        for day, value in days.items():
            rows.append(
                {
                    "date": day.isoformat(),
                    "kind": kind,
                    "name": _name(chinese_calendar.Holiday(value).chinese),
                    "source": source,
                }
            )
    return rows


def _name(chinese: str) -> str:
    return NAMES.get(chinese, chinese)


def merged(existing: list[dict], seeded: list[dict]) -> list[dict]:
    years = {r["date"][:4] for r in seeded}
    kept = [r for r in existing if r["date"][:4] not in years]
    return sorted(kept + seeded, key=lambda r: r["date"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "data" / "holidays.csv")
    args = parser.parse_args(argv)
    try:
        seeded = package_rows()
    except ImportError:
        print("需要先安装 chinesecalendar：.venv/bin/pip install chinesecalendar", file=sys.stderr)
        return 2
    existing = []
    if args.out.is_file():
        with args.out.open(encoding="utf-8", newline="") as handle:
            existing = list(csv.DictReader(handle))
    rows = merged(existing, seeded)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    years = sorted({r["date"][:4] for r in rows})
    print(f"已写入 {args.out}：{len(rows)} 行，{years[0]}–{years[-1]} 年。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
