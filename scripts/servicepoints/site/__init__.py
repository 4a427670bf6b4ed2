"""site: the website (the mkdocs plugin, pages, map, search, wayfinding, glossary, escaping, counts, QR, browser
editor)."""
