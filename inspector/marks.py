"""The last action's marks on the session table, carried across a request that is not an action.

Signed, so a URL cannot draw marks of its own; anything that does not verify is no marks.
"""

from __future__ import annotations

from typing import Any

from django.core import signing

_SALT = "inspector.marks"
KINDS = frozenset({"added", "changed", "removed", "unsaved"})


def dumps(changes: dict[str, str]) -> str:
    return signing.dumps(changes, salt=_SALT, compress=True)


def loads(token: str) -> dict[str, str]:
    try:
        value: Any = signing.loads(token, salt=_SALT, max_age=3600)
    except (signing.BadSignature, ValueError, TypeError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(key): kind for key, kind in value.items() if kind in KINDS}
