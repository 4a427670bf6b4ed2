"""publish: the open-data files (tables, spreadsheet, HSDS, DCAT catalogue, change log, completeness)."""
