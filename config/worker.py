"""The class's gunicorn worker: gunicorn's sync worker, fed only whole requests.

A sync worker runs one request at a time and takes a connection only when it is free, so
the operating system hands every click to a process with nothing to do (measured against
gunicorn's threaded workers: README, Performance).

Plain, a sync worker reads a new connection's request itself, and waits for it until the
worker's timeout (30 s). Browsers open connections ahead of time and send nothing on them for
a while, and a slow or stalled client sends its request in pieces: either would stop a
process. This worker reads the requests of all its connections as they arrive, and hands
Django a request only once all of it is there, as a buffering proxy would. A connection opened
ahead waits on the side until its request arrives, then goes to this process when it is free.
Every answer closes its connection, as the sync worker's always do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import resource
import selectors
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

#: A connection opened ahead may wait this long for its request (nginx's keep-alive timeout).
QUIET_FOR = 75.0
#: Once its first bytes arrive, a request has this long to arrive whole; then it is dropped.
ARRIVING_FOR = 10.0
#: Sending the answer may stall this long, per write, before the connection is dropped.
STALLED = 10.0
#: The largest request taken (head and body): the page's forms send a few kilobytes.
LARGEST = 1024 * 1024
#: File descriptors kept free for the process itself (the database, files, logs).
SPARE_FDS = 64
#: After its answer, how long a connection is read for the client's own close (gunicorn waits
#: 2 s; a browser closes at once, and a client that does not must not hold the process).
LINGER = 0.05
#: After a refusal, how long what the client still sends is read and thrown away, so that the
#: refusal is not cut off by a reset.
REFUSED_LINGER = 2.0

_HEAD_END = b"\r\n\r\n"
_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*(\d+)[ \t]*\r\n", re.IGNORECASE)
#: More digits than any length this worker takes (and int() refuses over 4,300 of them).
_LENGTH_DIGITS = len(str(LARGEST))
_CHUNKED = re.compile(rb"\r\ntransfer-encoding[ \t]*:", re.IGNORECASE)
_EXPECTS_CONTINUE = re.compile(rb"\r\nexpect[ \t]*:[ \t]*100-continue[ \t]*\r\n", re.IGNORECASE)
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_OUT_OF_DESCRIPTORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


def refusal(status: str, sentence: str) -> bytes:
    body = (sentence + "\n").encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


TOO_LARGE = refusal("413 Content Too Large", "This request is larger than this server takes.")
NO_LENGTH = refusal("411 Length Required", "This server takes a request body with its length.")


@dataclass
class Framing:
    """What a request's head says about the rest of it."""

    #: The request's whole size, head and body; None while the head has not all arrived.
    size: int | None = None
    #: Sent to the client before it sends its body (it asked to wait for it; gunicorn then
    #: sends its own as well, and a client takes any number of them).
    interim: bytes = b""
    #: Sent instead of handing the request on; the connection then closes.
    refused: bytes = b""


def framing(received: bytes, searched: int = 0) -> Framing:
    """The framing of the request ``received`` starts with (``searched``: how much of it was
    already searched for the head's end, in vain)."""
    head_end = received.find(_HEAD_END, max(0, searched - len(_HEAD_END) + 1))
    if head_end < 0:
        return Framing(refused=TOO_LARGE if len(received) > LARGEST else b"")
    head = received[: head_end + 2]
    if _CHUNKED.search(head):
        return Framing(refused=NO_LENGTH)
    length = _LENGTH.search(head)
    digits = length.group(1).lstrip(b"0") if length else b""
    if len(digits) > _LENGTH_DIGITS:
        return Framing(refused=TOO_LARGE)
    size = head_end + len(_HEAD_END) + int(digits or b"0")
    if size > LARGEST:
        return Framing(refused=TOO_LARGE)
    waits = size > len(received) and _EXPECTS_CONTINUE.search(head) is not None
    return Framing(size=size, interim=_CONTINUE if waits else b"")


class Received:
    """A connection, giving back first what the worker already read from it, and waiting at
    most LINGER for the client to close once gunicorn has shut its side after the answer."""

    def __init__(self, connection: socket.socket, received: bytes) -> None:
        self._connection = connection
        self._received = received
        self._linger_until: float | None = None

    def shutdown(self, how: int) -> None:
        self._linger_until = time.monotonic() + LINGER
        self._connection.shutdown(how)

    def settimeout(self, value: float | None) -> None:
        if self._linger_until is not None:
            # What is left of LINGER, in all: 0 makes the next read end gunicorn's wait.
            left = max(0.0, self._linger_until - time.monotonic())
            value = left if value is None else min(value, left)
        self._connection.settimeout(value)

    def recv(self, size: int, *flags: int) -> bytes:
        if not self._received:
            return self._connection.recv(size, *flags)
        chunk, self._received = self._received[:size], self._received[size:]
        return chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


@dataclass
class Arriving:
    """A connection whose request has not arrived whole yet."""

    listener: socket.socket
    address: Any
    until: float
    received: bytearray = field(default_factory=bytearray)
    #: Once refused, what still arrives is read and thrown away until the client closes.
    framing: Framing = field(default_factory=Framing)


