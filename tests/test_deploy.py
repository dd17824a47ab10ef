"""The class's server as `make run` runs it: deploy checks, static files, settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import BASE_DIR, TEST_SECRET_KEY, start_app, stop_app

LAN = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": TEST_SECRET_KEY,
    "DJANGO_ALLOWED_HOSTS": "classroom.local",
}


def deploy_warnings(**env: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=BASE_DIR,
        env={**os.environ, **LAN, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return set(re.findall(r"\((security\.W\d+)\)", result.stdout + result.stderr))


def test_plain_http_leaves_only_the_https_warnings() -> None:
    assert deploy_warnings() == {
        "security.W004",  # HSTS: only meaningful over HTTPS
        "security.W008",  # SSL redirect: there is no HTTPS to redirect to
        "security.W010",  # Secure session cookie: a browser would not send it over HTTP
        "security.W016",  # Secure CSRF cookie: likewise
    }


def test_https_mode_passes_every_deploy_check() -> None:
    assert deploy_warnings(DJANGO_HTTPS="1") == set()


def test_serve_sends_compressed_cache_busted_static_files(tmp_path: Path) -> None:
    static_root = tmp_path / "static"
    env = {
        **os.environ,
        **LAN,
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_COLLECTED_STATIC": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    app = start_app(tmp_path, {"DJANGO_COLLECTED_STATIC": "1"})
    try:
        html = urllib.request.urlopen(app.url + "/").read().decode()
        css = re.search(r'href="(/static/inspector/inspector\.[0-9a-f]{12}\.css)"', html)
        assert css, "the stylesheet is not cache-busted"
        request = urllib.request.Request(
            app.url + css.group(1), headers={"Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert "immutable" in response.headers["Cache-Control"]
        assert re.search(r'src="/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js"', html)
    finally:
        stop_app(app)


def test_unknown_hosts_are_refused(live_app) -> None:
    request = urllib.request.Request(live_app.url + "/", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 400


def test_lan_hosts_add_to_the_teachers_own(tmp_path: Path) -> None:
    """Following the README's LAN example must not lock the teacher's 127.0.0.1 out."""
    app = start_app(tmp_path, {"DJANGO_ALLOWED_HOSTS": "192.168.1.20"})
    try:
        for host in ("127.0.0.1", "localhost", "192.168.1.20"):
            request = urllib.request.Request(app.url + "/", headers={"Host": host})
            with urllib.request.urlopen(request) as response:
                assert response.status == 200, host
        request = urllib.request.Request(app.url + "/", headers={"Host": "evil.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 400
    finally:
        stop_app(app)
