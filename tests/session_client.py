"""What the in-process tests share: posting to the page's forms and reading django_session."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from inspector.decoding import DB_SALT, decode

HTMX = {"HTTP_HX_REQUEST": "true"}
COOKIE = settings.SESSION_COOKIE_NAME


def add(client: Client, key: str, value: str, kind: str = "text", **extra: Any):
    return client.post("/session/add", {"key": key, "value": value, "type": kind}, **extra)


def stored(client: Client) -> dict | None:
    """The db session of the client's cookie as stored in django_session, decoded."""
    key = client.cookies[COOKIE].value if COOKIE in client.cookies else ""
    row = Session.objects.filter(session_key=key).first()
    return None if row is None else decode(row.session_data, DB_SALT).data


def all_rows() -> list[tuple[str, str]]:
    return sorted(Session.objects.values_list("session_key", "session_data"))


def engine_cookie(name: str) -> str:
    """The inspector_engine cookie as the server signs it: an unsigned one is ignored."""
    from inspector.own_cookies import ENGINE, signed_value

    return signed_value(ENGINE, name)


def masked(text: str, *keys: str) -> str:
    """``text`` as the page shows it: the given session keys (and key-shaped words) masked."""
    from inspector.masking import Masker

    return Masker.of(keys)(text)
