"""The last action's marks on the session table, carried across a request that is not an action.

Opening an Edit row (or cancelling it) draws the session panel again without the action's
report: the marks ride along in the link, signed so a URL cannot draw marks of its own, and
bound to the stored record they were made against, so an old link marks nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core import signing

_SALT = "inspector.marks"
KINDS = frozenset({"added", "changed", "removed", "unsaved"})


@dataclass
class Marks:
    #: Key -> "added", "changed", "removed" or "unsaved".
    changes: dict[str, str] = field(default_factory=dict)
    #: The removed keys' rows: (key, value as Python prints it, type name).
    removed: list[tuple[str, str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changes)


def _digest(stored: str | None) -> str:
    return hashlib.sha256((stored or "").encode()).hexdigest()[:16]


def dumps(marks: Marks, stored: str | None) -> str:
    """``stored``: the record as stored now (its raw text), what the marks describe."""
    payload = {"c": marks.changes, "r": marks.removed, "s": _digest(stored)}
    return signing.dumps(payload, salt=_SALT, compress=True)


def loads(token: str, stored: str | None) -> Marks:
    """The marks in ``token``, or none when it does not verify or the record has moved on."""
    try:
        value: Any = signing.loads(token, salt=_SALT, max_age=12 * 3600)
    except (signing.BadSignature, ValueError, TypeError, OverflowError, RecursionError):
        # Only this server signs marks, but a token is a URL anyone can keep and resend:
        # OverflowError, a signed time past any float; RecursionError, JSON nested too deep.
        return Marks()
    if not isinstance(value, dict) or value.get("s") != _digest(stored):
        return Marks()
    changes = value.get("c")
    removed = value.get("r")
    if not isinstance(changes, dict) or not isinstance(removed, list):
        return Marks()
    return Marks(
        {
            str(key): kind
            for key, kind in changes.items()
            if isinstance(kind, str) and kind in KINDS
        },
        [tuple(map(str, row)) for row in removed if isinstance(row, list) and len(row) == 3],
    )
