"""core: what every stage stands on — settings, errors and problems, geography, opening hours, the worker pool."""
