"""Which open pages are out of date, for a poll that costs one cache read and no rendering.

The middleware sees every write Django makes to a session store (the recorder in
``inspector.operations``). After a request that wrote, it gives a new version to the class
and to each session key involved. A student's page is drawn with a token made of its
cookie and that session's version; the class view with the class version. An open page
asks every second with its token: when nothing changed the answer is an empty 204.

Versions live in the inspector's own cache alias ("inspector"), never in the session being
inspected, and shared by every server process: a table of their own in the database (a
cache culls entries once it holds too many, and versions must not push sessions out), or
their own key prefix in Redis.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, BaseCache, caches
from django.utils.crypto import constant_time_compare, salted_hmac

from inspector import cache_keys, conf

logger = logging.getLogger(__name__)

#: The cache alias for the inspector's own state; the default cache where it is not set.
CACHE_ALIAS = "inspector"
CLASS_VERSION = "inspector:live:class"
#: Bumped when every session changes at once (Start fresh, `make reset`).
EPOCH = "inspector:live:epoch"
_SESSION = "inspector:live:session:"
_DELETED = "inspector:deleted:"
_SIGNED = "inspector:signed-browser:"
#: How long a browser counts as "on signed cookies" after its last save there.
SIGNED_WINDOW = 600


def cache() -> BaseCache:
    return caches[CACHE_ALIAS if CACHE_ALIAS in settings.CACHES else DEFAULT_CACHE_ALIAS]


def digest(value: str, purpose: str = "inspector.live") -> str:
    """A short name for ``value`` (a session key, a cookie) that cannot be turned back."""
    return salted_hmac(purpose, value).hexdigest()[:20]


def _get_many(names: list[str]) -> dict[str, Any] | None:
    """The values, or None when the cache cannot answer (a poll then draws nothing)."""
    try:
        return cache().get_many(names)
    except Exception:  # any failure of the cache: the page stays usable
        logger.warning("The inspector's cache did not answer a poll.", exc_info=True)
        return None


def _bump(names: list[str]) -> None:
    # A new value that no page can have been drawn with, rather than a count: incr() is a
    # read then a write on the database cache, and two processes bumping at once would both
    # write the same count.
    if not names:
        return
    value = f"{time.time_ns():x}{secrets.token_hex(4)}"
    try:
        cache().set_many(dict.fromkeys(names, value), settings.SESSION_COOKIE_AGE)
    except Exception:
        logger.warning("The inspector's cache did not take a change.", exc_info=True)


def session_changed(*session_keys: str | None) -> None:
    """The stored records of ``session_keys`` changed (or went): their pages, and the class's."""
    # Only the class view reads the class's version.
    names = [CLASS_VERSION] if conf.enabled("CLASS_VIEW") else []
    _bump(names + [_SESSION + digest(key) for key in session_keys if key])


def everything_changed() -> None:
    _bump([CLASS_VERSION, EPOCH])


# A student's page.


def page_token(cookie: str | None, ends: dt.datetime | None = None) -> str | None:
    """What a page drawn for a browser that holds ``cookie`` was drawn from, and when that
    session ends (``ends``, the page's countdown); None when the cache cannot say."""
    name = _SESSION + digest(cookie) if cookie else ""
    values = _get_many([EPOCH, name] if name else [EPOCH])
    if values is None:
        return None
    end = _seconds(ends)
    return f"{digest(cookie or '-')}.{values.get(name, 0)}.{values.get(EPOCH, 0)}.{end}"


#: What a poll found, for the page to say: nothing changed (or the cache cannot say: a
#: poll then draws nothing), this session changed, the teacher started fresh, it ended.
UNCHANGED, CHANGED, STARTED_FRESH, ENDED = "unchanged", "changed", "started fresh", "ended"


def page_change(token: str, cookie: str | None) -> str:
    """What changed since a page was drawn with ``token`` for a browser now holding ``cookie``."""
    current = page_token(cookie, None)
    if current is None or not token:
        # The cache cannot say (now, or when the page was drawn): redraw nothing every second.
        return UNCHANGED
    if constant_time_compare(token, current + _end(token)):
        return UNCHANGED
    if ended_by_expiry(token):
        return ENDED
    drawn, now = token.split("."), current.split(".")
    if len(drawn) == 4 and drawn[:2] == now[:2] and drawn[2] != now[2]:
        return STARTED_FRESH
    return CHANGED


def ended_by_expiry(token: str) -> bool:
    """Whether the session a page showed has reached its end: then the browser dropped the
    cookie by its Max-Age, and the page says so as its countdown would."""
    end = _end(token)
    return bool(end) and time.time() >= int(end)


def _end(token: str) -> str:
    """The end a page token names (seconds), or "" for none or nonsense."""
    parts = token.split(".")
    end = parts[3] if len(parts) == 4 else ""
    return end if end.isascii() and end.isdigit() and len(end) <= 12 else ""


def _seconds(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    try:
        return str(max(0, int(moment.timestamp())))
    except (OverflowError, ValueError, OSError):
        return ""


# The class view.


def class_version() -> str | None:
    values = _get_many([CLASS_VERSION, EPOCH])
    if values is None:
        return None
    return f"{values.get(CLASS_VERSION, 0)}-{values.get(EPOCH, 0)}"


def class_token(version: str, until: float, cookie: str | None) -> str:
    """The class table's poll token: the version it shows, when a row it shows changes state
    by itself (an expiry), and a signature tied to the teacher's session cookie, so checking
    it needs neither the session nor the user."""
    body = f"{version}.{int(until)}"
    signature = digest(body + "." + (cookie or ""), "inspector.class-poll")
    return f"{body}.{signature}"


def class_unchanged(token: str, cookie: str | None) -> bool:
    """Whether the table drawn with ``token`` is still what the stores hold. A token that was
    not made for this browser's cookie never is: the view then checks who asks."""
    version, _, rest = token.partition(".")
    until, _, _ = rest.partition(".")
    if not (until.isascii() and until.isdigit()) or len(until) > 12:
        return False
    if not constant_time_compare(token, class_token(version, int(until), cookie)):
        return False
    if time.time() >= int(until):
        return False
    current = class_version()
    return current is not None and constant_time_compare(version, current)


# What the pages say about changes made elsewhere.


def mark_deleted_by_teacher(session_key: str) -> None:
    try:
        cache().set(
            _DELETED + digest(session_key),
            dt.datetime.now(dt.UTC).isoformat(),
            settings.SESSION_COOKIE_AGE,
        )
    except Exception:
        logger.warning("The inspector's cache did not keep a deletion.", exc_info=True)
    session_changed(session_key)


def deleted_by_teacher(session_key: str | None) -> dt.datetime | None:
    """When the class view deleted the session of ``session_key``, if it did."""
    if not session_key:
        return None
    try:
        value = cache().get(_DELETED + digest(session_key))
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except Exception:
        return None


def saw_signed_cookie_browser(csrf_cookie: str | None) -> None:
    """A browser saved a signed-cookie session: count it for the class view for a while. The
    browser is told apart by its CSRF cookie; nothing of its session is kept."""
    if not csrf_cookie:
        return
    try:
        cache().set(_SIGNED + digest(csrf_cookie, "inspector.signed-browser"), 1, SIGNED_WINDOW)
    except Exception:
        logger.warning("The inspector's cache did not count a browser.", exc_info=True)


def signed_cookie_browsers() -> int | None:
    """Browsers that saved a signed-cookie session in the last ``SIGNED_WINDOW`` seconds;
    None where the cache cannot list its keys."""
    names = cache_keys.suffixes(cache(), _SIGNED)
    return None if names is None else len(names)
