from __future__ import annotations

from django.conf import settings

from inspector import conf
from inspector.panels.base import Panel

RECORD_CHANGE_TEXT = {
    "created": "record created",
    "updated": "record updated",
    "unchanged": "record unchanged",
    "deleted": "record deleted",
    "replaced": "old record deleted, new one created under a new key",
    "none": "nothing stored",
}
#: With signed cookies the cookie is the record.
COOKIE_CHANGE_TEXT = {
    "created": "signed cookie created",
    "updated": "cookie re-signed",
    "unchanged": "cookie unchanged",
    "deleted": "signed session gone",
    "replaced": "old record deleted, the data now in a signed cookie",
    "none": "nothing stored",
}


class HappenedPanel(Panel):
    """What just happened: the Python that ran, its result, and what it changed."""

    name = "happened"
    title = "What just happened"

    @property
    def changed(self) -> bool:
        return self.report is not None or bool(self.notice) or bool(self.elsewhere)

    @property
    def elsewhere(self) -> str:
        """What changed this session away from this page: the teacher, another tab."""
        context = self.page.context
        if deleted := context.get("deleted_by_teacher"):
            shown, when, after = deleted
            said = (
                f"The teacher deleted your session {shown} from the class view at "
                f"{when:%H:%M:%S} UTC."
            )
            if after == "no cookie":
                return (
                    f"{said} Your browser still sent its key; Django found no record under it, "
                    "and the session being empty, it deleted the cookie. The next write starts "
                    "a session under a new key."
                )
            if after == "new key":
                return (
                    f"{said} Your browser still sent its key; Django found no record under it, so "
                    "this request started a new, empty session under a new key."
                )
            return (
                f"{said} Your browser still sends its key, but Django finds no record under it: "
                "it starts a new, empty session, and the next write saves it under a new key."
            )
        change = context.get("changed_elsewhere")
        if change == "started fresh":
            return (
                "The teacher started fresh from the class view: every session stored on the "
                "server was removed but the teacher's own (signed cookies live in the browsers "
                "and stay). The panels show what is stored now."
            )
        if change:
            where = ", or from the class view" if conf.enabled("CLASS_VIEW") else ""
            return (
                f"This session changed elsewhere (in another tab or window on it{where}): the "
                "panels show what is stored now."
            )
        return ""

    @property
    def record_change_text(self) -> str:
        if self.report is None:
            return ""
        texts = RECORD_CHANGE_TEXT if self.snapshot.engine.stores_on_server else COOKIE_CHANGE_TEXT
        return texts.get(self.report.record_change, "")

    @property
    def idle_text(self) -> str:
        """Before any action: what this request found, so a reload after an expiry says so."""
        snapshot = self.snapshot
        if snapshot.sent_cookie is None:
            return (
                "Nothing yet. Your browser sent no session cookie, so Django sees a new, empty "
                "session: add a key and watch the panels on the right."
            )
        return "Nothing yet. Add a key and watch the panels on the right."

    @property
    def notice(self) -> str:
        """After the countdown ran out: what this request really found."""
        if not self.page.context.get("expired_notice"):
            return ""
        snapshot = self.snapshot
        if snapshot.sent_cookie is None:
            return (
                "The expiry passed. The browser dropped the session cookie at its Max-Age, so "
                "this request sent none: Django sees a new, empty session. "
                + snapshot.engine.afterlife()
            )
        if snapshot.record is not None and snapshot.record.problem:
            name = settings.SESSION_COOKIE_NAME
            return (
                f"The expiry passed. This request still sent the cookie {name}, but Django "
                f"will not load its record: {snapshot.record.problem}"
            )
        if snapshot.record is not None:
            return (
                "The countdown ran out, but this request still sent the cookie and Django would "
                "still load its record (see Stored record): the two clocks are a second apart, "
                "or Django's check ignores the session's own expiry here."
            )
        return (
            "The expiry passed. This request still sent the session cookie, but nothing is "
            "stored under it: Django sees a new, empty session."
        )
