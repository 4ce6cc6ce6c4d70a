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
