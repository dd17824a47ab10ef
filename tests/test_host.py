"""The inspector installed in a project (tests.host_urls): shown only where the show callback
says, Django's own SessionMiddleware elsewhere, the classroom features off, checks that say
what is missing. tests/test_host_project.py does the same from a built wheel in a new project."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoDbStore
from django.core.checks import run_checks
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from inspector import conf
from tests.html import text_by_id
from tests.session_client import COOKIE, HTMX, engine_cookie

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
OURS = "inspector.middleware.InspectorSessionMiddleware"
DJANGOS = "django.contrib.sessions.middleware.SessionMiddleware"
HOST_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    OURS,
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
PLAIN_MIDDLEWARE = [DJANGOS if name == OURS else name for name in HOST_MIDDLEWARE]
INSTALLED = [*settings.INSTALLED_APPS, "django.contrib.messages"]


def host(debug: bool = True, **options: Any) -> override_settings:
    """A project as startproject makes it, with the inspector's lines and no SESSION_INSPECTOR
    (or ``options`` in it)."""
    return override_settings(
        ROOT_URLCONF="tests.host_urls",
        MIDDLEWARE=HOST_MIDDLEWARE,
        INSTALLED_APPS=INSTALLED,
        DEBUG=debug,
        INTERNAL_IPS=["127.0.0.1"],
        SESSION_INSPECTOR=options,
        SESSION_ENGINE="django.contrib.sessions.backends.db",
        LOGIN_URL="/accounts/login/",  # Django's defaults: the project's own login
        LOGIN_REDIRECT_URL="/accounts/profile/",
    )


def inspector_urls() -> list[str]:
    """Every URL the inspector has, under the project's prefix."""
    (resolver,) = [
        entry
        for entry in get_resolver("tests.host_urls").url_patterns
        if isinstance(entry, URLResolver)
    ]
    out = []
    for pattern in resolver.url_patterns:
        assert isinstance(pattern, URLPattern)
        out.append("/inspector/" + str(pattern.pattern))
    return out


def ids() -> set[str]:
    return {message.id for message in run_checks() if message.id.startswith("inspector.")}


# Shown only where the callback says


@pytest.mark.parametrize(
    ("debug", "address"), [(False, "127.0.0.1"), (True, "10.0.0.7"), (False, "10.0.0.7")]
)
def test_where_it_is_not_shown_every_inspector_url_is_a_404(debug: bool, address: str) -> None:
    with host(debug=debug):
        client = Client(REMOTE_ADDR=address)
        urls = inspector_urls()
        assert len(urls) > 30
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"key": "a", "value": "1"}).status_code == 404, url
        assert not any(name.startswith("inspector_") for name in client.cookies)


def test_the_default_shows_with_debug_on_to_internal_ips() -> None:
    with host():
        response = Client().get("/inspector/")
        assert response.status_code == 200
        assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_callback_by_path_or_as_a_function() -> None:
    with host(debug=False, SHOW_CALLBACK="inspector.conf.show_to_everyone"):
        assert Client(REMOTE_ADDR="10.0.0.7").get("/inspector/").status_code == 200
    with host(SHOW_CALLBACK=lambda request: request.GET.get("show") == "yes"):
        assert Client().get("/inspector/?show=yes").status_code == 200
        assert Client().get("/inspector/").status_code == 404


# Hidden, the middleware is Django's own


