"""No session cookie, however forged, makes a 5xx: on every engine, for the page and an action."""

from __future__ import annotations

import string

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inspector.engines import ENGINES
from tests.session_client import engine_cookie

pytestmark = pytest.mark.django_db

COOKIE_SAFE = "".join(c for c in string.printable if c not in ' \t\n\r\x0b\x0c;,"\\')
pieces = st.text(alphabet=COOKIE_SAFE, max_size=40)
# Shaped like Django's signed data (payload:timestamp:signature), or not at all.
cookies = st.one_of(
    pieces,
    st.builds(lambda *parts: ":".join(parts), pieces, pieces, pieces),
    st.builds(lambda a, b: f".{a}:{b}:", pieces, pieces),
    st.text(alphabet="a", min_size=250, max_size=400),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=cookies,
    engine=st.sampled_from(list(ENGINES)),
    # Actions that load the session first, and ones that save without loading it.
    action=st.sampled_from(["/session/add", "/session/clear", "/session/flush", "/logout"]),
)
@example(value="aaaaaaaaaa::bbbb", engine="signed_cookies", action="/session/add")
@example(value="::", engine="signed_cookies", action="/session/add")
@example(value="a" * 300, engine="file", action="/session/clear")
@example(
    # {"_session_expiry": "0001-01-01T00:00:00"}, with a signature that does not verify.
    value="eyJfc2Vzc2lvbl9leHBpcnkiOiIwMDAxLTAxLTAxVDAwOjAwOjAwIn0:1xVwbL:forged",
    engine="signed_cookies",
    action="/session/add",
)
def test_a_forged_session_cookie_never_makes_a_5xx(value: str, engine: str, action: str) -> None:
    client = Client()
    header = f"sessionid={value}; inspector_engine={engine_cookie(engine)}"
    assert client.get("/", HTTP_COOKIE=header).status_code < 500
    assert client.get("/?expired=1", HTTP_COOKIE=header, HTTP_HX_REQUEST="true").status_code < 500
    response = client.post(
        action,
        {"key": "k", "value": "v", "type": "text"},
        HTTP_COOKIE=header,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code < 500
