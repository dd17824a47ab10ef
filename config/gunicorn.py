"""gunicorn's settings for `make run`, the class's server (`--workers` comes from the
Makefile's WORKERS: a process per core, plus one).

Each process runs one request at a time, and reads requests whole before Django sees them
(config/worker.py): a connection opened ahead, or a client that sends half a request, holds
up no process. Every answer closes its connection. With `make bench` at one click per student
per second, an add's p99 was 17.4 ms, and 41.5 ms with gunicorn's threaded workers in the
next run (README, Performance).
"""

worker_class = "config.worker.ClassWorker"
