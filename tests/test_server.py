"""The class's server (`make run`: gunicorn with config/worker.py) under what browsers, and
slow or broken clients, do to it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config import worker
from inspector import baseline, own_cookies
from tests.conftest import LiveApp, start_app, stop_app
from tests.http_client import Student

#: Long enough for any answer on this machine; far shorter than gunicorn's 30 s timeout, which
#: a worker waiting on one connection would sit out.
ANSWER_WITHIN = 10
#: More than the test server's two workers, so a worker waiting on one would show.
MANY = 6
GET = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def address(app: LiveApp) -> tuple[str, int]:
    url = urlsplit(app.url)
    return url.hostname or "127.0.0.1", url.port or 80


def answer(connection: socket.socket, request: bytes = GET) -> bytes:
    """Everything the server sent for ``request`` until it closed the connection."""
    connection.settimeout(ANSWER_WITHIN)
    connection.sendall(request)
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def fresh_answer(app: LiveApp) -> bytes:
    with socket.create_connection(address(app)) as connection:
        return answer(connection)


@contextmanager
def connections(app: LiveApp, count: int, sending: bytes = b"") -> Iterator[list[socket.socket]]:
    """``count`` connections that have sent ``sending`` and nothing more (yet)."""
    opened = [socket.create_connection(address(app)) for _ in range(count)]
    try:
        for connection in opened:
            connection.sendall(sending)
        yield opened
    finally:
        for connection in opened:
            connection.close()


def worker_pids(app: LiveApp) -> list[int]:
    return sorted(
        int(entry)
        for entry in os.listdir("/proc")
        if entry.isdigit() and _parent(int(entry)) == app.process.pid
    )


def worker_sockets(app: LiveApp) -> int:
    """Sockets open in the server's worker processes (their database files come and go)."""
    return sum(
        _is_socket(f"/proc/{pid}/fd/{fd}")
        for pid in worker_pids(app)
        for fd in os.listdir(f"/proc/{pid}/fd")
    )


