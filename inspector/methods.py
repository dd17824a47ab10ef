"""The dict methods of request.session, run as a student would type them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from inspector.values import short_repr

MUTATING = frozenset({"setdefault", "pop", "update", "del"})


@dataclass
class MethodCall:
    method: str
    key: str = ""
    argument: Any = None
    has_argument: bool = False

    @property
    def expression(self) -> str:
        key = short_repr(self.key, 70)
        argument = f", {short_repr(self.argument, 70)}" if self.has_argument else ""
        return {
            "get": f"request.session.get({key}{argument})",
            "setdefault": f"request.session.setdefault({key}{argument or ', None'})",
            "pop": f"request.session.pop({key}{argument})",
            "in": f"{key} in request.session",
            "keys": "request.session.keys()",
            "values": "request.session.values()",
            "items": "request.session.items()",
            "update": f"request.session.update({short_repr(self.argument, 100)})",
            "del": f"del request.session[{key}]",
        }[self.method]

    def run(self, session: SessionBase) -> Any:
        """Call the method as a student would type it: its value, or the KeyError it raises."""
        return self._call(session)

    def _call(self, session: SessionBase) -> Any:
        args = (self.argument,) if self.has_argument else ()
        match self.method:
            case "get":
                return session.get(self.key, *args)
            case "setdefault":
                return session.setdefault(self.key, self.argument)
            case "pop":
                return session.pop(self.key, *args)
            case "in":
                return self.key in session
            case "keys":
                return session.keys()
            case "values":
                return session.values()
            case "items":
                return session.items()
            case "update":
                return session.update(self.argument)
            case "del":
                del session[self.key]
                return None
        raise ValueError(self.method)
