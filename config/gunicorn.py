"""gunicorn's settings for `make run`, the class's server (`--workers` comes from the
Makefile's WORKERS: a process per core, plus one).

Each process serves one request at a time (config/worker.py), so a click goes to a process
that is free, and never waits behind another inside a busy one: measured with `make bench`,
the slowest clicks came back about twice as fast as with gunicorn's threaded workers. Every
answer closes its connection, and the browser opens a new one for its next click: a
connection is never closed under a request a browser has just sent on it.
"""

worker_class = "config.worker.ClassWorker"
