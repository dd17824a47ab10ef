"""gunicorn's settings for `make run`, the class's server (`--workers` comes from the
Makefile's WORKERS: a process per core, plus one).

Each process runs one request at a time, and reads requests whole before Django sees them
(config/worker.py): a connection opened ahead, or a client that sends half a request, holds
up no process. Every answer closes its connection. README, Performance, has what `make bench`
measured with it and with gunicorn's threaded workers.
"""

worker_class = "config.worker.ClassWorker"
