from __future__ import annotations

from inspector.panels.base import Panel


class RecordPanel(Panel):
    """The stored record, decoded layer by layer: read from the store, never through a load."""

    name = "record"

    @property
    def flash(self) -> str:
        return self.report.record_change if self.report else ""
