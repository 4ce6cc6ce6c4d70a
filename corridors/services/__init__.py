"""Use cases of the corridors app, one module per concept: sea lanes, routes, route
coverage, and the seed loader of the whole corridor (`seed.load_corridor`)."""
