from __future__ import annotations

import datetime as dt

from inspector.inspection import STORE_CHANGES, Expiry
from inspector.panels.base import Panel


class ExpiryPanel(Panel):
    """What the session's expiry methods return, and when this browser's session ends."""

    name = "expiry"
    title = "Expiry"

    @property
    def changed(self) -> bool:
        """A save moves the expiry on; a new cookie or a deleted one changes it too."""
        report = self.report
        if report is None:
            return False
        return (
            report.record_change in STORE_CHANGES
            or report.cookie.kind != "none"
            or "_session_expiry" in report.key_changes
        )

    @property
    def expiry(self) -> Expiry:
        return self.snapshot.expiry

    @property
    def ends_at(self) -> dt.datetime | None:
        return self.snapshot.expires_at

    @property
    def cookie_ends_at(self) -> dt.datetime | None:
        record = self.snapshot.record
        return record.cookie_expires if record else None

    @property
    def split(self) -> bool:
        """True where the browser and Django's server-side check end the session apart."""
        record = self.snapshot.record
        return record is not None and record.cookie_expires is not None

    @property
    def server_ends_at(self) -> dt.datetime | None:
        """When Django stops loading the record (None: never, on the server)."""
        record = self.snapshot.record
        return record.expire_date if record else None
