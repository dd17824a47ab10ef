"""gunicorn's settings for `make run`, the class's server (`--workers` comes from the
Makefile's WORKERS: two per core).

Sync workers, one request at a time each: the kernel hands every new connection to whichever
process is free. Measured with `make bench` at one click per student a second, this beat
threaded workers that keep connections alive (gthread): a kept-alive connection stays with
the process that accepted it, busy or not, and a process's threads queue for Python's one
lock. A sync worker answers with ``Connection: close``, so no connection is left open to be
closed under a browser while a student reads.
"""

worker_class = "sync"
