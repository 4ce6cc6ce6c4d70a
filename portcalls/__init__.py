"""Port calls made from AIS positions: each port's detection rule (versioned), the pure
detector, the calls, and the metrics made from them."""
