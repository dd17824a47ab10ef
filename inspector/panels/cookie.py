from __future__ import annotations

from typing import Any

from django.conf import settings

from inspector.panels.base import Panel


class CookiePanel(Panel):
    """The session cookie the browser sent, and the Set-Cookie this response sent (or why not)."""

    name = "cookie"
    title = "Cookie"

    @property
    def changed(self) -> bool:
        return self.report is not None and self.snapshot.cookie.kind != "none"

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "SESSION_COOKIE_NAME": settings.SESSION_COOKIE_NAME,
            "SESSION_COOKIE_AGE": settings.SESSION_COOKIE_AGE,
            "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
            "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
            "SESSION_COOKIE_SAMESITE": settings.SESSION_COOKIE_SAMESITE,
        }
