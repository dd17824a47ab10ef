"""What every panel shares: the request's page data, and the panel's own template."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.http import HttpRequest

from inspector.inspection import ActionReport, Snapshot


@dataclass
class PageData:
    """Everything the panels are drawn from, gathered once Django has saved the session."""

    request: HttpRequest
    snapshot: Snapshot
    report: ActionReport | None
    #: What the view passed on: a form with its errors, the key being edited, ...
    context: dict[str, Any] = field(default_factory=dict)


class Panel:
    """One panel of the page: a small class that prepares it, and one template that draws it.

    The template sees the page's context plus ``panel``; for htmx it is also
    rendered alone, as an out-of-band swap.
    """

    name: ClassVar[str]
    #: The panel's heading, as the "What changed" strip names it.
    title: ClassVar[str]

    def __init__(self, page: PageData) -> None:
        self.page = page
        self.snapshot = page.snapshot
        self.report = page.report

    @property
    def template(self) -> str:
        return f"inspector/panels/{self.name}.html"

    @property
    def element_id(self) -> str:
        return f"{self.name}-panel"

    @property
    def changed(self) -> bool:
        """Whether the last action changed what this panel shows: it stays marked until the next."""
        return False
