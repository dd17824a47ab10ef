"""Lessons: the tutorials' programs run for real in the browser's session, never a 5xx."""

from __future__ import annotations

import random
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from inspector import tutorial
from inspector.lesson_plan import LESSONS
from tests.session_client import HTMX, all_rows, engine_cookie, stored

pytestmark = pytest.mark.django_db

ENGINES = ["db", "cached_db", "cache", "file", "signed_cookies"]


def visitor(engine: str = "db") -> Client:
    client = Client()
    client.cookies["inspector_engine"] = engine_cookie(engine)
    client.get("/")
    return client


def run(client: Client, path: str, method: str = "GET", **data: str) -> str:
    if method == "POST":
        token = client.cookies["csrftoken"].value
        response = client.post(path, data, HTTP_X_CSRFTOKEN=token, **HTMX)
    else:
        response = client.get(path, **HTMX)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def status(html: str) -> str:
    return re.search(r'id="lesson-status">([^<]+)<', html).group(1)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_step_of_every_lesson_runs_on_every_engine(engine: str) -> None:
    client = visitor(engine)
    for lesson in LESSONS:
        for step in lesson.steps:
            html = run(client, step.path, step.method, name="Sonam")
            assert status(html).split()[0] in {"200", "302", "500"}, step.label


def test_the_page_lists_every_lesson_with_its_code_and_buttons() -> None:
    html = Client().get("/").content.decode()
    assert '<h2 id="lessons-heading">Lessons</h2>' in html
    for lesson in LESSONS:
        assert f'id="lesson-{lesson.slug}"' in html
        for step in lesson.steps:
            assert f">{step.method} {step.path}</button>" in html
    # The code shown is the code that runs.
    assert "def read_then_delete(request: HttpRequest) -&gt; HttpResponse:" in html
    assert "request.session.get(&quot;first_name&quot;, default=&quot;Guest&quot;)" in html


def test_a_get_that_stores_nothing_sets_no_cookie() -> None:
    client = Client()
    response = client.get("/lessons/get-or-guest/", **HTMX)
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert "Hello, Guest !" in response.content.decode()
    # The correction stands by that step on the page.
    page = client.get("/").content.decode()
    assert "Django creates a session only when something is stored" in page


def test_reading_then_deleting_fails_on_the_second_visit_and_saves_nothing() -> None:
    client = visitor()
    run(client, "/lessons/set/")
    assert status(run(client, "/lessons/read-then-delete/")) == "200 OK"
    assert stored(client) == {"last_name": "Wangmo"}
    run(client, "/lessons/set/")
    assert "first_name" in stored(client)
    run(client, "/lessons/read-then-delete/")
    before = all_rows()
    html = run(client, "/lessons/read-then-delete/")
    assert status(html) == "500 Internal Server Error"
    assert "KeyError: &#x27;first_name&#x27;" in html
    assert "SessionMiddleware saves nothing on a 5xx" in html
    assert all_rows() == before
    assert "Hello, Guest Wangmo!" in run(client, "/lessons/get-or-guest/")


def test_a_view_that_fails_before_saving_loses_its_changes_as_in_django() -> None:
    """The plain Django flow, without the inspector, for comparison: a 5xx saves nothing."""
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    def view(request):
        request.session["changed"] = True
        return HttpResponse(status=500)

    request = RequestFactory().get("/")
    response = SessionMiddleware(view)(request)
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == 0


def test_a_name_from_a_form_with_its_csrf_token() -> None:
    client = visitor()
    assert "Name not found." in run(client, "/lessons/name/show/")
    assert "csrfmiddlewaretoken" in run(client, "/lessons/name/")
    html = run(client, "/lessons/name/", "POST", name="Dorji")
    assert status(html) == "302 Found"
    assert stored(client) == {"name": "Dorji"}
    assert "Your name is Dorji." in run(client, "/lessons/name/show/")
    # Without the token Django refuses the POST, and nothing is stored.
    other = Client(enforce_csrf_checks=True)
    other.get("/")
    response = other.post("/lessons/name/", {"name": "x"}, **HTMX)
    assert response.status_code == 403
    assert stored(other) is None


