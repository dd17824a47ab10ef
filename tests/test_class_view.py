"""The class view: staff only, every store listed, keyset pages, live polls, its actions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends import cache as cache_engine
from django.contrib.sessions.backends import cached_db, db, file, signed_cookies
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from inspector import listing, live
from inspector.decoding import DB_SALT
from inspector.listing import SORTS, Cursor, Query
from inspector.masking import mask
from tests.session_client import HTMX, add, engine_cookie

pytestmark = pytest.mark.django_db

ENGINES = {
    "db": db,
    "cached_db": cached_db,
    "cache": cache_engine,
    "file": file,
    "signed_cookies": signed_cookies,
}


@pytest.fixture(autouse=True)
def empty_stores(session_files) -> Iterator[None]:
    """Each test starts with no session anywhere, and leaves none behind."""

    def empty() -> None:
        Session.objects.all().delete()
        for path in session_files.iterdir():
            path.unlink()
        caches["default"].clear()
        live.cache().clear()

    empty()
    yield
    empty()


@pytest.fixture
def teacher() -> Client:
    User.objects.create_user("teacher", password="pw", is_staff=True)
    client = Client()
    assert client.login(username="teacher", password="pw")
    return client


def student(engine: str = "db") -> Client:
    client = Client()
    client.cookies["inspector_engine"] = engine_cookie(engine)
    client.get("/")
    return client


def key_of(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def table_html(client: Client, query: str = "") -> str:
    response = client.get(f"/class/{query}", **HTMX)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rows(html: str) -> list[str]:
    """The masked keys of the table's rows, in order."""
    return re.findall(r'<tr id="row-[0-9a-f]+"[^>]*>\s*<td><code>([^<]+)</code>', html)


def row_name(client: Client, store: str = "django_session") -> str:
    key = key_of(client)
    return f"{store}:{key[:4].encode().hex()}:{key[-4:].encode().hex()}:{listing.ref_of(key)}"


def numbered(count: int, session_data: Callable[[int], str]) -> None:
    """``count`` rows keyed 000…0, 000…1, …, each expiring a second after the one before."""
    now = timezone.now()
    Session.objects.bulk_create(
        Session(
            session_key=f"{index:032d}",
            session_data=session_data(index),
            expire_date=now + dt.timedelta(seconds=index + 60),
        )
        for index in range(count)
    )


def poll_token(html: str) -> str:
    table = html.split('id="class-table"', 1)[1]
    return unquote(re.search(r"since=([^\"&]+)", table).group(1))


# Who may look.


