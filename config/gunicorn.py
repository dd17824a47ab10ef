"""gunicorn's settings for `make run`, the class's server (`--workers` and `--threads` come
from the Makefile's WORKERS and THREADS).

A browser keeps its connection open between clicks, and a student reads the page for a
while before the next one: a server that closes idle connections after gunicorn's default
2 seconds makes the browser reconnect for nearly every click, and a request sent just as
the server closes its connection fails. Seventy-five seconds outlasts a student's pause.
"""

keepalive = 75
# Open connections per worker process, idle ones included: 200 students with a page each
# (its polls and its actions) and the teacher's class view.
worker_connections = 1000
# No line per request: 200 open pages poll once a second.
accesslog = None
errorlog = "-"
