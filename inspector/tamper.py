"""The tamper lab: why a signed value can be read but not changed.

Each change is made the way an attacker could (a cookie edited in the browser, a
byte changed by someone who can write to the store), and then an ordinary request
reads the session, so the page shows what Django itself did about it.
"""

from __future__ import annotations

import string
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.management.utils import get_random_secret_key
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from inspector import live, masking, own_cookies
from inspector.actions import invalid, respond
from inspector.decoding import DB_SALT, SIGNED_COOKIES_SALT
from inspector.engines import Engine, StoredRecord, engine_for
from inspector.page import Action
from inspector.values import short_repr

#: What a cookie value may hold (RFC 6265 cookie-octet): no space, quote, comma,
#: semicolon or backslash.
COOKIE_OCTETS = frozenset(c for c in string.printable if c not in ' \t\n\r\x0b\x0c",;\\') | {
    masking.ELLIPSIS
}
#: Browsers keep at most 4,096 bytes of name=value.
MAX_COOKIE = 4096


def new_session_age() -> int | None:
    """The Max-Age Django gives a new session's cookie: none when it ends with the browser."""
    return None if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else settings.SESSION_COOKIE_AGE


class CookieValueForm(forms.Form):
    cookie = forms.CharField(
        label="Cookie value",
        max_length=MAX_COOKIE,
        strip=True,
        error_messages={
            "required": "Type a cookie value to send (it is filled with your own).",
            "max_length": f"A browser keeps at most {MAX_COOKIE:,} bytes of a cookie: "
            "this one would be dropped. Nothing was sent.",
        },
    )

    def __init__(self, *args: Any, real: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.real = real

    def clean_cookie(self) -> str:
        value: str = self.cleaned_data["cookie"]
        if bad := sorted(set(value) - COOKIE_OCTETS):
            raise forms.ValidationError(
                f"A cookie value cannot hold {', '.join(map(repr, bad[:5]))}: browsers and "
                "Django would split or drop it. Nothing was sent."
            )
        if masking.ELLIPSIS in value:
            value = self._unmask(value)
        if len(f"{settings.SESSION_COOKIE_NAME}={value}".encode()) > MAX_COOKIE:
            raise forms.ValidationError(
                f"A browser keeps at most {MAX_COOKIE:,} bytes of a cookie: this one would be "
                "dropped. Nothing was sent."
            )
        return value

    def _unmask(self, value: str) -> str:
        """The page shows keys masked: "…" stands for the hidden middle of this browser's own
        cookie, so a student can change a visible character without revealing the key."""
        if value.count(masking.ELLIPSIS) != 1:
            raise forms.ValidationError("Use “…” at most once: it stands for your key's middle.")
        if not self.real or len(self.real) <= 2 * masking.SHOWN:
            raise forms.ValidationError(
                "“…” stands for the hidden middle of your own cookie, and this browser has none "
                "now: type a whole value."
            )
        start, end = value.split(masking.ELLIPSIS)
        return start + self.real[masking.SHOWN : -masking.SHOWN] + end


def replace_session_cookie(response: HttpResponse, value: str, max_age: int | None) -> HttpResponse:
    """Have the browser hold ``value`` as its session cookie. The middleware sets it once
    SessionMiddleware is done, which would otherwise delete it for an empty session."""
    response.inspector_session_cookie = (value, max_age)  # type: ignore[attr-defined]
    return response


def then_read(after: str) -> HttpResponseRedirect:
    """The next request, the one that carries the change to Django: it reads the session."""
    return HttpResponseRedirect(f"{reverse('inspector:tamper-read')}?after={after}", status=303)


@require_POST
def send_cookie(request: HttpRequest) -> HttpResponse:
    real = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    form = CookieValueForm(request.POST, real=real)
    if not form.is_valid():
        return invalid(
            request, "Nothing was sent: see the message by Cookie value.", tamper_form=form
        )
    response = replace_session_cookie(
        then_read("cookie"), form.cleaned_data["cookie"], new_session_age()
    )
    remember_own_cookie(request, response, real, form.cleaned_data["cookie"])
    return response


#: Restore is for the lesson at hand: the key it keeps is gone from the browser soon after.
RESTORE_WINDOW = 600


def remember_own_cookie(
    request: HttpRequest, response: HttpResponse, real: str | None, sent: str
) -> None:
    """Keep this browser's own cookie for Restore: the first one replaced, not a later
    tampered one, and never past its session's end (nor the restore window)."""
    if not real or real == sent or own_cookies.read(request, own_cookies.UNTAMPERED):
        return
    record = engine_for(request).read(real)
    end = session_end(record) if record is not None and len(real) < 3000 else None
    if end is None:
        return  # nothing Django would load to go back to, or too big to keep beside it
    at_close, left = end
    own_cookies.write(
        response,
        own_cookies.UNTAMPERED,
        real,
        min(left, RESTORE_WINDOW),
        until_browser_closes=at_close,
    )


def session_end(record: StoredRecord) -> tuple[bool, int] | None:
    """Whether the session in ``record`` ends with the browser, and the seconds it has left
    (as Django's get_expire_at_browser_close() and expiry say); None when it has ended or
    Django would not load it."""
    data = record.session_data
    if data is None:
        return None
    expiry = data.get("_session_expiry")
    at_close = settings.SESSION_EXPIRE_AT_BROWSER_CLOSE if expiry is None else expiry == 0
    ends = [end for end in (record.cookie_expires, record.expire_date) if end]
    left = (
        int((min(ends) - timezone.now()).total_seconds()) if ends else settings.SESSION_COOKIE_AGE
    )
    return (at_close, left) if left > 0 else None


@require_POST
def restore_cookie(request: HttpRequest) -> HttpResponse:
    original = own_cookies.read(request, own_cookies.UNTAMPERED)
    record = engine_for(request).read(original) if original else None
    end = session_end(record) if record is not None else None
    if original is None or end is None:
        response = invalid(
            request, "There is no session of yours to put back (it has ended): nothing was changed."
        )
        own_cookies.forget(response, own_cookies.UNTAMPERED)
        return response
    at_close, left = end
    # Back with the life it had: a browser-close session ends with the browser again.
    response = replace_session_cookie(then_read("restore"), original, None if at_close else left)
    own_cookies.forget(response, own_cookies.UNTAMPERED)
    return response


@require_POST
def change_record(request: HttpRequest) -> HttpResponse:
    engine = engine_for(request)
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not engine.signs_record:
        return invalid(request, no_signed_record(engine))
    if not key or not engine.tamper_record(key):
        return invalid(
            request, "There is no stored record under your key to change: add a key first."
        )
    # Written past Django, where the middleware does not see it: tell the open pages.
    live.session_changed(key)
    return then_read("record")


@require_safe
def read_session(request: HttpRequest) -> HttpResponse:
    """An ordinary view that reads the session: Django loads whatever the cookie names."""
    keys = list(request.session.keys())
    after = request.GET.get("after", "")
    python = "list(request.session.keys())  # any view that reads the session"
    message = " ".join(
        part
        for part in (
            BEFORE.get(after, ""),
            what_loading_did(request, keys),
            untouched(request) if after == "cookie" else "",
        )
        if part
    )
    return respond(request, Action(python=python, message=message, result=short_repr(keys, 400)))


BEFORE = {
    "cookie": "Your browser now holds the cookie value you typed, and sent it with this request.",
    "restore": "Your browser holds its own cookie again, and sent it with this request.",
    "record": 'The inspector (not Django) changed "is_admin" in the stored payload and kept '
    "the old signature, as anyone who can write to the store could. Then this request read it.",
}


def what_loading_did(request: HttpRequest, keys: list[str]) -> str:
    """Why Django loaded what it did, and what SessionMiddleware then does, from the session's
    own state after the load and what the store was seen doing."""
    session = request.session
    sent = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if sent is None:
        return "There was no session cookie: an empty session, and no cookie to delete."
    # SessionBase._validate_session_key: a key shorter than 8 characters is no key at all.
    if len(sent) < 8:
        cause = (
            "Django drops a session key shorter than 8 characters before loading anything: "
            "an empty session, and nothing was read."
        )
    else:
        cause = loaded_text(request, keys)
    return f"{cause} {after_the_view(session, engine_for(request))}"


def loaded_text(request: HttpRequest, keys: list[str]) -> str:
    engine = engine_for(request)
    session = request.session
    recorder = request.inspection.recorder  # type: ignore[attr-defined]
    count = f"{len(keys)} key{'s' if len(keys) != 1 else ''}"
    if not engine.stores_on_server:
        if session.modified:
            # Only a failed signing.loads() makes signed_cookies' load() call create().
            return (
                "signing.loads() raised (a bad signature, or older than SESSION_COOKIE_AGE); "
                "the signed_cookies engine's load() catches it without logging anything, calls "
                "create() and returns an empty session."
            )
        return f"Django loaded {count}: the cookie's signature verifies."
    if any("Session data corrupted" in line for line in recorder.logged):
        return (
            "The record is there, but its signature does not verify: Django logged "
            "“Session data corrupted” (logger django.security.SuspiciousSession) and loaded "
            "an empty session."
        )
    if session.session_key not in (None, request.COOKIES.get(settings.SESSION_COOKIE_NAME)):
        # The file engine's load() deletes an expired file and calls create() itself.
        return (
            "The record had expired: load() deleted it and called create(), which saved an "
            "empty session under a new key."
        )
    if session.session_key is None:
        return (
            "No record lives under that key (or it expired): Django loaded an empty session "
            "and dropped the key. Changing or guessing a key gets nobody into a session."
        )
    read_row = any(op.kind == "sql" and op.within == "load" for op in recorder.operations)
    if engine.name == "cache" or (engine.name == "cached_db" and not read_row):
        return (
            f"Django loaded {count} from the cache entry, which is not signed: there was no "
            "signature to check."
        )
    if engine.name == "cached_db":
        return (
            f"Django loaded {count} from the row (the cache had lost it), whose signature "
            "verifies, and put them back in the cache."
        )
    return f"Django loaded {count}: the record's signature verifies."


def after_the_view(session: SessionBase, engine: Engine) -> str:
    """What SessionMiddleware does with the session this view leaves (see process_response)."""
    if session.is_empty():
        return (
            "With no key and no data the session is empty, so SessionMiddleware deletes the "
            "cookie; the next write starts a session under a new key."
        )
    if session.modified and not engine.stores_on_server:
        return (
            "create() only marks the session modified, so SessionMiddleware saves it: the "
            "browser gets a freshly signed cookie holding an empty session."
        )
    if session.modified:
        return (
            "create() left the session modified, so SessionMiddleware saves it again and "
            "sends the new key's cookie."
        )
    if not engine.stores_on_server:
        return "The session is not modified, so Django sends no cookie: the browser keeps it."
    return (
        "The session keeps its key and is not modified, so Django saves nothing and the "
        "cookie stays; the next write replaces the record under the same key."
    )


def untouched(request: HttpRequest) -> str:
    original = own_cookies.read(request, own_cookies.UNTAMPERED)
    if not original:
        return ""
    engine = engine_for(request)
    if not engine.stores_on_server:
        return (
            "Your own cookie is unchanged and still verifies, wherever a copy of it is kept: "
            "Restore my cookie puts it back."
        )
    record = engine.read(original)
    if record is None:
        return ""
    return (
        f"Your own session ({masking.mask(original)}) is untouched: its record is still stored. "
        "Restore my cookie puts it back."
    )


def no_signed_record(engine: Engine) -> str:
    if engine.stores_on_server:
        return (
            "The cache engine stores the session dict itself, pickled, with no signature: "
            "whoever can write to the cache can change it, and Django would never notice. "
            "Nothing was changed."
        )
    return (
        "With signed cookies the record is the cookie: change a payload character in "
        "Cookie value and send it. Nothing was changed."
    )


#: What a new SECRET_KEY does to a login on every engine (django.contrib.auth.get_user).
LOGINS = (
    "A login made with the old key: get_user() checks _auth_user_hash, an HMAC keyed by "
    "SECRET_KEY; it accepts one made with a key in SECRET_KEY_FALLBACKS (then calls "
    "cycle_key() and stores a new hash) and otherwise calls flush(), logging the user out."
)


@require_POST
def new_secret_key(request: HttpRequest) -> HttpResponse:
    """Check this browser's record against a freshly made SECRET_KEY, with and without the old
    one as a fallback: computed here, no setting changes."""
    engine = engine_for(request)
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    record = engine.read(key) if key else None
    if record is None or (record.decoded is None and record.data is None):
        return invalid(
            request, "There is no record to check: add a key first. Nothing was changed."
        )
    if record.decoded is None:  # the cache engine: the dict itself, unsigned
        message = (
            "Nothing in a cache entry is signed, so with a new SECRET_KEY sessions load as "
            f"before. {LOGINS} No server setting was changed."
        )
        python = "# A cache entry holds the session dict itself: no signature to check."
        return respond(request, Action(python=python, message=message))
    salt = DB_SALT if engine.stores_on_server else SIGNED_COOKIES_SALT
    new = get_random_secret_key()
    alone = _verifies(record.raw, salt, new, [])
    with_fallback = _verifies(record.raw, salt, new, [settings.SECRET_KEY])
    python = (
        "new_key = get_random_secret_key()\n"
        f"signing.loads(session_data, key=new_key, salt={salt!r})\n"
        f"signing.loads(session_data, key=new_key, fallback_keys=[SECRET_KEY], salt={salt!r})"
    )
    message = secret_key_text(engine, alone, with_fallback)
    return respond(
        request, Action(python=python, message=message, result=f"{alone}\n{with_fallback}")
    )


def secret_key_text(engine: Engine, alone: str, with_fallback: str) -> str:
    computed = "Computed here with a throwaway key: no server setting was changed."
    if with_fallback != "verifies":
        return (
            f"With a new SECRET_KEY alone: {alone}; with the old key in SECRET_KEY_FALLBACKS: "
            f"{with_fallback} too, as this record does not verify with the current key either "
            f"(see Stored record). {computed}"
        )
    if engine.name == "cached_db":
        refused = (
            "Django still reads each session's cache entry first, unsigned, and loads it; "
            "once an entry is gone, the row does not verify: Django logs “Session data "
            "corrupted” and starts that session empty"
        )
    elif engine.stores_on_server:
        refused = (
            "Django would log “Session data corrupted” and start every session empty: "
            "everyone is logged out"
        )
    else:
        refused = "signed_cookies would silently start every session empty: everyone is logged out"
    return (
        f"With a new SECRET_KEY alone: {alone}, so {refused}. With the old key in "
        "SECRET_KEY_FALLBACKS: it verifies, so sessions survive the change, and each is "
        f"signed with the new key at its next save. {LOGINS} {computed}"
    )


def _verifies(value: str, salt: str, key: str, fallbacks: list[str]) -> str:
    try:
        # No max_age: the question is the signature, not the age.
        signing.loads(value, key=key, fallback_keys=fallbacks, salt=salt)
    except signing.BadSignature:
        return "BadSignature"
    except Exception as error:  # a payload that verifies but does not decode
        return type(error).__name__
    return "verifies"
