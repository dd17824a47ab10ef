"""gunicorn's settings for `make run`, the class's server (`--workers` and `--threads` come
from the Makefile's WORKERS and THREADS).

Threaded workers (gthread): a process hands a connection to one of its threads only once a
request has arrived on it, so a connection a browser opens ahead of time, or keeps between
clicks, holds no thread. A sync worker waits on such a connection until its timeout, and
with a few of them the whole class waits.

A browser keeps its connection open between clicks, and a student reads the page for a
while before the next one: a server that closes idle connections after gunicorn's default
2 seconds makes the browser reconnect for nearly every click, and a request sent just as
the server closes its connection fails. Seventy-five seconds outlasts a student's pause.
"""

worker_class = "gthread"
keepalive = 75
