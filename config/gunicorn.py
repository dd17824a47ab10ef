"""gunicorn's settings for `make run`, the class's server (`--workers` and `--threads` come
from the Makefile's WORKERS and THREADS).

Threaded workers (gthread): a thread waits at most 5 seconds for a new connection's first
bytes, then parks it, and a connection kept between clicks holds no thread until a request
arrives on it. A sync worker waits on a connection that sends nothing until its 30-second
timeout, and browsers open such connections ahead of time: a few of them would stop the class.

A browser keeps its connection open between clicks, and a student reads the page for a
while before the next one: a server that closes idle connections after gunicorn's default
2 seconds makes the browser reconnect for nearly every click, and a request sent just as
the server closes its connection fails. Seventy-five seconds outlasts a student's pause.
"""

worker_class = "gthread"
keepalive = 75
