"""The class's gunicorn worker: gunicorn's sync worker, fed only whole requests.

A sync worker runs one request at a time and takes a connection only when it is free, so
the operating system hands every click to a process with nothing to do; with threads, the
requests inside one process take turns on Python's one lock (measured: README, Performance).

Plain, a sync worker reads a new connection's request itself, and waits for it until the
worker's timeout (30 s). Browsers open connections ahead of time and send nothing on them for
a while, and a slow or stalled client sends its request in pieces: either would stop a
process. This worker reads every request whole, for all its connections at once, before it
hands one to Django, as a buffering proxy would. A connection opened ahead waits on the side
until its request arrives, then goes to this process when it is free. Every answer closes its
connection, as the sync worker's always do.
"""

from __future__ import annotations

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
#: What is read ahead of Django at most; anything larger is left to gunicorn to read (or
#: refuse): the page's forms send a few kilobytes.
READ_AHEAD = 1024 * 1024
#: File descriptors kept free for the process itself (the database, files, logs).
SPARE_FDS = 64

_HEAD_END = b"\r\n\r\n"
_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r\n", re.IGNORECASE)
# A client that waits for "100 Continue" sends its body only once gunicorn has answered that.
_HANDS_OVER_EARLY = re.compile(
    rb"\r\n(?:expect[ \t]*:[ \t]*100-continue|transfer-encoding[ \t]*:)", re.IGNORECASE
)
_OUT_OF_DESCRIPTORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


def is_whole(received: bytes) -> bool:
    """Whether ``received`` holds a whole request (head, and the body its length says), or
    as much as this worker reads ahead."""
    head_end = received.find(_HEAD_END)
    if head_end < 0:
        return len(received) >= READ_AHEAD
    head = received[: head_end + 2]
    if _HANDS_OVER_EARLY.search(head):
        return True
    length = _LENGTH.search(head)
    body = int(length.group(1)) if length else 0
    return len(received) >= min(head_end + len(_HEAD_END) + body, READ_AHEAD)


class Received:
    """A connection, giving back first what the worker already read from it."""

    def __init__(self, connection: socket.socket, received: bytes) -> None:
        self._connection = connection
        self._received = received

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


class ClassWorker(SyncWorker):
    """One request at a time, taken only when free, and only once it has arrived whole."""

    def run(self) -> None:
        if self.cfg.is_ssl:
            # The bytes on the wire are TLS records, not a request: terminate TLS in a proxy.
            self.log.warning("With gunicorn's own TLS this worker is gunicorn's sync worker.")
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
            for key, _ in self.selector.select(1.0):
                if key.data == "pipe":
                    os.read(self.PIPE[0], 1)
                elif key.data == "listener":
                    self.take(key.fileobj)
                else:
                    self.receive(key.fileobj)
                if not self.alive:
                    break
            if (now := time.monotonic()) >= next_sweep:
                self.sweep(now)
                next_sweep = now + 1.0
            if not self.is_parent_alive():
                return

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

    def receive(self, connection: socket.socket) -> None:
        arriving = self.arriving[connection]
        try:
            chunk = connection.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.drop(connection)  # closed (or reset) before a whole request
            return
        if not arriving.received:
            arriving.until = time.monotonic() + ARRIVING_FOR
        arriving.received += chunk
        if is_whole(arriving.received):
            self.forget(connection)
            self.notify()
            connection.setblocking(True)
            connection.settimeout(STALLED)
            received = Received(connection, bytes(arriving.received))
            self.handle(arriving.listener, received, arriving.address)  # type: ignore[arg-type]

    def sweep(self, now: float) -> None:
        for connection in [
            held for held, arriving in self.arriving.items() if arriving.until <= now
        ]:
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