def run(middleware: list[str], cookie: str | None, path: str) -> tuple[Any, ...]:
    """What a project's request does, as the browser and the store see it."""
    from django.contrib.sessions.models import Session

    with host(debug=False), override_settings(MIDDLEWARE=middleware):
        client = Client(raise_request_exception=False)
        if cookie is not None:
            client.cookies[COOKIE] = cookie
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        morsel = response.cookies.get(COOKIE)
        rows = sorted(Session.objects.values_list("session_data", flat=True))
        Session.objects.all().delete()
        return (
            response.status_code,
            response.content,
            sorted(key for key in response.headers if key != "Content-Length"),
            None
            if morsel is None
            else (morsel.value == "", sorted(k for k, v in morsel.items() if v)),
            # A new key, a signature and a time differ from run to run; the shape may not.
            len(rows),
            [re.sub(r"'[^']*'|\"s\d+_x\d+\"", "?", query["sql"]) for query in queries],
        )


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    cookie=st.one_of(
        st.none(),
        st.text(alphabet=st.characters(codec="latin-1"), max_size=40),
        st.from_regex(r"[0-9a-z]{32}", fullmatch=True),
    ),
    path=st.sampled_from(["/write/", "/read/", "/fail/", "/inspector/", "/nowhere/"]),
)
def test_hidden_it_is_djangos_session_middleware(cookie: str | None, path: str) -> None:
    assert run(HOST_MIDDLEWARE, cookie, path) == run(PLAIN_MIDDLEWARE, cookie, path)


def test_hidden_the_session_is_djangos_own_store() -> None:
    with host(debug=False):
        client = Client()
        client.get("/write/")
        response = client.get("/read/")
        assert type(response.wsgi_request.session) is DjangoDbStore
        assert not hasattr(response.wsgi_request, "inspection")
        assert "Content-Security-Policy" not in response


# Shown, in the project's own session


def test_what_a_project_view_wrote_shows_on_the_next_inspector_page() -> None:
    with host():
        client = Client()
        response = client.get("/write/")
        assert response.content == b"written"
        assert "Content-Security-Policy" not in response  # the project's page keeps its headers
        page = client.get("/inspector/").content.decode()
        happened = text_by_id(page, "happened-panel") or ""
        assert (
            "A view outside the inspector, tests.host_urls.write, answered GET /write/ with 200."
            in happened
        )
        assert "favourite" in (text_by_id(page, "session-panel") or "")
        # Shown once: the report is the last thing that happened, not a banner.
        again = client.get("/inspector/").content.decode()
        assert "A view outside the inspector" not in (text_by_id(again, "happened-panel") or "")


def test_a_project_view_that_changes_nothing_leaves_no_report() -> None:
    with host():
        client = Client()
        client.get("/read/")
        assert "inspector_last_action" not in client.cookies


def test_the_projects_login_shows_in_the_session() -> None:
    with host():
        client = Client()
        client.get("/sign-in/")
        page = client.get("/inspector/").content.decode()
        session = text_by_id(page, "session-panel") or ""
        assert "_auth_user_id" in session
        assert "Logged in: user id" in (text_by_id(page, "lab-panel") or "")


def test_the_inspectors_forms_write_the_projects_session() -> None:
    with host():
        client = Client()
        client.get("/write/")
        key = client.cookies[COOKIE].value
        client.post("/inspector/session/add", {"key": "colour", "value": "red", "type": "text"})
        assert client.cookies[COOKIE].value == key
        assert client.get("/read/").content == b"red"


def test_a_failing_project_view_is_left_to_django() -> None:
    with host():
        client = Client(raise_request_exception=False)
        client.get("/write/")
        response = client.get("/fail/")
        assert response.status_code == 500
        assert "inspector_last_action" not in response.cookies  # nothing saved, nothing said


def test_every_url_on_the_page_is_under_the_projects_prefix() -> None:
    with host(**dict.fromkeys(conf.FEATURES, True)):
        client = Client()
        client.get("/write/")
        page = client.get("/inspector/").content.decode()
    urls = re.findall(r'(?:action|hx-get|hx-post|href|src)="([^"#?]*)', page)
    assert urls
    local = [url for url in urls if url.startswith("/")]
    assert local
    assert all(url.startswith(("/inspector/", "/static/")) for url in local), local


# The classroom features are this repository's site's


