"""`make bench-host`: what the inspector's middleware costs a project where it is hidden.

In a project (``SESSION_INSPECTOR`` unset, DEBUG off) the middleware must be Django's
SessionMiddleware at no measurable cost. In one process, against a temporary SQLite database,
the same project view (one session write, so a SELECT and an UPDATE) is requested through
Django's SessionMiddleware and through the inspector's, in interleaved rounds; the table gives
each stack's median time per request, and the inspector shown (DEBUG on) for comparison.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

ROUNDS = 30
PER_ROUND = 200
OURS = "inspector.middleware.InspectorSessionMiddleware"
DJANGOS = "django.contrib.sessions.middleware.SessionMiddleware"


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-host-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DJANGO_SECRET_KEY="bench-host-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        DJANGO_SESSION_FILE_PATH=str(workdir / "sessions"),
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DJANGO_DEBUG", None)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)
    middleware = [
        "django.middleware.security.SecurityMiddleware",
        DJANGOS,
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "django_htmx.middleware.HtmxMiddleware",
    ]
    stacks = {
        "Django's SessionMiddleware": (middleware, False),
        "inspector's, hidden (DEBUG off)": (
            [OURS if m == DJANGOS else m for m in middleware],
            False,
        ),
        "inspector's, shown (DEBUG on)": ([OURS if m == DJANGOS else m for m in middleware], True),
    }
    clients: dict[str, Client] = {}
    timings: dict[str, list[float]] = {name: [] for name in stacks}
    common = {
        "ROOT_URLCONF": "bench.host_urls",
        "SESSION_INSPECTOR": {},
        "INTERNAL_IPS": ["127.0.0.1"],
        "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        "ALLOWED_HOSTS": ["testserver"],
    }
    for round_number in range(ROUNDS + 1):
        for name, (stack, debug) in stacks.items():
            with override_settings(MIDDLEWARE=stack, DEBUG=debug, **common):
                client = clients.setdefault(name, Client())
                started = time.perf_counter()
                for _ in range(PER_ROUND):
                    response = client.get("/write/")
                elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            if round_number:  # the first round warms up
                timings[name].append(elapsed / PER_ROUND * 1e6)
    assert settings.SESSION_ENGINE.endswith(".db")
    base = statistics.median(timings["Django's SessionMiddleware"])
    print(f"One session write per request, {ROUNDS} x {PER_ROUND} requests each, in process:")
    print(f"{'middleware':34} {'median µs/request':>18} {'vs Django':>10}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:34} {median:18.1f} {median / base:9.3f}x")
    spread = statistics.quantiles(timings["Django's SessionMiddleware"], n=4)
    print(f"(Django's own, rounds' quartiles: {spread[0]:.1f}-{spread[2]:.1f} µs: the noise.)")


if __name__ == "__main__":
    main()
