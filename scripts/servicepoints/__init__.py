"""servicepoints: validate a city's IP service point registry and publish it (the city comes from its data)."""

__version__ = "0.1.0"