def comes_true(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within ANSWER_WITHIN seconds (the workers run apart)."""
    deadline = time.monotonic() + ANSWER_WITHIN
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _is_socket(path: str) -> bool:
    try:
        return os.readlink(path).startswith("socket:")
    except OSError:
        return False


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_connections_opened_ahead_hold_up_no_request(live_app: LiveApp) -> None:
    with connections(live_app, MANY) as ahead:
        for _ in range(3):
            assert fresh_answer(live_app).startswith(b"HTTP/1.1 200 ")
        # Used at last, a connection opened ahead is answered, and closed after its answer.
        for connection in ahead[:2]:
            reply = answer(connection)
            assert reply.startswith(b"HTTP/1.1 200 ")
            assert b"\r\nconnection: close\r\n" in reply.lower()


def test_requests_that_stop_halfway_hold_up_no_request(live_app: LiveApp) -> None:
    post = b"POST /session/add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
    halves = [
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        post + b"\r\nkey=a",
        # A client that asked to wait for "100 Continue" gets it, then sends half its body.
        post + b"Expect: 100-continue\r\n\r\nkey=a",
    ]
    with ExitStack() as stack:
        for half in halves:
            stack.enter_context(connections(live_app, MANY, half))
        for _ in range(3):
            assert fresh_answer(live_app).startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"Content-Length: %d\r\n" % (worker.LARGEST + 1), b"413"),
        (b"Content-Length: 1%s\r\n" % (b"0" * 30), b"413"),
        (b"Content-Length: %s\r\n" % (b"1" * 5000), b"413"),
        (b"Transfer-Encoding: chunked\r\n", b"411"),
    ],
)
def test_requests_the_worker_cannot_take_whole_are_refused_at_once(
    live_app: LiveApp, head: bytes, status: bytes
) -> None:
    request = b"POST /session/add HTTP/1.1\r\nHost: 127.0.0.1\r\n" + head + b"\r\n"
    with socket.create_connection(address(live_app)) as connection:
        reply = answer(connection, request)
    assert reply == (worker.TOO_LARGE if status == b"413" else worker.NO_LENGTH)


def test_a_refusal_reaches_a_client_still_sending(live_app: LiveApp) -> None:
    """A form too large, sent whole at once as a browser sends it: the 413 is not cut off by
    a reset for the body the worker did not read."""
    body = b"x" * (2 * worker.LARGEST)
    head = b"POST /session/add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
    with socket.create_connection(address(live_app)) as connection:
        assert answer(connection, head % len(body) + body) == worker.TOO_LARGE


def test_clients_that_do_not_close_after_their_answer_hold_up_no_request(
    live_app: LiveApp,
) -> None:
    # gunicorn waits 2 s for each to close: 20 of them would hold two workers 20 s.
    with connections(live_app, 20, GET):
        for _ in range(3):
            assert fresh_answer(live_app).startswith(b"HTTP/1.1 200 ")


def test_clients_that_keep_sending_after_their_answer_hold_up_no_request(
    live_app: LiveApp,
) -> None:
    done = threading.Event()

    def keep_sending(opened: list[socket.socket]) -> None:
        while not done.wait(0.03):
            for connection in opened:
                with contextlib.suppress(OSError):
                    connection.send(b"a")

    with connections(live_app, 20, GET) as opened:
        sender = threading.Thread(target=keep_sending, args=(opened,))
        sender.start()
        try:
            for _ in range(3):
                assert fresh_answer(live_app).startswith(b"HTTP/1.1 200 ")
        finally:
            done.set()
            sender.join()


def test_a_worker_held_up_answers_every_request_that_arrived(tmp_path: Path) -> None:
    """Requests on all the connections it holds, and a new connection, arrive while the worker
    cannot run (one select() then sees them all): each is answered, and the worker lives on.
    Then a reload: a request that arrived meanwhile is answered before the worker goes."""
    app = start_app(tmp_path, {"GUNICORN_CMD_ARGS": "--worker-connections 3"}, workers=1)
    try:
        (pid,) = worker_pids(app)
        alone = worker_sockets(app)
        with connections(app, 3) as held:
            assert comes_true(lambda: worker_sockets(app) == alone + 3)
            with stopped(pid):
                for connection in held[:2]:
                    connection.sendall(GET)
                new = socket.create_connection(address(app))
                new.sendall(GET)
            with new:
                replies = [answer(connection, b"") for connection in [*held[:2], new]]
        assert all(reply.startswith(b"HTTP/1.1 200 ") for reply in replies)
        assert worker_pids(app) == [pid]
        with connections(app, 1) as (waiting,):
            assert comes_true(lambda: worker_sockets(app) == alone + 1)
            with stopped(pid):
                waiting.sendall(GET)
                os.kill(app.process.pid, signal.SIGHUP)
                assert comes_true(lambda: pending(pid, signal.SIGTERM))
            assert answer(waiting, b"").startswith(b"HTTP/1.1 200 ")
    finally:
        stop_app(app)


@contextmanager
def stopped(pid: int) -> Iterator[None]:
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def pending(pid: int, signum: int) -> bool:
    """Whether ``signum`` waits for the stopped process ``pid``."""
    status = Path(f"/proc/{pid}/status").read_text()
    masks = [
        line.split()[1] for line in status.splitlines() if line.startswith(("SigPnd", "ShdPnd"))
    ]
    return any(int(mask, 16) & (1 << (signum - 1)) for mask in masks)


def test_a_request_sent_in_pieces_is_answered(live_app: LiveApp) -> None:
    with socket.create_connection(address(live_app)) as connection:
        for piece in (GET[:5], GET[5:20]):
            connection.sendall(piece)
            assert fresh_answer(live_app).startswith(b"HTTP/1.1 200 ")
        assert answer(connection, GET[20:]).startswith(b"HTTP/1.1 200 ")


def test_connections_closed_unused_are_let_go(live_app: LiveApp) -> None:
    with connections(live_app, MANY):
        # Answered after they were opened (and accepted): the workers hold them now.
        assert fresh_answer(live_app).startswith(b"HTTP/1.1 200 ")
        held = worker_sockets(live_app)
    assert fresh_answer(live_app).startswith(b"HTTP/1.1 200 ")
    assert comes_true(lambda: worker_sockets(live_app) <= held - MANY)


def test_too_many_connections_opened_ahead_let_the_oldest_go(tmp_path: Path) -> None:
    app = start_app(tmp_path, {"GUNICORN_CMD_ARGS": "--worker-connections 2"})
    try:
        with connections(app, 3 * MANY) as ahead:
            assert fresh_answer(app).startswith(b"HTTP/1.1 200 ")
            # The newest are kept; the oldest were closed (a browser opens another).
            assert answer(ahead[-1]).startswith(b"HTTP/1.1 200 ")
            assert answer(ahead[0]) == b""
    finally:
        stop_app(app)


def test_a_client_that_waits_for_100_continue_is_answered(live_app: LiveApp) -> None:
    body = b"key=k&value=v&type=text"
    head = (
        b"POST /session/add HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    with socket.create_connection(address(live_app)) as connection:
        connection.settimeout(ANSWER_WITHIN)
        connection.sendall(head)
        # Without gunicorn's "100 Continue" the client would not send its body.
        received = b""
        while b"\r\n\r\n" not in received:
            received += connection.recv(65536)
        received += answer(connection, body)
    assert received.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert b"\r\n\r\nHTTP/1.1 403 " in received  # no CSRF cookie


# What the worker reads ahead of Django: a request is whole exactly when all of it is there.


def is_whole(received: bytes) -> bool:
    """Whether ``received`` holds a whole request: its head, and the body its length says."""
    size = worker.framing(received).size
    return size is not None and len(received) >= size


header_names = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12).filter(
    lambda name: name.lower() not in {"content-length", "expect", "transfer-encoding"}
)
header_values = st.text("abcdefghijklmnopqrstuvwxyz0123456789 ;=/", max_size=30)


@settings(deadline=None)
@given(
    headers=st.lists(st.tuples(header_names, header_values), max_size=8),
    body=st.binary(max_size=300),
    length_name=st.sampled_from(["Content-Length", "content-length", "CONTENT-LENGTH"]),
)
def test_a_request_is_whole_only_with_its_head_and_body(
    headers: list[tuple[str, str]], body: bytes, length_name: str
) -> None:
    lines = [f"{name}: {value}" for name, value in headers]
    if body:
        lines.append(f"{length_name}: {len(body)}")
    request = ("POST /x HTTP/1.1\r\n" + "".join(f"{line}\r\n" for line in lines) + "\r\n").encode()
    request += body
    assert is_whole(request)
    for cut in range(len(request)):
        assert not is_whole(request[:cut])


@settings(deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_weighed_without_error(received: bytes) -> None:
    assert is_whole(received) in (True, False)


def test_a_client_that_waits_for_100_continue_is_told_to_go_on() -> None:
    head = b"POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
    assert worker.framing(head) == worker.Framing(size=len(head) + 5, interim=worker._CONTINUE)
    assert worker.framing(head + b"hello") == worker.Framing(size=len(head) + 5)
    chunked = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert worker.framing(chunked).refused == worker.NO_LENGTH


def test_what_was_read_ahead_is_read_again_first() -> None:
    left, right = socket.socketpair()
    with left, right:
        right.sendall(b"world")
        received = worker.Received(left, b"hello ")
        assert received.recv(3) + received.recv(100) == b"hello "
        assert received.recv(100) == b"world"
        assert received.fileno() == left.fileno()


@pytest.mark.parametrize("size", [worker.LARGEST, worker.LARGEST + 1])
def test_a_head_too_large_is_refused(size: int) -> None:
    assert (worker.framing(b"x" * size).refused == worker.TOO_LARGE) is (size > worker.LARGEST)


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