def test_the_classroom_features_are_off_in_a_project() -> None:
    with host():
        client = Client()
        client.cookies["inspector_engine"] = engine_cookie("cache")
        page = client.get("/inspector/").content.decode()
        assert 'id="engine-select"' not in page
        assert "django.contrib.sessions.backends.db" in (text_by_id(page, "engine-path") or "")
        assert 'id="lessons-panel"' not in page
        assert "Log in as demo user" not in page
        for url in ("/inspector/engine", "/inspector/class/", "/inspector/lessons/set/"):
            assert client.get(url).status_code == 404, url
        assert client.post("/inspector/login").status_code == 404
        # The engine cookie of the switch is not read: the session is the project's.
        client.post("/inspector/session/add", {"key": "a", "value": "1", "type": "text"})
        from django.contrib.sessions.models import Session

        assert Session.objects.filter(session_key=client.cookies[COOKIE].value).exists()


def test_each_feature_turns_on_by_itself() -> None:
    with host(LESSONS=True):
        client = Client()
        assert 'id="lessons-panel"' in client.get("/inspector/").content.decode()
        assert client.get("/inspector/lessons/set/", **HTMX).status_code == 200
        assert client.get("/inspector/class/").status_code == 404
    with host(ENGINE_SWITCH=True, CLASS_VIEW=True):
        client = Client()
        assert 'id="engine-select"' in client.get("/inspector/").content.decode()
        assert client.get("/inspector/class/").status_code == 302  # to the login: staff only
        assert 'id="lessons-panel"' not in client.get("/inspector/").content.decode()


def test_no_demo_user_is_made_in_a_project() -> None:
    module = __import__("inspector.migrations.0001_demo_user", fromlist=["create_demo_user"])
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    user_model.objects.filter(username="demo").delete()
    editor = SimpleNamespace(connection=connection)  # all the migration asks of its editor
    with host():
        module.create_demo_user(apps, editor)
    assert not user_model.objects.filter(username="demo").exists()
    with host(DEMO_USER=True):
        module.create_demo_user(apps, editor)
    assert user_model.objects.filter(username="demo").exists()


# A project SESSION_ENGINE the inspector cannot read


def test_an_engine_it_cannot_read_leaves_it_hidden_and_says_so() -> None:
    engine = "tests.custom_engine"
    with host(), override_settings(SESSION_ENGINE=engine):
        assert "inspector.W005" in ids()
        client = Client()
        assert client.get("/inspector/").status_code == 404
        assert client.get("/write/").status_code == 200


# System checks


def test_a_project_with_the_lines_passes_the_checks() -> None:
    with host():
        assert ids() == set()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"INSTALLED_APPS": [a for a in INSTALLED if a != "django_htmx"]}, {"inspector.E001"}),
        (
            {"INSTALLED_APPS": [a for a in INSTALLED if a != "template_partials"]},
            {"inspector.E001"},
        ),
        (
            {"MIDDLEWARE": [m for m in HOST_MIDDLEWARE if "htmx" not in m]},
            {"inspector.E002"},
        ),
        ({"MIDDLEWARE": PLAIN_MIDDLEWARE}, {"inspector.W001"}),
        ({"SESSION_INSPECTOR": ["SHOW_CALLBACK"]}, {"inspector.E003"}),
        ({"SESSION_INSPECTOR": {"SHOW_CALBACK": "x.y"}}, {"inspector.E004"}),
        ({"SESSION_INSPECTOR": {"SHOW_CALLBACK": "no.such.function"}}, {"inspector.E005"}),
        ({"SESSION_INSPECTOR": {"SHOW_CALLBACK": 7}}, {"inspector.E005"}),
        ({"DEBUG": False}, {"inspector.W004"}),
        ({"INTERNAL_IPS": []}, {"inspector.W006"}),
        ({"SESSION_INSPECTOR": {"LESSONS": "no"}}, {"inspector.E006"}),
        (
            {"SESSION_SERIALIZER": "django.contrib.sessions.serializers.PickleSerializer"},
            {"inspector.W007"},
        ),
    ],
)
def test_the_checks_say_what_is_missing(change: dict[str, Any], expected: set[str]) -> None:
    with host(), override_settings(**change):
        assert ids() == expected
        messages = [m for m in run_checks() if m.id in expected]
        assert all(m.msg and m.hint for m in messages)


