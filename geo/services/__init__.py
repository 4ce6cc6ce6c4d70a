"""Use cases of the spatial core, one module per concept: nodes and their services,
coverage, geofences, the basemap."""
