"""The wheel in a project that is not this one.

Built from this checkout, installed with its dependencies into a fresh venv, and added to a
project fresh from ``django-admin startproject`` with nothing but the lines the README shows.
With DEBUG on, Chromium sees the inspector show what the project's own view wrote; with DEBUG
off, the inspector is not there: 404s, and Django's own SessionMiddleware.
"""

from __future__ import annotations

import http.client
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from tests.conftest import BASE_DIR, CHROMIUM, free_port, wait_for_port

SUPERUSER = {"username": "admin", "password": "host-admin-password-1", "email": "a@example.com"}
DJANGO_SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
INSPECTOR_MIDDLEWARE = "inspector.middleware.InspectorSessionMiddleware"
# The lines a host adds to its settings (the middleware's swap is a replacement in place).
SETTINGS_LINES = """
INSTALLED_APPS += ["django_htmx", "template_partials", "inspector"]
MIDDLEWARE += ["django_htmx.middleware.HtmxMiddleware"]
INTERNAL_IPS = ["127.0.0.1"]
"""
# The inspector's URLs, and two views of the host's own that use the session.
URLS_LINES = """
from django.http import HttpRequest, HttpResponse
from django.urls import include


def write(request: HttpRequest) -> HttpResponse:
    request.session["favourite"] = "blue"
    return HttpResponse("written", content_type="text/plain")


def read(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(request.session.get("colour")), content_type="text/plain")


urlpatterns += [
    path("inspector/", include("inspector.urls")),
    path("write/", write),
    path("read/", read),
]
"""
PIP = (sys.executable, "-m", "pip", "--disable-pip-version-check", "-q")
INSPECTOR_MESSAGE = re.compile(r"inspector\.[A-Z]\d{3}")


def clean_env() -> dict[str, str]:
    """This process's environment without what points into this checkout or its settings
    (pytest-django sets DJANGO_SETTINGS_MODULE=config.settings)."""
    dropped = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in dropped and not name.startswith("DJANGO_")
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(
    command: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a command; fail with its whole output if it fails."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} (in {cwd}) exited with {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def replace_once(path: Path, pattern: str, replacement: str) -> None:
    text, count = re.subn(pattern, replacement, path.read_text(), flags=re.MULTILINE)
    assert count == 1, f"{pattern!r} is in {path} {count} times, not once:\n{path.read_text()}"
    path.write_text(text)


@dataclass
class Fetched:
    status: int
    headers: list[tuple[str, str]]
    body: str

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def cookie_names(self) -> list[str]:
        return [value.split("=", 1)[0].strip() for value in self.header("Set-Cookie")]


@dataclass
class HostProject:
    """A project made by startproject in a temporary folder, in its own venv, served by
    runserver from that venv."""

    root: Path
    venv: Path
    site: Path
    env: dict[str, str]
    log_path: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    debug: bool | None = None
    log_offset: int = field(default=0)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def settings(self) -> Path:
        return self.site / "host" / "settings.py"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def python_run(self, *args: str | Path, env: dict[str, str] | None = None) -> str:
        """The venv's python, in the project's folder: stdout and stderr together."""
        result = run([self.python, *args], cwd=self.site, env=env or self.env)
        return result.stdout + result.stderr

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        return self.python_run("manage.py", *args, env=env)

    def set_debug(self, debug: bool) -> None:
        replace_once(self.settings, r"^DEBUG = .*$", f"DEBUG = {debug}")
        hosts = "[]" if debug else '["127.0.0.1"]'
        replace_once(self.settings, r"^ALLOWED_HOSTS = .*$", f"ALLOWED_HOSTS = {hosts}")

    def serve(self, debug: bool) -> HostProject:
        """runserver, with DEBUG as asked: restarted only where it is not already so."""
        if self.debug is debug and self.process is not None and self.process.poll() is None:
            return self
        self.stop()
        self.set_debug(debug)
        self.port = free_port()
        self.log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(self.python),
                    "manage.py",
                    "runserver",
                    "--noreload",
                    f"127.0.0.1:{self.port}",
                ],
                cwd=self.site,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(self.port, self.process)
        except RuntimeError as error:
            self.stop()
            pytest.fail(
                f"the host's runserver (DEBUG={debug}) did not start: {error}\n{self.log()}"
            )
        self.debug = debug
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        self.debug = None

    def log(self) -> str:
        """What this runserver wrote (requests, tracebacks), for failure messages."""
        if not self.log_path.exists():
            return "(runserver wrote nothing)"
        text = self.log_path.read_bytes()[self.log_offset :].decode(errors="replace")
        return "runserver's output:\n" + text[-6000:]

    def fetch(self, path: str) -> Fetched:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return Fetched(
                response.status, response.getheaders(), response.read().decode(errors="replace")
            )
        finally:
            connection.close()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProject]:
    """Wheel, venv, startproject, the README's lines, migrate, a superuser: once."""
    root = tmp_path_factory.mktemp("host-project")
    env = clean_env()
    wheels = root / "wheels"
    run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, BASE_DIR],
        cwd=root,
        env=env,
    )
    built = sorted(wheels.glob("django_session_inspector-*.whl"))
    assert len(built) == 1, f"expected one django_session_inspector wheel in {wheels}: {built}"

    venv = root / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=root, env=env)
    # No --no-deps: pip resolves Django, django-htmx and django-template-partials from the
    # wheel's own metadata.
    run(
        [venv / "bin" / "python", *PIP[1:], "install", built[0]],
        cwd=root,
        env=env,
    )

    site = root / "site"
    site.mkdir()
    django_admin = venv / "bin" / "django-admin"
    assert django_admin.exists(), f"Django's django-admin is not in the new venv: {django_admin}"
    run([django_admin, "startproject", "host", site], cwd=root, env=env)
    project = HostProject(root=root, venv=venv, site=site, env=env, log_path=root / "runserver.log")

    replace_once(project.settings, re.escape(DJANGO_SESSION_MIDDLEWARE), INSPECTOR_MIDDLEWARE)
    project.settings.write_text(project.settings.read_text() + SETTINGS_LINES)
    urls = site / "host" / "urls.py"
    urls.write_text(urls.read_text() + URLS_LINES)

    project.manage("migrate", "--noinput", "-v0")
    project.manage(
        "createsuperuser",
        "--noinput",
        env={
            **env,
            "DJANGO_SUPERUSER_USERNAME": SUPERUSER["username"],
            "DJANGO_SUPERUSER_PASSWORD": SUPERUSER["password"],
            "DJANGO_SUPERUSER_EMAIL": SUPERUSER["email"],
        },
    )
    yield project
    project.stop()