def test_debug_off_with_a_callback_is_no_warning() -> None:
    with host(debug=False, SHOW_CALLBACK="inspector.conf.show_to_everyone"):
        assert ids() == set()


# The wheel


def test_the_wheel_depends_on_the_runtime_only_as_the_site_pins_it() -> None:
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    assert project["name"] == "django-session-inspector"
    runtime = {
        line.split(">", 1)[0].split("[", 1)[0].strip().lower(): line.strip()
        for line in (BASE_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for requirement in project["dependencies"]:
        name = requirement.split(">", 1)[0].strip().lower()
        assert runtime.get(name) == requirement, name
    names = {r.split(">", 1)[0].strip().lower() for r in project["dependencies"]}
    assert names == {"django", "django-htmx", "django-template-partials"}


def test_the_app_imports_only_what_the_wheel_declares() -> None:
    """redis and the rest are this site's: a project without them must still start."""
    import ast
    import sys

    allowed = {"django", "django_htmx", "template_partials", "inspector", "__future__"}
    found: dict[str, set[str]] = {}
    for module in (BASE_DIR / "inspector").rglob("*.py"):
        tree = ast.parse(module.read_text())
        # Module level only: an import inside a function runs only where it is used.
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".", 1)[0]
                if top not in allowed and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(str(module.relative_to(BASE_DIR)))
    assert found == {}


def test_this_sites_login_is_the_inspectors_own_page() -> None:
    """On this repository's site the class view's login is part of the inspector: its policy,
    and no "view outside the inspector" report after logging in."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("teacher", password="a-long-password-123")
    client = Client()
    assert "script-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]
    response = client.post(
        "/accounts/login/", {"username": "teacher", "password": "a-long-password-123"}
    )
    assert response.status_code == 302
    assert "inspector_last_action" not in response.cookies


def test_a_failing_callback_hides_it_and_the_project_still_answers() -> None:
    # request.user does not exist yet where the callback runs: the toolbar's usual one fails.
    with host(SHOW_CALLBACK=lambda request: request.user.is_staff):
        client = Client()
        assert client.get("/inspector/").status_code == 404
        assert client.get("/write/").status_code == 200


def test_the_file_engine_with_djangos_default_path() -> None:
    from inspector.engines import ENGINES

    def forget() -> None:
        # Django's file backend keeps the path it first found on its class.
        engine = ENGINES["file"]
        for store in (engine.plain_store_class, engine.session_store_class):
            if "_storage_path" in vars(store):
                delattr(store, "_storage_path")

    # SESSION_FILE_PATH None is Django's default: the temporary folder.
    forget()
    try:
        with (
            host(),
            override_settings(
                SESSION_ENGINE="django.contrib.sessions.backends.file", SESSION_FILE_PATH=None
            ),
        ):
            client = Client()
            assert client.get("/write/").status_code == 200
            page = client.get("/inspector/")
            assert page.status_code == 200
            assert "favourite" in (text_by_id(page.content.decode(), "session-panel") or "")
            client.post("/inspector/session/flush")
    finally:
        forget()


def test_resetsessions_refuses_in_a_project() -> None:
    from django.contrib.sessions.models import Session
    from django.core.management import CommandError, call_command

    with host():
        Client().get("/write/")
        with pytest.raises(CommandError, match="nothing was deleted"):
            call_command("resetsessions")
    assert Session.objects.count() == 1


def test_saving_every_request_is_not_news() -> None:
    with host(), override_settings(SESSION_SAVE_EVERY_REQUEST=True):
        client = Client()
        client.get("/write/")
        client.get("/inspector/")  # takes the report
        response = client.get("/read/")  # saved again, changed nothing
        assert COOKIE in response.cookies
        assert "inspector_last_action" not in response.cookies
