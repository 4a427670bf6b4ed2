"""The validated data every output is made from."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ..core.place import Place
from ..core.settings import Settings


@dataclass
class SiteData:
    """Everything the pages show, already validated."""

    descriptor: dict
    tables: dict[str, list[dict]]
    points: list[dict]
    settings: Settings
    site_url: str
    # Per record, as the editor wrote it: path under points/ and keys in file order (browser editor, links).
    paths: dict[str, str] = field(default_factory=dict)
    key_orders: dict[str, list[list[str]]] = field(default_factory=dict)

    @functools.cached_property
    def place(self) -> Place:
        """The place the registry covers, from the descriptor's ``x-place``."""
        return Place.from_descriptor(self.descriptor)

    def fields(self, resource: str = "points") -> list[dict]:
        return next(r for r in self.descriptor["resources"] if r["name"] == resource)["schema"]["fields"]

    def labels(self, field: str) -> dict[str, str]:
        return next(f for f in self.fields() if f["name"] == field).get("x-labels", {})
