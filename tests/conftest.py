"""Fixtures for real things: a real app server over HTTP, a real database, a real browser."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_SECRET_KEY = "session-inspector-tests-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"


def require(condition: bool, reason: str) -> None:
    """Skip where a service is missing, but never in CI: there it must be present."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"app server did not listen on {port} within {timeout} s")


@dataclass
class LiveApp:
    """The app served by gunicorn in its own process, as in a classroom."""

    url: str
    env: dict[str, str]
    sqlite_path: Path | None
    process: subprocess.Popen[bytes]
    log_path: Path
    extra: dict[str, str] = field(default_factory=dict)

    def session_row(self, session_key: str) -> tuple[str, str, str] | None:
        """The django_session row, read with sqlite3 directly, not through Django."""
        assert self.sqlite_path is not None
        with sqlite3.connect(self.sqlite_path) as connection:
            return connection.execute(
                "SELECT session_key, session_data, expire_date FROM django_session "
                "WHERE session_key = ?",
                (session_key,),
            ).fetchone()

    def session_count(self) -> int:
        assert self.sqlite_path is not None
        with sqlite3.connect(self.sqlite_path) as connection:
            return connection.execute("SELECT count(*) FROM django_session").fetchone()[0]


def start_app(workdir: Path, extra_env: dict[str, str] | None = None, workers: int = 2) -> LiveApp:
    workdir.mkdir(parents=True, exist_ok=True)
    sqlite_path = workdir / "db.sqlite3"
    # Each server gets exactly the stores a test asks for: REDIS_URL only when given.
    inherited = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    env = {
        **inherited,
        "DATABASE_URL": f"sqlite:///{sqlite_path}",
        "DJANGO_SECRET_KEY": TEST_SECRET_KEY,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_SESSION_FILE_PATH": str(workdir / "sessions"),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    uses_sqlite = env["DATABASE_URL"].startswith("sqlite")
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True)
    port = free_port()
    log_path = workdir / f"gunicorn-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--config",
            "config/gunicorn.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, process)
    return LiveApp(
        url=f"http://127.0.0.1:{port}",
        env=env,
        sqlite_path=sqlite_path if uses_sqlite else None,
        process=process,
        log_path=log_path,
    )


def stop_app(app: LiveApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.process.kill()


@pytest.fixture(scope="session", autouse=True)
def session_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """In-process tests keep their session files in a temporary folder, not the checkout."""
    from django.conf import settings

    path = tmp_path_factory.mktemp("session-files")
    settings.SESSION_FILE_PATH = str(path)
    return path


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    app = start_app(tmp_path_factory.mktemp("live-app"))
    yield app
    stop_app(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()
