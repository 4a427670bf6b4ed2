"""Suggest what an editor probably meant."""

from __future__ import annotations

import difflib


def suggest(value: object, choices: dict[str, str]) -> str | None:
    """The canonical choice closest to ``value`` (read as text); ``choices`` maps every alias to its canonical form."""
    text = str(value).strip()
    lowered = {alias.lower(): canon for alias, canon in choices.items()}
    if text.lower() in lowered:
        return lowered[text.lower()]
    starts = sorted({canon for alias, canon in choices.items() if text and alias.startswith(text)})
    if len(starts) == 1:
        return starts[0]
    close = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def did_you_mean(value: object, choices: dict[str, str]) -> str:
    """A Chinese hint sentence, or an empty string."""
    hit = suggest(value, choices)
    return f"是不是“{hit}”？" if hit else ""
