"""The one rule for "a real date": what records, sources, code lists, settings and commands accept."""

from __future__ import annotations

import datetime as dt
import re

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only; two-digit month and day


def real_date(text: object) -> dt.date | None:
    """The day ``text`` names when it is a date that exists, written YYYY-MM-DD; else None.

    Not 2025-1-5, not full-width digits, not a trailing line break, not 2025-02-30.
    """
    if not isinstance(text, str) or not ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
