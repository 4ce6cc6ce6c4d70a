"""The error every layer parser raises for bad input: it names file, row and field."""

from __future__ import annotations


class LayerError(ValueError):
    """A problem in an input file. `row` is the line number in the file (the header is
    line 1) or the feature number (1-based) in a GeoJSON file; `field` the column or
    property at fault. Nothing of the file is written when one is raised."""

    def __init__(self, path: str, message: str, row: int | None = None, field: str | None = None):
        self.path, self.row, self.field, self.message = path, row, field, message
        where = path
        if row is not None:
            where += f", row {row}"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")