@pytest.fixture
def debug_on(host: HostProject) -> HostProject:
    return host.serve(debug=True)


@pytest.fixture
def debug_off(host: HostProject) -> HostProject:
    return host.serve(debug=False)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Asked for before conftest's browser, which would skip: here a missing Chromium fails."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def host_page(chromium: Path, debug_on: HostProject, page: Page) -> Page:
    page.set_default_timeout(10_000)
    return page


def test_wheel_installs_into_a_fresh_venv(host: HostProject) -> None:
    out = host.python_run(
        "-c",
        "import django, inspector; print(inspector.__file__); print(django.__file__)",
    )
    inspector_file, django_file = (Path(line).resolve() for line in out.split())
    venv = host.venv.resolve()
    assert inspector_file.is_relative_to(venv), f"inspector imported from {inspector_file}"
    assert django_file.is_relative_to(venv), f"Django imported from {django_file}"
    assert not inspector_file.is_relative_to(BASE_DIR.resolve())
    package = inspector_file.parent
    for name in (
        "templates/inspector/page.html",
        "templates/inspector/panels/session.html",
        "templates/inspector/panels/happened.html",
        "static/inspector/inspector.css",
        "static/inspector/inspector.js",
    ):
        assert (package / name).is_file(), f"{name} is not in the installed package {package}"
    # The wheel's dependencies are all there, at versions its metadata accepts.
    host.python_run("-m", "pip", "check", "--disable-pip-version-check")
    # The inspector's migration made no user in a host: only the superuser is there.
    with sqlite3.connect(host.site / "db.sqlite3") as connection:
        users = connection.execute("SELECT username FROM auth_user").fetchall()
    assert users == [(SUPERUSER["username"],)]


def test_check_is_quiet_with_debug_on(debug_on: HostProject) -> None:
    out = debug_on.manage("check")
    assert not INSPECTOR_MESSAGE.search(out), out


