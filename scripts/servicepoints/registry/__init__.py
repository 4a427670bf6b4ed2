"""registry: read the data folder and check it.

Records, code lists, sources, holidays, needs, the JSON Schema, new records."""
