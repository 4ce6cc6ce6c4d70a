"""What every poller of another system's HTTP API does the same way (pure: no Django).

A provider's limits are kept: a 429 waits its Retry-After (seconds or an HTTP date); a
failure waits longer each time, within bounds, and the first success brings the wait back
to the polling interval."""

from __future__ import annotations

from email.utils import parsedate_to_datetime


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (a number or an HTTP date), None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class Backoff:
    """The wait before the next request: `interval_s` while all goes well, doubled after
    each failure up to `max_s`."""

    def __init__(self, interval_s: float, max_s: float):
        self.interval_s = interval_s
        self.max_s = max_s
        self.delay = interval_s

    def failed(self) -> float:
        self.delay = min(max(self.delay * 2, self.interval_s), self.max_s)
        return self.delay

    def rate_limited(self, asked: float | None) -> float:
        """The wait after a 429: what the provider asked, else the grown delay; never
        shorter than the interval."""
        grown = self.failed()
        return max(asked if asked is not None else grown, self.interval_s)

    def succeeded(self) -> float:
        self.delay = self.interval_s
        return self.delay