@pytest.mark.browser
def test_inspector_shows_what_the_hosts_view_wrote(host_page: Page, debug_on: HostProject) -> None:
    page = host_page
    failed: list[str] = []
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    errors: list[str] = []
    page.on("console", lambda message: errors.extend(error(message)))

    answer = page.goto(debug_on.url + "/write/")
    assert answer is not None
    assert answer.status == 200, debug_on.log()
    assert page.locator("body").inner_text() == "written"
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert "sessionid" in cookies
    assert cookies["inspector_last_action"]["httpOnly"]

    page.goto(debug_on.url + "/inspector/")
    panel = page.locator("#session-panel")
    expect(panel.locator("#session-heading")).to_contain_text("Your session")
    expect(panel.locator('#keys tr[data-key="favourite"] pre.value')).to_have_text("'blue'")
    expect(page.locator("#happened-panel")).to_contain_text(
        "A view outside the inspector, host.urls.write, answered GET /write/ with 200."
    )
    # The project's own engine, no switch.
    expect(page.locator("#engine-path")).to_have_text("django.contrib.sessions.backends.db")
    assert page.locator("#engine-select").count() == 0
    # Its CSS, its JavaScript and htmx were served from the installed packages.
    assert not failed, f"requests that failed: {failed}\n{debug_on.log()}"
    assert not errors, f"console errors: {errors}"


def error(message: ConsoleMessage) -> list[str]:
    """A console error, with where it came from; none for the /favicon.ico that Chromium asks
    for beside a plain-text page (the host has none)."""
    where = message.location.get("url", "")
    if message.type != "error" or where.endswith("/favicon.ico"):
        return []
    return [f"{message.text} ({where})"]


@pytest.mark.browser
def test_add_form_writes_the_hosts_session(host_page: Page, debug_on: HostProject) -> None:
    page = host_page
    page.goto(debug_on.url + "/inspector/")
    page.evaluate("window.notReloaded = true")
    form = page.locator("#add-form")
    form.get_by_label("Key", exact=True).fill("colour")
    form.get_by_label("Value", exact=True).fill("red")
    form.get_by_label("Type", exact=True).select_option("text")
    with page.expect_response(lambda response: "/inspector/session/add" in response.url) as added:
        form.get_by_role("button", name="Add", exact=True).click()
    response: Response = added.value
    assert response.status == 200, debug_on.log()
    assert response.request.headers.get("hx-request") == "true"
    expect(page.locator('#keys tr[data-key="colour"] pre.value')).to_have_text("'red'")
    expect(page.locator("#happened")).to_contain_text("request.session['colour'] = 'red'")
    assert page.evaluate("window.notReloaded") is True, "the Add form reloaded the page"

    answer = page.goto(debug_on.url + "/read/")
    assert answer is not None
    assert answer.status == 200, debug_on.log()
    assert page.locator("body").inner_text() == "red"


@pytest.mark.browser
def test_admin_login_shows_in_the_inspector(host_page: Page, debug_on: HostProject) -> None:
    page = host_page
    page.goto(debug_on.url + "/admin/login/?next=/admin/")
    page.locator("#id_username").fill(SUPERUSER["username"])
    page.locator("#id_password").fill(SUPERUSER["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(debug_on.url + "/admin/")

    page.goto(debug_on.url + "/inspector/")
    expect(page.locator('#keys tr[data-key="_auth_user_id"]')).to_be_visible()
    expect(page.locator('#keys tr[data-key="_auth_user_id"] pre.value')).to_have_text("'1'")


def test_debug_off_hides_the_inspector(debug_off: HostProject) -> None:
    for path in ("/inspector/", "/inspector/session/add", "/inspector/class/"):
        answer = debug_off.fetch(path)
        assert answer.status == 404, f"GET {path}: {answer.status}\n{debug_off.log()}"
        assert not answer.header("Content-Security-Policy"), f"GET {path}: {answer.headers}"

    answer = debug_off.fetch("/write/")
    assert answer.status == 200, f"GET /write/: {answer.status}\n{debug_off.log()}"
    assert answer.body == "written"
    assert "sessionid" in answer.cookie_names, answer.headers
    # Django's SessionMiddleware and nothing more: no policy, no cookie of the inspector's.
    assert not answer.header("Content-Security-Policy"), answer.headers
    assert not [name for name in answer.cookie_names if name.startswith("inspector_")], (
        answer.headers
    )


def test_check_warns_with_debug_off(debug_off: HostProject) -> None:
    out = debug_off.manage("check")
    assert "inspector.W004" in out, out
