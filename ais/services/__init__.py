"""Use cases of the AIS app, one module per concept: ingest (feeds and files into the
store), the archive of closed months, and the vessel layers (list, live map, tracks)."""
