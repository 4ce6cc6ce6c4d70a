"""Use cases of the ports app, one module per concept: throughput figures, AIS ingest and
layers, port calls (rules and detection), port metrics (daily figures, baseline,
congestion, sensitivity)."""
