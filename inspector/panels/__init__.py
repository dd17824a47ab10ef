"""The page's panels, one small class each (in the shape of django-debug-toolbar's)."""

from __future__ import annotations

from inspector.panels.base import PageData, Panel
from inspector.panels.cookie import CookiePanel
from inspector.panels.expiry import ExpiryPanel
from inspector.panels.happened import HappenedPanel
from inspector.panels.operations import OperationsPanel
from inspector.panels.record import RecordPanel
from inspector.panels.session import SessionPanel

__all__ = ["PANELS", "PageData", "Panel", "panels_for"]

#: In the order htmx swaps them: the session panel is the target, the rest go out of band.
PANELS: tuple[type[Panel], ...] = (
    SessionPanel,
    HappenedPanel,
    CookiePanel,
    ExpiryPanel,
    RecordPanel,
    OperationsPanel,
)


def panels_for(page: PageData) -> dict[str, Panel]:
    return {panel.name: panel(page) for panel in PANELS}
