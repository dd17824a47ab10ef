from __future__ import annotations

from inspector.inspection import STORE_CHANGES
from inspector.panels.base import Panel


class RecordPanel(Panel):
    """The stored record, decoded layer by layer: read from the store, never through a load."""

    name = "record"
    title = "Stored record"

    @property
    def changed(self) -> bool:
        return self.report is not None and self.report.record_change in STORE_CHANGES

    @property
    def flash(self) -> str:
        return self.report.record_change if self.report else ""
