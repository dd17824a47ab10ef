"""The inspector's Content-Security-Policy: on its own pages only, never on a project's."""

from __future__ import annotations

from django.http import HttpResponse

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def add_policy(response: HttpResponse) -> HttpResponse:
    """Keys and values are escaped everywhere; the policy is a second wall should an escape
    ever be missed: no inline script can run."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response
