"""The class's gunicorn worker: gunicorn's sync worker, minus its wait on a quiet connection.

A sync worker serves one request at a time and takes a connection only when it is free, so
the operating system hands every click to a process with nothing to do: measured with 200
students, that keeps the slowest clicks several times faster than threads, which share
Python's lock inside a process and keep each connection with the process that accepted it.

Plain, a sync worker reads a new connection's request at once and waits for it until the
worker's timeout (30 s). Browsers open connections ahead of time and may send nothing on them
for a while: one such connection would stop a process. This worker waits a moment for the
first bytes, then sets the connection aside with the others it watches, and serves it when
its request arrives. Every response closes its connection, as the sync worker's always do.
"""

from __future__ import annotations

import os
import selectors
import socket
import time
from typing import NamedTuple

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

#: How long a new connection may take to start its request before it is set aside. A request
#: follows its connection within a round trip, a few milliseconds even on a busy Wi-Fi.
FIRST_BYTES = 0.1
#: A connection set aside and never used is closed after this: a browser's own keep-alive.
QUIET_FOR = 75.0
#: A request that stops arriving halfway (or a client that stops reading) frees the worker.
STALLED = 10.0


class Quiet(NamedTuple):
    listener: socket.socket
    address: object
    until: float


class ClassWorker(SyncWorker):
    """One request at a time, taken only when free; a quiet connection waits on the side."""

    def run(self) -> None:
        self.quiet: dict[socket.socket, Quiet] = {}
        self.selector = selectors.DefaultSelector()
        for listener in self.sockets:
            listener.setblocking(False)
            self.selector.register(listener, selectors.EVENT_READ, "listener")
        self.selector.register(self.PIPE[0], selectors.EVENT_READ, "pipe")
        while self.alive:
            self.notify()
            for key, _ in self.selector.select(min(self.timeout or 1.0, 1.0)):
                if key.data == "pipe":
                    os.read(self.PIPE[0], 1)
                elif key.data == "listener":
                    self.take(key.fileobj)
                else:
                    self.serve_quiet(key.fileobj)
                if not self.alive:
                    break
            self.close_quiet(time.monotonic())
            if not self.is_parent_alive():
                return

    def take(self, listener: socket.socket) -> None:
        try:
            client, address = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # another worker was free first
        util.close_on_exec(client)
        client.setblocking(True)
        client.settimeout(STALLED)
        waiting = selectors.DefaultSelector()
        waiting.register(client, selectors.EVENT_READ)
        started = waiting.select(FIRST_BYTES)
        waiting.close()
        if started:
            self.handle(listener, client, address)
            return
        if len(self.quiet) >= self.cfg.worker_connections:
            self.drop(min(self.quiet, key=lambda held: self.quiet[held].until))
        self.quiet[client] = Quiet(listener, address, time.monotonic() + QUIET_FOR)
        self.selector.register(client, selectors.EVENT_READ, "quiet")

    def serve_quiet(self, client: socket.socket) -> None:
        held = self.quiet.pop(client)
        self.selector.unregister(client)
        self.handle(held.listener, client, held.address)

    def close_quiet(self, now: float) -> None:
        for client in [held for held, quiet in self.quiet.items() if quiet.until <= now]:
            self.drop(client)

    def drop(self, client: socket.socket) -> None:
        del self.quiet[client]
        self.selector.unregister(client)
        util.close(client)
