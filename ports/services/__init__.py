"""Use cases of the ports app, one module per concept: throughput figures (published and
reported), the review of reported figures, and the AIS estimate they are checked against."""
