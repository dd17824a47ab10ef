from __future__ import annotations

from functools import cached_property

from inspector.operations import Operation
from inspector.panels.base import Panel

#: clear_expired() on many session files makes hundreds of operations: the page lists the first.
SHOWN = 60


class OperationsPanel(Panel):
    """Storage operations: every call the session framework made on its store, in order."""

    name = "operations"
    title = "Storage operations"

    @property
    def changed(self) -> bool:
        return self.report is not None and self.count > 0

    @cached_property
    def operations(self) -> list[Operation]:
        if self.report is not None:
            return self.report.operations
        inspection = getattr(self.page.request, "inspection", None)
        return list(inspection.recorder.operations) if inspection else []

    @property
    def shown(self) -> list[Operation]:
        return self.operations[:SHOWN]

    @property
    def hidden(self) -> int:
        """Operations recorded but not listed: past the page's limit, or left out of the cookie."""
        dropped = self.report.operations_dropped if self.report else 0
        return max(0, len(self.operations) - SHOWN) + dropped

    @property
    def count(self) -> int:
        return len(self.operations) + (self.report.operations_dropped if self.report else 0)

    @property
    def total_ms(self) -> float:
        if self.report is not None:
            return self.report.operations_ms
        return sum(operation.ms for operation in self.operations)

    @property
    def empty_text(self) -> str:
        if not self.snapshot.engine.stores_on_server:
            return (
                "None: nothing was loaded or saved. With signed cookies the store is the cookie: "
                "a save would show its signing and the Set-Cookie that carries it."
            )
        return (
            "None: this request neither loaded nor saved the session, so Django did not "
            "touch its store. (Showing this page never loads the session.)"
        )
