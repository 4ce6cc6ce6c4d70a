"""Use cases of the port-call app: detection (rules, batch and follower) and the port
metrics made from calls (daily figures, baseline, congestion, sensitivity)."""
