"""AIS: vessels and their positions, the ingester (decoder, transports, store), the monthly
partitions and their GeoParquet archive, and the demo feed (the simulated world)."""