class ClassWorker(SyncWorker):
    """One request at a time, taken only when free, and only once it has arrived whole."""

    def run(self) -> None:
        if self.cfg.is_ssl or self.cfg.proxy_protocol != "off":
            # The bytes on the wire are not the request itself: terminate TLS in a proxy.
            self.log.warning("With TLS or the PROXY protocol this is gunicorn's sync worker.")
            super().run()
            return
        if self.cfg.threads > 1:
            self.log.warning("This worker runs one request at a time: --threads is ignored.")
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        room = soft - SPARE_FDS if soft != resource.RLIM_INFINITY else self.cfg.worker_connections
        self.most = max(1, min(self.cfg.worker_connections, room))
        self.arriving: dict[socket.socket, Arriving] = {}
        self.selector = selectors.DefaultSelector()
        for listener in self.sockets:
            listener.setblocking(False)
            self.selector.register(listener, selectors.EVENT_READ, "listener")
        self.selector.register(self.PIPE[0], selectors.EVENT_READ, "pipe")
        next_sweep = 0.0
        while self.alive:
            self.notify()
            # Connections first: a new one taken at the limit lets another go.
            ready = sorted(self.selector.select(1.0), key=lambda event: event[0].data != "arriving")
            for key, _ in ready:
                if key.data == "pipe":
                    os.read(self.PIPE[0], 1)
                elif key.data == "listener":
                    self.take(key.fileobj)
                elif key.fileobj in self.arriving:
                    self.receive(key.fileobj)
                if not self.alive:
                    break
            if (now := time.monotonic()) >= next_sweep:
                self.sweep(now)
                next_sweep = now + 1.0
            if not self.is_parent_alive():
                return
        self.leave()

    def take(self, listener: socket.socket) -> None:
        try:
            connection, address = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # another worker was free first
        except OSError as error:
            if error.errno not in _OUT_OF_DESCRIPTORS:
                raise
            self.log.warning("No file descriptor for a new connection: %s", error)
            if self.arriving:
                self.drop(self.oldest())
            else:
                time.sleep(0.1)  # the listener stays readable: do not spin
            return
        if len(self.arriving) >= self.most:
            self.drop(self.oldest())
        util.close_on_exec(connection)
        connection.setblocking(False)
        self.arriving[connection] = Arriving(listener, address, time.monotonic() + QUIET_FOR)
        self.selector.register(connection, selectors.EVENT_READ, "arriving")
        self.receive(connection)  # a click's request usually comes with its connection

    def receive(self, connection: socket.socket) -> bool:
        """Read what ``connection`` sent; answer it once whole. Whether it read something and
        still holds the connection."""
        arriving = self.arriving[connection]
        try:
            chunk = connection.recv(65536)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            chunk = b""
        if not chunk:
            self.drop(connection)  # closed (or reset) before a whole request, or refused
            return False
        if arriving.framing.refused:
            return True
        if not arriving.received:
            arriving.until = time.monotonic() + ARRIVING_FOR
        searched = len(arriving.received)
        arriving.received += chunk
        if arriving.framing.size is None:
            arriving.framing = framing(arriving.received, searched)
            if arriving.framing.refused:
                self.refuse(connection, arriving)
                return True
            if arriving.framing.interim:
                self.send(connection, arriving.framing.interim)
        size = arriving.framing.size
        if size is None or len(arriving.received) < size:
            return True
        self.forget(connection)
        self.notify()
        connection.setblocking(True)
        connection.settimeout(STALLED)
        received = Received(connection, bytes(arriving.received))
        self.handle(arriving.listener, received, arriving.address)  # type: ignore[arg-type]
        return False

    def refuse(self, connection: socket.socket, arriving: Arriving) -> None:
        self.send(connection, arriving.framing.refused)
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_WR)
        arriving.received = bytearray()
        arriving.until = time.monotonic() + REFUSED_LINGER

    def send(self, connection: socket.socket, data: bytes) -> None:
        """A few bytes the worker answers itself; a client that does not take them loses them."""
        with contextlib.suppress(OSError):
            connection.send(data)

    def sweep(self, now: float) -> None:
        for connection in [
            held for held, arriving in self.arriving.items() if arriving.until <= now
        ]:
            self.drop(connection)

    def leave(self) -> None:
        """Going (a reload, max-requests, a graceful stop): answer the requests that already
        arrived whole; the rest close, and a browser opens another connection."""
        for connection in list(self.arriving):
            while (held := self.arriving.get(connection)) and not held.framing.refused:
                if not self.receive(connection):
                    break
        for connection in list(self.arriving):
            self.drop(connection)

    def oldest(self) -> socket.socket:
        """The connection to let go when there are too many: the quiet one that would wait
        least longer, before any whose request has started."""
        return min(
            self.arriving,
            key=lambda held: (bool(self.arriving[held].received), self.arriving[held].until),
        )

    def forget(self, connection: socket.socket) -> None:
        del self.arriving[connection]
        self.selector.unregister(connection)

    def drop(self, connection: socket.socket) -> None:
        self.forget(connection)
        util.close(connection)
