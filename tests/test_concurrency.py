"""Two tabs on one session writing at once over HTTP: last writer wins, nothing breaks."""

from __future__ import annotations

import threading

from inspector.decoding import DB_SALT, decode
from tests.conftest import TEST_SECRET_KEY, LiveApp
from tests.http_client import Student


def test_two_tabs_writing_at_once_lose_keys_but_never_fail_or_corrupt(live_app: LiveApp) -> None:
    from django.test import override_settings

    browser = Student()
    browser.post(live_app.url, "/session/add", {"key": "start", "value": "1", "type": "text"})
    replies = []
    barrier = threading.Barrier(2)

    def tab(name: str) -> None:
        barrier.wait()
        for number in range(15):
            data = {"key": f"{name}{number}", "value": "x", "type": "text"}
            replies.append(browser.post(live_app.url, "/session/add", data, htmx=True))

    threads = [threading.Thread(target=tab, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {reply.status for reply in replies} == {200}
    row = live_app.session_row(browser.cookie("sessionid"))
    with override_settings(SECRET_KEY=TEST_SECRET_KEY):
        decoded = decode(row[1], DB_SALT)
    assert decoded.verified
    assert decoded.data["start"] == "1"
    # Whatever survived is whole: every key is one a tab wrote, with its value.
    assert set(decoded.data) <= {"start"} | {f"{n}{i}" for n in "ab" for i in range(15)}
    page = browser.get(live_app.url + "/").text
    assert "last save wins" in page
