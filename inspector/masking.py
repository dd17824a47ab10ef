"""Session keys on screen: masked, so nobody in the room can copy one into their own cookie.

A session key is a bearer token: whoever sends it *is* that session. The page
shows every key as its first and last four characters; only the header's key
can be revealed, to the browser that asks.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import salted_hmac

SHOWN = 4
ELLIPSIS = "…"
_REVEAL_SALT = "inspector.masking.reveal"


def mask(value: str) -> str:
    """``ij1t…2ncm``: enough to tell keys apart, too little to use one."""
    if len(value) <= 2 * SHOWN:
        return ELLIPSIS
    return f"{value[:SHOWN]}{ELLIPSIS}{value[-SHOWN:]}"


@functools.cache
def _key_pattern() -> re.Pattern[str]:
    """Anything shaped like a key Django makes (32 of [a-z0-9]), even inside a cache key
    or a file name: other browsers' keys can turn up there (clear_expired on files)."""
    chars = f"[{re.escape(VALID_KEY_CHARS)}]"
    # Where Django glues a key to a word: its cache keys, and the file backend's file names.
    glued = ["cache", "cached_db", settings.SESSION_COOKIE_NAME]
    before = "|".join([f"(?<!{chars})", *(f"(?<={re.escape(word)})" for word in glued)])
    return re.compile(rf"(?:{before}){chars}{{32}}(?!{chars})")


@dataclass(frozen=True)
class Masker:
    """Masks the given keys (the browser's own, a signed cookie's whole value) in any text,
    and anything shaped like a Django session key."""

    secrets: tuple[str, ...] = ()
    #: Templates get the masker itself, to pass to the ``masked`` filter.
    do_not_call_in_templates: ClassVar[bool] = True

    @classmethod
    def of(cls, values: Iterable[str | None]) -> Masker:
        # Longest first, so a key inside a longer secret is not half-replaced.
        found = {value for value in values if value and len(value) > 2 * SHOWN}
        return cls(tuple(sorted(found, key=len, reverse=True)))

    def __call__(self, text: object) -> str:
        return _key_pattern().sub(lambda match: mask(match.group()), self.known(text))

    def known(self, text: object) -> str:
        """Only the given keys masked: for text that also holds the user's own values (the
        Python that ran), where a 32-character word may be data, not a key."""
        result = str(text)
        for secret in self.secrets:
            if secret in result:
                result = result.replace(secret, mask(secret))
        return result


_RUN = re.compile(f"[{re.escape(VALID_KEY_CHARS)}]{{32,}}")


def mask_runs(text: str) -> str:
    """Every run of 32 or more key characters masked, wherever it stands: for the class view,
    where a key glued into a longer word (``"0" + key``) must not reach the projector either.
    Hashes of that shape (``_auth_user_hash``) are masked too."""
    return _RUN.sub(lambda match: mask(match.group()), text)


def reveal_token(session_key: str) -> str:
    """What the reveal cookie holds: bound to one key, so a new key starts masked again."""
    return salted_hmac(_REVEAL_SALT, session_key, secret=settings.SECRET_KEY).hexdigest()[:32]
