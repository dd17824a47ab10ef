"""A project's own session engine, which the inspector cannot read (tests/test_host.py)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore


class SessionStore(DatabaseStore):
    pass
