"""Bulk import of cameras from CSV (our layout and Seoul's open-data layouts) and GeoJSON."""
