"""A district's known sites and projects: derived from its records, curated by staff, fetched by phones."""
