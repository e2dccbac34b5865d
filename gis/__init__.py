"""Pure spatial analysis for Haechi: camera footprints, coverage, blind spots, hotspots, siting.

GeoDataFrames and numpy arrays in, GeoDataFrames and arrays out. No Django, no database I/O.
Every public function states the CRS it expects and returns: storage is EPSG:4326, metric work is
done in EPSG:5186 (Korea 2000 / Central Belt 2010), see `gis.crs`.
"""
