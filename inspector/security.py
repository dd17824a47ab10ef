"""The inspector's Content-Security-Policy: on its own pages only, never on a project's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def add_policy(response: HttpResponse) -> HttpResponse:
    """Keys and values are escaped everywhere; the policy is a second wall should an escape
    ever be missed: no inline script can run."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


def with_policy(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view outside the inspector's URLs that is part of its site (the class view's login)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return add_policy(view(request, *args, **kwargs))

    return wrapped