def test_a_password_in_the_session_is_readable_in_the_stored_record() -> None:
    client = visitor()
    html = run(client, "/lessons/create/")
    assert "hunter2" in html  # decoded in Stored record: signed, not encrypted
    assert "A password never belongs in a session" in Client().get("/").content.decode()


def test_deleting_the_keys_keeps_the_record_and_cookie_until_flush() -> None:
    client = visitor()
    run(client, "/lessons/create/")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    run(client, "/lessons/remove/")
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == key
    assert Session.objects.filter(session_key=key).exists()
    assert stored(client) == {}
    run(client, "/lessons/flush/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == ""


def test_the_test_cookie_round_trip() -> None:
    client = visitor()
    assert "Please enable cookies" in run(client, "/lessons/test-cookie/check/")
    run(client, "/lessons/test-cookie/set/")
    assert stored(client) == {"testcookie": "worked"}
    assert "Cookies work: the test value came back" in run(client, "/lessons/test-cookie/check/")
    assert stored(client) == {}


def test_dict_methods_and_setdefault() -> None:
    client = visitor()
    run(client, "/lessons/set/")
    html = run(client, "/lessons/dict/")
    assert "setdefault(&#x27;age&#x27;, &#x27;26&#x27;): &#x27;26&#x27;" in html
    assert stored(client) == {"first_name": "Sonam", "last_name": "Wangmo", "age": "26"}


def test_a_signed_cookie_too_large_for_a_browser_is_refused(settings) -> None:
    client = visitor("signed_cookies")
    token = client.cookies["csrftoken"].value
    # Characters zlib cannot squeeze: the signed cookie outgrows what a browser keeps.
    rng = random.Random(1)
    name = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(1999))
    response = client.post("/lessons/name/", {"name": name}, HTTP_X_CSRFTOKEN=token, **HTMX)
    assert response.status_code == 200
    assert "Refused: the session cookie would be" in response.content.decode()
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_the_views_are_the_tutorials_own() -> None:
    # Every view the lessons print is one the URLs run.
    shown = {view for lesson in LESSONS for view in lesson.views}
    assert shown <= {value for value in vars(tutorial).values() if callable(value)}


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(max_size=2100),
    engine=st.sampled_from(ENGINES),
    index=st.integers(min_value=0, max_value=100),
)
def test_no_step_and_no_name_makes_a_5xx(name: str, engine: str, index: int) -> None:
    steps = [step for lesson in LESSONS for step in lesson.steps]
    client = visitor(engine)
    for step in steps[index % len(steps) :][:4]:
        if step.method == "POST":
            token = client.cookies["csrftoken"].value
            response = client.post(step.path, {"name": name}, HTTP_X_CSRFTOKEN=token, **HTMX)
        else:
            response = client.get(step.path, {"name": name}, **HTMX)
        assert response.status_code < 500


def test_a_store_that_went_away_is_explained_not_taken_for_the_lesson(settings) -> None:
    from django.core.cache import caches

    client = visitor("cache")
    run(client, "/lessons/set/")
    down = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    settings.CACHES = {**settings.CACHES, "default": down}
    try:
        response = client.get("/lessons/get/", **HTMX)
    finally:
        caches["default"].close()
    html = response.content.decode()
    assert response.status_code == 200
    assert "did not answer" in html
    assert "KeyError" not in html
    assert settings.SESSION_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("engine", ENGINES)
def test_a_cookie_with_a_nul_is_no_key_and_no_5xx(engine: str) -> None:
    client = visitor(engine)
    for path in ("/", "/lessons/get-or-guest/", "/lessons/set/", "/lessons/flush/"):
        response = client.get(path, HTTP_COOKIE='sessionid="abc\\000defghijk"', **HTMX)
        assert response.status_code < 500, path


def test_a_get_step_reads_the_record_before_so_flush_shows_what_went() -> None:
    client = visitor()
    run(client, "/lessons/set/")
    html = run(client, "/lessons/flush/")
    assert "flash-removed" in html
