"""The validated data every output is made from."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ..core.place import Place
from ..core.settings import Settings
from .descriptor import Descriptor


@dataclass
class SiteData:
    """Everything the pages show, already validated."""

    descriptor: Descriptor
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
        return self.descriptor.place

    def fields(self, resource: str = "points") -> list[dict]:
        return self.descriptor.fields(resource)

    def labels(self, field: str) -> dict[str, str]:
        return self.descriptor.labels(field)
