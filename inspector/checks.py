"""System checks: the inspector only sees sessions if its middleware stands where Django's did."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

MIDDLEWARE = "inspector.middleware.InspectorSessionMiddleware"
DJANGO_SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
#: Middleware that reads request.session, so it must come after the one that sets it.
NEEDS_SESSION = (
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
)


@register(Tags.compatibility)
def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    middleware = list(settings.MIDDLEWARE)
    if MIDDLEWARE not in middleware:
        return [
            Warning(
                f"{MIDDLEWARE} is not in MIDDLEWARE: the inspector cannot see the sessions.",
                hint=f"Put it where {DJANGO_SESSION_MIDDLEWARE} stands (it replaces it).",
                id="inspector.W001",
            )
        ]
    messages: list[CheckMessage] = []
    if DJANGO_SESSION_MIDDLEWARE in middleware:
        messages.append(
            Warning(
                f"{DJANGO_SESSION_MIDDLEWARE} is in MIDDLEWARE beside {MIDDLEWARE}: one of "
                "them replaces the other's request.session, and the session is saved twice.",
                hint=f"Remove {DJANGO_SESSION_MIDDLEWARE}: {MIDDLEWARE} is Django's own, "
                "with the engine picked per browser.",
                id="inspector.W002",
            )
        )
    position = middleware.index(MIDDLEWARE)
    for name in NEEDS_SESSION:
        if name in middleware and middleware.index(name) < position:
            messages.append(
                Warning(
                    f"{name} comes before {MIDDLEWARE} in MIDDLEWARE.",
                    hint=f"Move {MIDDLEWARE} above it: it sets request.session, and it must "
                    "finish the response after everything inside it (the panels show what "
                    "SessionMiddleware saved).",
                    id="inspector.W003",
                )
            )
    return messages
