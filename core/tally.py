"""What a batch of events did, counted: one way to add two tallies and to say one (pure)."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol


class _Refusal(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class Tally:
    """A dataclass's counters (named in `COUNTERS`) and its `refused` list."""

    COUNTERS: ClassVar[tuple[str, ...]] = ()
    refused: list[Any]

    def add(self, other: Tally) -> None:
        for name in self.COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.refused.extend(other.refused)

    def as_dict(self, max_refusals: int = 1000) -> dict[str, Any]:
        """The counters, the number refused and the first `max_refusals` refusals."""
        return {
            **{name: getattr(self, name) for name in self.COUNTERS},
            "refused": len(self.refused),
            "refusals": [r.as_dict() for r in self.refused[:max_refusals]],
        }
