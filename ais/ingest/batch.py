"""A batch: the reports the writer stores together, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from .ais import Position, StaticReport


@dataclass
class Batch:
    """Reports to store together (one transaction)."""

    positions: list[Position] = field(default_factory=list)
    statics: list[StaticReport] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.positions) + len(self.statics)

    def halves(self) -> tuple[Batch, Batch]:
        """Two batches holding this one's reports (for finding a refused row)."""
        rows: list[Position | StaticReport] = [*self.positions, *self.statics]
        parts = (rows[: len(rows) // 2], rows[len(rows) // 2 :])
        return tuple(  # type: ignore[return-value]
            Batch(
                [r for r in part if isinstance(r, Position)],
                [r for r in part if isinstance(r, StaticReport)],
            )
            for part in parts
        )
