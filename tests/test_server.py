"""The class's server (`make run`: gunicorn with config/worker.py) under what browsers do."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from inspector import baseline, own_cookies
from tests.conftest import LiveApp, start_app, stop_app
from tests.http_client import Student

#: Long enough for any answer on this machine; far shorter than gunicorn's 30 s timeout, which
#: a worker waiting on a quiet connection would sit out.
ANSWER_WITHIN = 10
#: More than the test server's two workers, so a worker waiting on one would show.
QUIET = 6


def address(app: LiveApp) -> tuple[str, int]:
    url = urlsplit(app.url)
    return url.hostname or "127.0.0.1", url.port or 80


def ask(connection: socket.socket) -> bytes:
    """GET / on ``connection``, and everything the server sent until it closed."""
    connection.settimeout(ANSWER_WITHIN)
    connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


@contextmanager
def quiet_connections(app: LiveApp, count: int) -> Iterator[list[socket.socket]]:
    """Connections opened ahead and not used yet, as a browser opens them."""
    opened = [socket.create_connection(address(app)) for _ in range(count)]
    try:
        yield opened
    finally:
        for connection in opened:
            connection.close()


def test_connections_opened_ahead_hold_up_no_request(live_app: LiveApp) -> None:
    with quiet_connections(live_app, QUIET) as quiet:
        for _ in range(3):
            with socket.create_connection(address(live_app)) as connection:
                assert ask(connection).startswith(b"HTTP/1.1 200 ")
        # Used at last, a connection opened ahead is answered, and closed after its answer.
        for connection in quiet[:2]:
            answer = ask(connection)
            assert answer.startswith(b"HTTP/1.1 200 ")
            assert b"\r\nconnection: close\r\n" in answer.lower()


def test_connections_closed_unused_are_let_go(live_app: LiveApp) -> None:
    with quiet_connections(live_app, QUIET):
        pass
    with socket.create_connection(address(live_app)) as connection:
        assert ask(connection).startswith(b"HTTP/1.1 200 ")


def test_the_benchs_yardstick_is_django_alone(tmp_path: Path) -> None:
    """`make bench` compares the inspector with a bare session write: the inspector must not
    watch that write, or the yardstick would carry its cost."""
    app = start_app(tmp_path, {"DJANGO_BENCH_BASELINE": "1"})
    try:
        student = Student()
        reply = student.post(app.url, baseline.PATH, {"key": "k", "value": "v"})
        assert (reply.status, reply.text) == (200, "saved")
        key = student.cookie("sessionid")
        assert key is not None
        assert app.session_row(key) is not None
        assert student.cookie(own_cookies.REPORT) is None
        # Everywhere else the inspector is there.
        assert "Session Inspector" in student.get(app.url + "/").text
    finally:
        stop_app(app)