def test_anyone_else_is_sent_to_djangos_login_page() -> None:
    client = Client()
    response = client.get("/class/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/class/"
    login = client.get(response["Location"]).content.decode()
    assert '<label for="id_username">Username</label>' in login
    assert '<label for="id_password">Password</label>' in login
    assert ">Log in</button>" in login
    assert "manage.py createsuperuser" in login


def test_a_user_who_is_not_staff_is_refused_and_changes_nothing() -> None:
    target = student()
    add(target, "name", "Sonam")
    User.objects.create_user("pupil", password="pw")
    client = Client()
    client.post("/accounts/login/", {"username": "pupil", "password": "pw"})
    response = client.get("/class/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "who is not staff" in client.get(response["Location"]).content.decode()
    for url in ("/class/delete", "/class/clear-expired", "/class/start-fresh"):
        response = client.post(url, {"row": row_name(target)})
        assert response.status_code == 302, url
        # After logging in comes a GET: to the class view, not to the action.
        assert response["Location"] == "/accounts/login/?next=/class/"
    assert db.SessionStore().exists(key_of(target))


def test_the_staff_login_goes_to_the_class_view() -> None:
    User.objects.create_user("teacher", password="pw", is_staff=True)
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "teacher", "password": "pw", "next": "/class/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/class/"
    assert "<h1>Class</h1>" in client.get("/class/").content.decode()


# What it lists.


def test_every_store_is_listed_with_keys_masked(teacher: Client) -> None:
    keys = {}
    for engine in ENGINES:
        client = student(engine)
        add(client, "name", f"Sonam on {engine}", **HTMX)
        keys[engine] = key_of(client)
    html = table_html(teacher)
    for engine in ("db", "cached_db", "cache", "file"):
        key = keys[engine]
        assert mask(key) in rows(html), engine
        assert key not in html, engine
        # The row as plain Django stores it.
        assert ENGINES[engine].SessionStore(key).load() == {"name": f"Sonam on {engine}"}
        assert f"Sonam on {engine}" in html
    # A signed cookie has no server record: it is counted, never listed.
    assert "Sonam on signed_cookies" not in html
    assert "1 browser saved one in the last 10 minutes" in html
    assert keys["signed_cookies"] not in html
    # The teacher's own login session is stored too (its key masked like the others).
    assert mask(key_of(teacher)) in rows(html)
    assert key_of(teacher) not in html


def test_a_cached_db_session_is_one_row_and_says_it_has_both_copies(teacher: Client) -> None:
    client = student("cached_db")
    add(client, "name", "Sonam", **HTMX)
    html = table_html(teacher)
    assert rows(html).count(mask(key_of(client))) == 1
    assert '<span class="engine">cached_db</span> <span class="dim small">row and cache' in html


def test_state_filters_and_a_refused_row(teacher: Client) -> None:
    active, expired, refused = student(), student(), student()
    for client in (active, expired, refused):
        add(client, "name", "x", **HTMX)
    Session.objects.filter(session_key=key_of(expired)).update(
        expire_date=timezone.now() - dt.timedelta(seconds=5)
    )
    data = Session.objects.get(session_key=key_of(refused)).session_data
    Session.objects.filter(session_key=key_of(refused)).update(session_data=data[:-3] + "AAA")
    shown = {
        state: rows(table_html(teacher, f"?state={state}"))
        for state in ("active", "expired", "refused")
    }
    assert mask(key_of(active)) in shown["active"]
    assert mask(key_of(expired)) == shown["expired"][0]
    assert len(shown["expired"]) == 1
    assert shown["refused"] == [mask(key_of(refused))]
    # Opened, the row shows why: fetched then, read-only.
    record = teacher.get("/class/record", {"row": row_name(refused)}, **HTMX).content.decode()
    assert "does not verify: Django would load an empty session" in record
    assert "{&#x27;name&#x27;: &#x27;x&#x27;}" in record
    page = teacher.get("/class/record", {"row": row_name(refused)}).content.decode()
    assert f"Session <code>{mask(key_of(refused))}</code> (db / cached_db)" in page
    assert key_of(refused) not in page


def test_search_by_key_name_or_value(teacher: Client) -> None:
    one, two = student(), student("file")
    add(one, "colour", "teal", **HTMX)
    add(two, "pet", "Colourful parrot", **HTMX)
    assert sorted(rows(table_html(teacher, "?q=colour"))) == sorted(
        [mask(key_of(two)), mask(key_of(one))]
    )
    assert rows(table_html(teacher, "?q=PARROT")) == [mask(key_of(two))]
    assert rows(table_html(teacher, "?q=nothing-like-it")) == []


# Pages: a keyset on (expire_date, session_key), no OFFSET, the key never in a link.


def signed_at(data: dict, seconds: int) -> str:
    class Signer(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(seconds)

    return Signer(salt=DB_SALT).sign_object(data, serializer=signing.JSONSerializer, compress=True)


row_sets = st.lists(
    st.tuples(
        st.text("abc0", min_size=32, max_size=32).map(lambda text: "k" + text[1:]),
        # Few distinct moments: many rows share an expiry, and so a page boundary.
        st.integers(min_value=0, max_value=4),
        st.integers(min_value=1_700_000_000, max_value=1_700_000_003),
    ),
    max_size=40,
    unique_by=lambda row: row[0],
)


@pytest.mark.parametrize("sort", list(SORTS))
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(row_sets, st.integers(min_value=1, max_value=7))
def test_walking_the_pages_shows_every_row_once_in_order(sort: str, rows_: list, size: int) -> None:
    Session.objects.all().delete()
    base = timezone.now() + dt.timedelta(days=1)
    Session.objects.bulk_create(
        Session(
            session_key=key,
            session_data=signed_at({"n": index}, saved),
            expire_date=base + dt.timedelta(minutes=expiry),
        )
        for index, (key, expiry, saved) in enumerate(rows_)
    )
    order = SORTS[sort]

    def position(row: tuple) -> tuple:
        key, expiry, saved = row
        stamp = signing.b62_encode(saved)
        value = (len(stamp), stamp) if order.by == "saved" else expiry
        return (value, key)

    expected = [key for key, *_ in sorted(rows_, key=position, reverse=order.descending)]
    seen: list[str] = []
    after = None
    for _ in range(len(rows_) + 2):
        page = listing.listing(
            Query(sort=order, after=after, limit=size), lambda: listing.count_table(timezone.now())
        )
        seen += [row.key for row in page.rows]
        if page.next_cursor is None:
            break
        # The link carries the cursor as text: it goes through the page and back.
        text = page.next_cursor.text()
        assert not any(key in text for key, *_ in rows_)
        after = Cursor.parse(text, order)
        assert after == page.next_cursor
    assert seen == expected


def test_the_first_page_reads_only_the_rows_it_shows(teacher: Client) -> None:
    now = timezone.now()
    Session.objects.bulk_create(
        Session(
            session_key=f"{index:032d}",
            session_data=db.SessionStore().encode({"n": index}),
            expire_date=now + dt.timedelta(seconds=index + 60),
        )
        for index in range(300)
    )
    with CaptureQueriesContext(connection) as queries:
        html = table_html(teacher)
    sql = [query["sql"] for query in queries.captured_queries]
    listed = [text for text in sql if "session_data" in text and "LIMIT" in text]
    assert listed
    assert all("OFFSET" not in text for text in listed)
    assert any("LIMIT 51" in text for text in listed)
    assert len(rows(html)) == listing.PAGE_SIZE
    assert "Next 50" in html
    # Counted once; the next draw while nothing changed reuses the count.
    counts = [text for text in sql if "COUNT(" in text.upper() and "django_session" in text]
    assert len(counts) == 2
    with CaptureQueriesContext(connection) as queries:
        table_html(teacher)
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_search_reads_the_table_a_slice_at_a_time(
    teacher: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "SCAN_BUDGET", 40)
    monkeypatch.setattr(listing, "SCAN_BATCH", 20)
    numbered(100, lambda index: db.SessionStore().encode({"n": "needle" if index == 5 else index}))
    html = table_html(teacher, "?q=needle")
    assert rows(html) == []
    assert "Search further" in html
    assert "Searched 40 stored sessions" in html
    found = []
    for _ in range(5):
        link = re.search(r'id="class-next" href="\?([^"]+)"', html)
        if link is None:
            break
        html = table_html(teacher, "?" + link.group(1).replace("&amp;", "&"))
        found += rows(html)
    assert found == [mask(f"{5:032d}")]


# Live: a poll that changes nothing costs one cache read and no rendering.


def test_a_class_poll_with_nothing_changed_is_an_empty_204(teacher: Client) -> None:
    html = table_html(teacher)
    token = poll_token(html)
    with CaptureQueriesContext(connection) as queries:
        response = teacher.get("/class/", {"since": token}, **HTMX)
    assert response.status_code == 204
    assert response.content == b""
    assert [q for q in queries.captured_queries if "inspector_cache" not in q["sql"]] == []
    # A student saves: the next poll draws the table, with the new row.
    client = student()
    add(client, "name", "Sonam", **HTMX)
    response = teacher.get("/class/", {"since": token}, **HTMX)
    assert response.status_code == 200
    assert mask(key_of(client)) in rows(response.content.decode())


def test_a_poll_token_works_only_with_the_cookie_it_was_made_for(teacher: Client) -> None:
    token = poll_token(table_html(teacher))
    stranger = Client()
    response = stranger.get("/class/", {"since": token})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # For htmx, the login page is a whole page load, not swapped into the table.
    response = stranger.get("/class/", {"since": token}, **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/")
    for forged in ("", "x", "1-0.99999999999.abc", token + "0", "1-0.1.0123456789abcdef0123"):
        assert teacher.get("/class/", {"since": forged}, **HTMX).status_code == 200


def test_a_students_page_follows_another_tab_within_a_poll() -> None:
    tab = student()
    add(tab, "name", "Sonam", **HTMX)
    page = tab.get("/", **HTMX).content.decode()
    token = unquote(re.search(r'id="live"[^>]*since=([^"&]+)', page).group(1))
    with CaptureQueriesContext(connection) as queries:
        response = tab.get("/", {"since": token}, **HTMX)
    assert response.status_code == 204
    # One read of the inspector's own cache (a table where there is no Redis), nothing else.
    assert [q for q in queries.captured_queries if "inspector_cache" not in q["sql"]] == []
    # Another tab of the same browser: the same cookie jar.
    other = Client()
    other.cookies = tab.cookies
    add(other, "cart", '["apple"]', "list", **HTMX)
    response = tab.get("/", {"since": token}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This session changed elsewhere" in html
    assert 'data-key="cart"' in html
    # The page's own action brings its own new token: its next poll is quiet.
    add(tab, "more", "1", **HTMX)
    html = tab.get("/", **HTMX).content.decode()
    token = unquote(re.search(r'id="live"[^>]*since=([^"&]+)', html).group(1))
    assert tab.get("/", {"since": token}, **HTMX).status_code == 204


# The teacher's actions.


@pytest.mark.parametrize("engine", ["db", "cached_db", "cache", "file"])
def test_deleting_a_session_starts_that_student_afresh_and_says_so(
    teacher: Client, engine: str
) -> None:
    client = student(engine)
    add(client, "name", "Sonam", **HTMX)
    key = key_of(client)
    html = table_html(teacher)
    ref = re.search(
        rf'name="row" value="([^"]+)"[^>]*aria-label="Delete session {re.escape(mask(key))}"', html
    )
    assert ref is not None
    response = teacher.post("/class/delete", {"row": ref.group(1)}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    shown_engine = "db / cached_db" if engine == "db" else engine
    assert f"Deleted the {shown_engine} session {mask(key)}" in html
    assert key not in html
    assert mask(key) not in rows(html)
    # Plain Django agrees: nothing is stored under the key.
    assert not ENGINES[engine].SessionStore().exists(key)
    if engine == "cached_db":
        assert caches["default"].get(cached_db.KEY_PREFIX + key) is None
    # The student's page says so, and their next write starts a new session.
    page = client.get("/").content.decode()
    assert f"The teacher deleted your session {mask(key)} from the class view" in page
    add(client, "name", "again", **HTMX)
    assert key_of(client) != key
    assert ENGINES[engine].SessionStore(key_of(client)).load() == {"name": "again"}
    # Deleting it again deletes nothing and says so.
    response = teacher.post("/class/delete", {"row": ref.group(1)}, **HTMX)
    assert "no longer stored: nothing was deleted" in response.content.decode()


def test_a_row_that_is_not_one_the_view_drew_deletes_nothing(teacher: Client) -> None:
    client = student()
    add(client, "name", "Sonam", **HTMX)
    key = key_of(client)
    ends = f"{key[:4].encode().hex()}:{key[-4:].encode().hex()}"
    for row in ("", "x", f"django_session:{key}", f"file:{ends}:{'0' * 20}", f"cache:{ends}:"):
        response = teacher.post("/class/delete", {"row": row}, **HTMX)
        assert response.status_code == 200
    assert db.SessionStore().exists(key)


def test_clear_expired_sessions(teacher: Client) -> None:
    gone, kept, gone_file = student(), student(), student("file")
    for client in (gone, kept, gone_file):
        add(client, "name", "x", **HTMX)
    Session.objects.filter(session_key=key_of(gone)).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    path = file.SessionStore()._key_to_file(key_of(gone_file))
    old = (timezone.now() - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 5)).timestamp()
    import os

    os.utime(path, (old, old))
    html = teacher.post("/class/clear-expired", **HTMX).content.decode()
    assert "Its DELETE removed 1 expired row from django_session" in html
    assert "1 file removed" in html
    assert "the cache engine&#x27;s clear_expired() is empty" in html
    assert not db.SessionStore().exists(key_of(gone))
    assert not file.SessionStore().exists(key_of(gone_file))
    assert db.SessionStore().exists(key_of(kept))


def test_start_fresh_empties_every_store(teacher: Client) -> None:
    clients = {engine: student(engine) for engine in ("db", "cached_db", "cache", "file")}
    for client in clients.values():
        add(client, "name", "x", **HTMX)
    html = teacher.post("/class/start-fresh", **HTMX).content.decode()
    assert "Started fresh." in html
    for engine, client in clients.items():
        assert not ENGINES[engine].SessionStore().exists(key_of(client)), engine
    # Only the teacher's own session is kept: the reset does not log the teacher out.
    assert rows(html) == [mask(key_of(teacher))]
    assert "Kept: your own session" in html


# Nothing a browser sends makes a 5xx, and a refusal changes nothing stored.

texts = st.one_of(
    st.text(max_size=150),
    st.sampled_from(["", "-expiry", "expiry", "-saved", "active", "expired", "refused"]),
    st.builds(
        lambda value, prefix, ref: f"{value}~{prefix}~{ref}",
        st.one_of(
            st.just("n"),
            st.text("es0123456789:-+T.Z", max_size=40).map(lambda text: "e" + text),
            st.text("0123456789AZaz", max_size=14).map(lambda text: "s" + text),
        ),
        st.text("abcz09", min_size=3, max_size=5),
        st.text("0123456789abcdef", min_size=19, max_size=21),
    ),
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=texts, state=texts, sort=texts, after=texts, since=texts, row=texts)
def test_any_parameters_are_answered_without_a_5xx(
    teacher: Client, q: str, state: str, sort: str, after: str, since: str, row: str
) -> None:
    client = student()
    add(client, "name", "Sonam", **HTMX)
    before = sorted(Session.objects.values_list("session_key", "session_data"))
    params = {"q": q, "state": state, "sort": sort, "after": after, "since": since}
    for extra in ({}, HTMX):
        assert teacher.get("/class/", params, **extra).status_code in (200, 204)
        assert Client().get("/class/", params, **extra).status_code in (204, 302)
        assert client.get("/", {"since": since}, **extra).status_code in (200, 204)
    assert teacher.post("/class/delete", {"row": row}, **HTMX).status_code == 200
    assert sorted(Session.objects.values_list("session_key", "session_data")) == before
    for sorting in SORTS.values():
        Cursor.parse(after, sorting)


# What a fresh-eyes review found.


def walk(sort: str, size: int = 1, **query: object) -> list[str]:
    """Every key the class view lists, page after page of ``size`` rows."""
    order, after, seen = SORTS[sort], None, []
    for _ in range(200):
        page = listing.listing(
            Query(sort=order, after=after, limit=size, **query),
            lambda: listing.count_table(timezone.now()),
        )
        seen += [row.key for row in page.rows]
        if page.next_cursor is None:
            return seen
        after = Cursor.parse(page.next_cursor.text(), order)
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("sort", list(SORTS))
def test_cache_sessions_keep_their_place_between_pages(sort: str) -> None:
    keys = []
    for index in range(6):
        store = cache_engine.SessionStore()
        store["n"] = index
        store.set_expiry(600 + index)
        store.save()
        keys.append(store.session_key)
    assert sorted(walk(sort)) == sorted(keys)
    # The same row draws the same way twice: nothing flashes that did not change.
    html = [table_html_for_rows() for _ in range(2)]
    assert html[0] == html[1]


def table_html_for_rows() -> str:
    from inspector.class_rows import rows_html

    page = listing.listing(Query(), lambda: listing.count_table(timezone.now()))
    return str(rows_html(page.rows))


@pytest.mark.parametrize("sort", list(SORTS))
def test_rows_django_would_not_write_are_still_each_shown_once(sort: str) -> None:
    now = timezone.now()
    good = [f"good{index:028d}" for index in range(4)]
    odd = ["no colon at all " * 8, "a:b", ":::", "x" * 200]
    Session.objects.bulk_create(
        [
            Session(
                session_key=key,
                session_data=db.SessionStore().encode({"n": index}),
                expire_date=now + dt.timedelta(minutes=index + 1),
            )
            for index, key in enumerate(good)
        ]
        + [
            Session(
                session_key=f'odd"<key> {index}!',
                session_data=data,
                expire_date=now + dt.timedelta(minutes=3),
            )
            for index, data in enumerate(odd)
        ]
    )
    for size in (1, 3):
        seen = walk(sort, size)
        assert sorted(seen) == sorted(good + [f'odd"<key> {index}!' for index in range(4)])


def test_a_key_django_would_not_make_is_listed_opened_and_deleted(teacher: Client) -> None:
    key = 'odd"<b>key</b>&é'
    Session.objects.create(
        session_key=key,
        session_data=db.SessionStore().encode({"name": "x"}),
        expire_date=timezone.now() + dt.timedelta(days=1),
    )
    html = table_html(teacher)
    assert "<b>key" not in html
    name = re.search(
        r'name="row" value="(django_session:[^"]+)"[^>]*aria-label="Delete session odd', html
    )
    assert name is not None
    record = teacher.get("/class/record", {"row": name.group(1)}, **HTMX).content.decode()
    assert "{&#x27;name&#x27;: &#x27;x&#x27;}" in record
    teacher.post("/class/delete", {"row": name.group(1)}, **HTMX)
    assert not Session.objects.filter(session_key=key).exists()


def test_a_cached_db_row_is_judged_as_django_reads_it_cache_first(teacher: Client) -> None:
    client = student("cached_db")
    add(client, "name", "Sonam", **HTMX)
    key = key_of(client)
    data = Session.objects.get(session_key=key).session_data
    Session.objects.filter(session_key=key).update(session_data=data[:-3] + "AAA")
    # Plain Django reads the cache entry and never looks at the row.
    assert cached_db.SessionStore(key).load() == {"name": "Sonam"}
    assert rows(table_html(teacher, "?state=active")).count(mask(key)) == 1
    assert rows(table_html(teacher, "?state=refused")) == []
    record = teacher.get("/class/record", {"row": row_name(client)}, **HTMX).content.decode()
    assert "it reads the cache first" in record


def test_data_django_cannot_use_is_refused_not_active(teacher: Client) -> None:
    class ListSigner(signing.TimestampSigner):
        pass

    listed = ListSigner(salt=DB_SALT).sign_object(["a", "list"], compress=True)
    Session.objects.create(
        session_key="l" * 32, session_data=listed, expire_date=timezone.now() + dt.timedelta(days=1)
    )
    caches["default"].set(cache_engine.KEY_PREFIX + "s" * 32, "a string", 600)
    assert sorted(rows(table_html(teacher, "?state=refused"))) == sorted(
        [mask("l" * 32), mask("s" * 32)]
    )


def test_key_names_are_masked_like_every_other_key(teacher: Client) -> None:
    victim, other = student(), student()
    add(victim, "name", "x", **HTMX)
    add(other, key_of(victim), "a key as a key name", **HTMX)
    html = table_html(teacher)
    assert key_of(victim) not in html
    record = teacher.get("/class/record", {"row": row_name(other)}, **HTMX).content.decode()
    assert key_of(victim) not in record


def test_the_login_page_tells_only_a_non_staff_user_so(teacher: Client) -> None:
    assert "who is not staff" not in teacher.get("/accounts/login/").content.decode()


def test_the_class_view_is_never_cached_by_the_browser(teacher: Client) -> None:
    for response in (teacher.get("/class/"), teacher.get("/class/", {"since": "x"}, **HTMX)):
        assert "no-store" in response["Cache-Control"]


def test_the_active_filter_reads_refused_rows_a_slice_at_a_time(
    teacher: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "SCAN_BUDGET", 30)
    monkeypatch.setattr(listing, "SCAN_BATCH", 10)
    # Signatures that do not verify: Django refuses every one of them.
    numbered(100, lambda index: db.SessionStore().encode({"n": index})[:-3] + "AAA")
    html = table_html(teacher, "?state=active")
    assert "Search further" in html
    assert "Searched 30 stored sessions" in html


def test_after_the_teacher_deletes_and_the_student_flushes_the_page_says_the_cookie_went(
    teacher: Client,
) -> None:
    client = student()
    add(client, "name", "Sonam", **HTMX)
    key = key_of(client)
    teacher.post("/class/delete", {"row": row_name(client)}, **HTMX)
    html = client.post("/session/flush", **HTMX).content.decode()
    assert f"The teacher deleted your session {mask(key)}" in html
    assert "it deleted the cookie" in html
    assert "under a new key." in html


def test_start_fresh_tells_open_pages_what_happened(teacher: Client) -> None:
    client = student("signed_cookies")
    add(client, "name", "Sonam", **HTMX)
    page = client.get("/", **HTMX).content.decode()
    token = unquote(re.search(r'id="live"[^>]*since=([^"&]+)', page).group(1))
    teacher.post("/class/start-fresh", **HTMX)
    html = client.get("/", {"since": token}, **HTMX).content.decode()
    assert "The teacher started fresh from the class view" in html
    assert "This session changed elsewhere" not in html


def test_a_poll_while_the_inspectors_cache_is_down_redraws_nothing() -> None:
    from django.test import override_settings

    client = student()
    add(client, "name", "Sonam", **HTMX)
    down = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    with override_settings(CACHES={**settings.CACHES, "inspector": down}):
        page = client.get("/", **HTMX).content.decode()
        assert 'id="live"' not in page
        assert client.get("/", {"since": "x.1.2.3"}, **HTMX).status_code == 204


# What a second review found.


def test_a_nul_in_any_link_is_refused_not_sent_to_the_database(teacher: Client) -> None:
    ref = "0" * 20
    for row in (f"django_session:00:61:{ref}", f"django_session:61:00:{ref}"):
        assert teacher.get("/class/record", {"row": row}, **HTMX).status_code == 200
        assert teacher.post("/class/delete", {"row": row}, **HTMX).status_code == 200
    for after in (f"s1.00~61~{ref}", f"s1.6100~61~{ref}", f"e2026-01-01T00:00:00+00:00~00~{ref}"):
        response = teacher.get("/class/", {"sort": "-saved", "after": after}, **HTMX)
        assert response.status_code == 200


def test_a_key_django_refuses_is_not_said_to_be_deleted(teacher: Client) -> None:
    for key in ("abcde", "abcdefgh"):
        Session.objects.create(
            session_key=key,
            session_data=db.SessionStore().encode({"a": 1}),
            expire_date=timezone.now() + dt.timedelta(days=1),
        )
    html = table_html(teacher)
    # An 8-character key is not carried whole in a row's name.
    assert "61626364:65666768" not in html
    names = re.findall(r'name="row" value="(django_session:6162[^"]*)"', html)
    assert len(names) == 2
    for name in names:
        html = teacher.post("/class/delete", {"row": name}, **HTMX).content.decode()
    # Django deletes a key of 8 characters, and refuses one of 5: it says so.
    assert not Session.objects.filter(session_key="abcdefgh").exists()
    assert Session.objects.filter(session_key="abcde").exists()
    short = next(n for n in names if listing.ref_of("abcde") in n)
    html = teacher.post("/class/delete", {"row": short}, **HTMX).content.decode()
    assert "Nothing was deleted" in html


def test_the_teacher_cannot_delete_the_session_they_are_logged_in_with(teacher: Client) -> None:
    html = teacher.post("/class/delete", {"row": row_name(teacher)}, **HTMX).content.decode()
    assert "That is your own session" in html
    assert db.SessionStore().exists(key_of(teacher))


def test_a_key_glued_into_a_longer_word_is_masked_on_the_projector(teacher: Client) -> None:
    victim, other = student(), student()
    add(victim, "name", "x", **HTMX)
    add(other, "note", "0" + key_of(victim), **HTMX)
    html = table_html(teacher)
    record = teacher.get("/class/record", {"row": row_name(other)}, **HTMX).content.decode()
    assert key_of(victim) not in html
    assert key_of(victim) not in record


def test_a_row_signed_with_a_fallback_key_says_so(teacher: Client) -> None:
    from django.test import override_settings

    client = student()
    add(client, "name", "x", **HTMX)
    with override_settings(
        SECRET_KEY="a-new-key-" + "n" * 50, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]
    ):
        record = teacher.get("/class/record", {"row": row_name(client)}, **HTMX)
    assert "Signature: verifies with a fallback key." in record.content.decode()
