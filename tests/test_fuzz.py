"""Every form and every cookie the app reads, fuzzed with Hypothesis.

The properties: whatever a browser sends (keys, values of every type, nesting, numbers,
dates and offsets, forged and truncated cookies, validly signed values with forged
timestamps, stored records nobody here could have written), the answer is never a 5xx; a
refused action (a 4xx, or the page's error message) leaves every store exactly as it was;
and the page drawn afterwards is never a 5xx either, so nothing an action stored can poison
a later request.

Run with ``--hypothesis-show-statistics`` to see how many cases each test ran.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cache import KEY_PREFIX as CACHE_PREFIX
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_DB_PREFIX
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from inspector import demo, marks, own_cookies, page
from inspector.decoding import DB_SALT, SIGNED_COOKIES_SALT
from inspector.engines import ENGINES, default_engine
from inspector.forms import MAX_EXPIRY_SECONDS, ExpiryForm, MethodForm
from inspector.urls import urlpatterns
from inspector.values import VALUE_TYPES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def leave_no_records() -> Iterator[None]:
    """Rows (and database cache entries) roll back with the test; the session files and
    local-memory cache entries written here (some of them poison on purpose) are removed, so
    no later test meets them."""
    folder = Path(settings.SESSION_FILE_PATH)
    before = set(folder.iterdir()) if folder.is_dir() else set()
    yield
    for path in set(folder.iterdir()) - before if folder.is_dir() else ():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    cache = caches[settings.SESSION_CACHE_ALIAS]
    # This process's own memory; a shared Redis keeps the entries, under keys no other test uses.
    if isinstance(cache, LocMemCache):
        cache.clear()


COOKIE = settings.SESSION_COOKIE_NAME
HTMX = {"HTTP_HX_REQUEST": "true"}
ENGINE_NAMES = list(ENGINES)
SERVER_ENGINES = [name for name, engine in ENGINES.items() if engine.stores_on_server]
#: Every cookie the app reads: the session's, its own, and CSRF's.
READ_COOKIES = [COOKIE, *sorted(own_cookies.NAMES), settings.CSRF_COOKIE_NAME]
END_OF_TIME = 253402300799  # 9999-12-31 23:59:59 UTC, the last second datetime holds


def fuzz(examples: int) -> hypothesis_settings:
    """Tuned so the whole module runs in well under a minute on two shared cores."""
    return hypothesis_settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


#: Python's default, what a server process runs with.
DEFAULT_RECURSION_LIMIT = 1000


@contextmanager
def server_stack() -> Iterator[None]:
    """Python's default recursion limit, which a server runs with.

    Hypothesis raises the limit while a test runs, so JSON nested a few hundred levels
    deep, which exhausts a server's stack, would pass here unnoticed.
    """
    raised = sys.getrecursionlimit()
    sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(raised)


# What is stored, read from the stores themselves.


def stores() -> tuple[Any, ...]:
    """Every session row, session file and cache entry: what a refusal must leave alone."""
    rows = sorted(Session.objects.values_list("session_key", "session_data", "expire_date"))
    folder = Path(settings.SESSION_FILE_PATH)
    files = sorted(
        (path.name, path.read_bytes()) for path in folder.iterdir() if path.name.startswith(COOKIE)
    )
    cache = caches[settings.SESSION_CACHE_ALIAS]
    entries: list[tuple[str, bytes, float | None]] = []
    if isinstance(cache, LocMemCache):
        # Read under the cache's lock and without get(): get() reorders the LRU.
        with cache._lock:
            entries = sorted(
                (key, value, cache._expire_info.get(key)) for key, value in cache._cache.items()
            )
    elif isinstance(cache, DatabaseCache):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key, value, expires FROM {cache._table}")
            entries = sorted(cursor.fetchall())
    return rows, files, entries


def state(client: Client) -> tuple[Any, ...]:
    """The stores and the browser's session cookie (a signed-cookies session lives there)."""
    cookie = client.cookies[COOKIE].value if COOKIE in client.cookies else None
    return (*stores(), cookie)


HAPPENED = re.compile(r'id="happened"[^>]*>(.*?)</div>', re.S)


def refused(response: Any) -> bool:
    """A 4xx, or the page's own error message in "What just happened"."""
    if response.status_code >= 400:
        return True
    if response.status_code != 200:
        return False
    happened = HAPPENED.search(response.content.decode())
    return bool(happened) and 'class="error"' in happened.group(1)


def follow(client: Client, response: Any, key: object = None) -> None:
    """What the browser does next: follow the redirect, draw the page, open the Edit row."""
    if response.status_code in (302, 303):
        assert client.get(response["Location"]).status_code < 500
    assert client.get("/", **HTMX).status_code < 500
    if isinstance(key, str) and key:
        assert client.get("/", {"edit": key}, **HTMX).status_code < 500


# A student's browser, with a session to spoil.

SEEDS: dict[str, tuple[str, dict[str, str]]] = {
    "name": ("inspector:add", {"key": "name", "value": "Sonam", "type": "text"}),
    "cart": ("inspector:add", {"key": demo.NESTED_KEY, "value": '["apple"]', "type": "list"}),
    "expiry": ("inspector:expiry", {"mode": "seconds", "seconds": "600"}),
    "login": ("inspector:login", {}),
    "testcookie": ("inspector:test-cookie-set", {}),
}


def student(engine: str, seeds: tuple[str, ...] = ("name", "cart")) -> Client:
    client = Client()
    if engine != default_engine().name:
        switched = client.post(reverse("inspector:engine"), {"engine": engine}, **HTMX)
        assert switched.status_code == 200
    for seed in seeds:
        name, data = SEEDS[seed]
        assert client.post(reverse(name), data, **HTMX).status_code == 200
    return client


# Strategies: what a student (or a script) can type.

# Keys a form accepts (visible, no control characters, not Django's), and anything at all.
GOOD_KEYS = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=64
).filter(lambda key: key.strip() and not key.startswith("_"))
KEYS = st.one_of(
    st.sampled_from(
        ["name", demo.NESTED_KEY, "k", "_auth_user_id", "_session_expiry", "", " ", "a" * 65]
    ),
    GOOD_KEYS,
    st.text(max_size=70),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
JSON_LIKE = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)


def nested(depth: int, kind: str) -> str:
    """JSON nested ``depth`` levels deep, built as text: json.dumps itself would recurse."""
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    openers = ["[", '{"a":'] * (depth // 2 + 1)
    closers = {"[": "]", '{"a":': "}"}
    chosen = openers[:depth]
    return "".join(chosen) + "0" + "".join(closers[opener] for opener in reversed(chosen))


DEEP = st.builds(nested, st.integers(1, 999), st.sampled_from(["list", "object", "mixed"]))
NUMBERS = st.one_of(
    st.integers(min_value=-(10**60), max_value=10**60).map(str),
    st.floats().map(json.dumps),  # NaN and Infinity included
    st.floats().map(repr),
    st.integers(1, 2100).map(lambda digits: "9" * digits),
    st.sampled_from(["1e999", "-1e999", "1e-999", "-0", "-0.0", "0x10", "1_000", "+1", ".5"]),
)
# JSON escapes for lone surrogates decode to strings no page can be encoded with.
SURROGATES = st.integers(0xD800, 0xDFFF).flatmap(
    lambda code: st.sampled_from(
        [
            f'"\\u{code:04x}"',
            f'["\\u{code:04x}"]',
            f'{{"\\u{code:04x}": 1}}',
            f'{{"a": "x\\u{code:04x}"}}',
        ]
    )
)
VALUES = st.one_of(
    JSON_LIKE.map(json.dumps),
    DEEP,
    NUMBERS,
    SURROGATES,
    st.sampled_from(["", "null", "true", "[]", "{}", '"text"', "[1", "{'a': 1}"]),
    st.text(max_size=200),
)
TYPES = st.one_of(st.sampled_from(list(VALUE_TYPES)), st.sampled_from(["", "json", "pickle"]))


def offset_text(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


OFFSETS = st.one_of(
    st.sampled_from(["", "Z", "+00:00", "+14:00", "-14:00", "+23:59", "-23:59"]),
    st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(offset_text),
)
MOMENTS = st.one_of(
    st.sampled_from(
        [
            dt.datetime(1, 1, 1),
            dt.datetime(1, 1, 1, 0, 0, 1),
            dt.datetime(9999, 12, 31, 23, 59, 59),
            dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
        ]
    ),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)),
)
DATE_TEXTS = st.builds(
    lambda moment, sep, offset: moment.isoformat(sep=sep) + offset,
    MOMENTS,
    st.sampled_from(["T", " "]),
    OFFSETS,
)


@dataclass(frozen=True)
class Soon:
    """A moment ``seconds`` from when the form is sent, written with a UTC offset."""

    seconds: int
    offset_minutes: int

    def text(self) -> str:
        zone = dt.timezone(dt.timedelta(minutes=self.offset_minutes))
        moment = timezone.now() + dt.timedelta(seconds=self.seconds)
        return moment.astimezone(zone).isoformat(sep=" ", timespec="seconds")


AT = st.one_of(
    DATE_TEXTS,
    st.builds(Soon, st.integers(-(10**6), 2 * MAX_EXPIRY_SECONDS), st.integers(-1439, 1439)),
    st.sampled_from(["", "2026-13-01", "9999-12-31T24:00:00", "+14:00", "now"]),
    st.text(max_size=45),
)
SECONDS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(0, MAX_EXPIRY_SECONDS + 1).map(str),
    st.floats().map(str),
    st.sampled_from(["", "1e3", " 10 ", "10.0", "٣", "9" * 5000]),
    st.text(max_size=20),
)
JUNK_FIELDS = st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=3)
COOKIE_SAFE = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) not in ';,"\\')
PIECES = st.text(alphabet=COOKIE_SAFE, max_size=40)
# What a student types as a cookie value in the tamper lab: "…" stands for their key's middle.
TYPED_COOKIES = st.one_of(
    PIECES,
    st.builds(lambda start, end: f"{start}…{end}", PIECES, PIECES),
    st.builds(
        lambda payload, timestamp, signature: f"{payload}:{timestamp}:{signature}",
        PIECES,
        st.integers(min_value=0).map(signing.b62_encode) | PIECES,
        PIECES,
    ),
    st.integers(4000, 4200).map(lambda size: "a" * size),
    st.text(max_size=50),
)


def form(name: str, fields: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy:
    return st.tuples(st.just(name), fields)


def fields(**strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Every field filled in, or some left out as a script might."""
    return st.fixed_dictionaries(strategies) | st.fixed_dictionaries({}, optional=strategies)


# A value and the type it is sent as: one that fits the type, or any pairing at all.
TYPED = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=100)),
    st.tuples(st.just("number"), NUMBERS),
    st.tuples(st.just("boolean"), st.sampled_from(["true", "false", "True", "1"])),
    st.tuples(st.just("null"), st.sampled_from(["", "null", "None"])),
    st.tuples(st.just("list"), st.lists(JSON_LIKE, max_size=4).map(json.dumps)),
    st.tuples(st.just("object"), st.dictionaries(st.text(max_size=8), JSON_LIKE).map(json.dumps)),
    st.tuples(st.sampled_from(["list", "object"]), DEEP | SURROGATES),
    st.tuples(TYPES, VALUES),
)


def typed_fields(
    key_field: str, value_field: str, type_field: str, keys: st.SearchStrategy[str] = KEYS
) -> st.SearchStrategy:
    return st.builds(
        lambda key, typed: {key_field: key, value_field: typed[1], type_field: typed[0]},
        keys,
        TYPED,
    ) | fields(**{key_field: keys, value_field: VALUES, type_field: TYPES})


#: The keys a student's session starts with (see SEEDS).
SEEDED_KEYS = st.sampled_from(["name", demo.NESTED_KEY])


#: Every form the app has (a url name of inspector.urls) and what can be typed into it.
FORMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "add": typed_fields("key", "value", "type"),
    "edit": typed_fields("edit-key", "edit-value", "edit-type", SEEDED_KEYS | KEYS),
    "delete": fields(key=SEEDED_KEYS | KEYS),
    "engine": fields(engine=st.sampled_from(ENGINE_NAMES) | st.text(max_size=30)),
    "expiry": fields(
        mode=st.sampled_from(ExpiryForm.MODES) | st.text(max_size=10), seconds=SECONDS, at=AT
    ),
    "tamper-cookie": fields(cookie=TYPED_COOKIES),
    "method": fields(
        **{
            "method-method": st.sampled_from(MethodForm.METHODS) | st.text(max_size=12),
            "method-key": KEYS,
            "method-default": VALUES,
        }
    ),
}
#: Buttons without fields: whatever else is posted must be ignored.
BUTTONS = [
    pattern.name for pattern in urlpatterns if pattern.name not in FORMS and pattern.name != "page"
]
# Half forms, half buttons: the buttons are many, the forms have more to get wrong.
FORM_POSTS = st.one_of(st.sampled_from(list(FORMS)), st.sampled_from(BUTTONS)).flatmap(
    lambda name: form(name, FORMS.get(name, JUNK_FIELDS))
)


def test_every_form_is_fuzzed() -> None:
    """A new form gets fields here, or it is fuzzed as a button with junk fields only."""
    posts = {pattern.name for pattern in urlpatterns} - {"page"}
    assert posts == set(FORMS) | set(BUTTONS)
    assert set(BUTTONS) >= {
        "clear",
        "flush",
        "clear-expired",
        "cycle-key",
        "login",
        "logout",
        "test-cookie-set",
        "test-cookie-check",
        "test-cookie-delete",
        "nested-append",
        "nested-append-modified",
        "presenter",
    }


def resolve(data: dict[str, Any]) -> dict[str, str]:
    return {
        name: value.text() if isinstance(value, Soon) else value for name, value in data.items()
    }


def typed_key(data: dict[str, Any]) -> object:
    return next((data[name] for name in ("key", "edit-key", "method-key") if name in data), None)


@fuzz(360)
@given(
    engine=st.sampled_from(ENGINE_NAMES),
    seeds=st.lists(st.sampled_from(list(SEEDS)), max_size=2, unique=True).map(tuple),
    post=FORM_POSTS,
    htmx=st.booleans(),
)
# Nesting well inside the size limit, too deep for Python's stack somewhere on the way.
@example("db", ("name",), ("add", {"key": "k", "value": nested(500, "list"), "type": "list"}), True)
@example(
    "db",
    (),
    ("method", {"method-method": "get", "method-key": "k", "method-default": nested(600, "list")}),
    False,
)
@example(
    "file",
    (),
    ("edit", {"edit-key": "name", "edit-value": nested(450, "mixed"), "edit-type": "list"}),
    True,
)
# Dates at the ends of the calendar, with offsets that push them past it in UTC.
@example("db", ("name",), ("expiry", {"mode": "date", "at": "9999-12-31T23:59:59-14:00"}), True)
@example(
    "signed_cookies",
    ("name",),
    ("expiry", {"mode": "date", "at": "0001-01-01 00:00:00+23:59"}),
    False,
)
@example("cache", ("name",), ("expiry", {"mode": "seconds", "seconds": "9" * 5000}), True)
# A lone surrogate, stored from a JSON escape: every later Edit row could not be encoded.
@example("db", (), ("add", {"key": "k", "value": '["\\ud800"]', "type": "list"}), True)
@example(
    "cached_db",
    (),
    ("method", {"method-method": "update", "method-default": '{"k": "\\udfff"}'}),
    False,
)
def test_no_form_input_makes_a_5xx_and_a_refusal_changes_nothing(
    engine: str, seeds: tuple[str, ...], post: tuple[str, dict[str, Any]], htmx: bool
) -> None:
    with server_stack():
        name, data = post
        client = student(engine, seeds)
        before = state(client)
        response = client.post(
            reverse(f"inspector:{name}"), resolve(data), **(HTMX if htmx else {})
        )
        assert response.status_code < 500
        was_refused = refused(response)
        event(f"{name}: {'refused' if was_refused else 'done'}")
        if was_refused:
            assert state(client) == before, "a refused action changed what is stored"
        follow(client, response, typed_key(data))


# Signed values with a real signature and a forged time.


def signed_at(signer: signing.TimestampSigner, value: str, timestamp: int | None) -> str:
    """``value`` signed by ``signer`` as if at ``timestamp`` (None: now): a forged time, a real
    signature."""
    if timestamp is None:
        timestamp = int(timezone.now().timestamp())
    return signing.Signer.sign(signer, f"{value}:{signing.b62_encode(timestamp)}")


def payload(json_text: str, compress: bool) -> str:
    """What signing.dumps signs: base64url JSON, zlib first behind a "." when asked."""
    data = json_text.encode()
    if compress:
        return "." + signing.b64_encode(zlib.compress(data)).decode()
    return signing.b64_encode(data).decode()


def own_signer(name: str) -> signing.TimestampSigner:
    # The signer request.get_signed_cookie uses for the inspector's own cookie ``name``.
    return signing.get_cookie_signer(salt=name + own_cookies._SALT)


TIMESTAMPS = st.one_of(
    st.sampled_from(
        [END_OF_TIME, END_OF_TIME - 100, END_OF_TIME + 1, -62135596800, -1, 0, 2**63, 10**400]
    ),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.integers(min_value=10**13),
    st.integers(max_value=-(10**13)),
)

# Expiries Django's own code turns into a datetime, an age and the cookie's Expires.
EXPIRIES = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([END_OF_TIME, 10**20, -(10**20), 0, 1, True, False]),
    st.floats(),
    DATE_TEXTS,
    st.sampled_from(["garbage", "", [], {}, [1], {"a": 1}, None]),
)


class Absent:
    """No ``_session_expiry`` key at all."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = Absent()


@dataclass(frozen=True)
class Poison:
    """A session dict nobody here could have written: an odd expiry, a deep or odd value."""

    expiry: Any
    value: Any
    depth: int

    def data(self) -> dict[str, Any]:
        value = self.value
        for _ in range(self.depth):  # built in a loop: no recursion, however deep
            value = [value]
        data = {"k": value}
        if self.expiry is not ABSENT:
            data["_session_expiry"] = self.expiry
        return data

    def json_text(self) -> str:
        inner = "[" * self.depth + json.dumps(self.value) + "]" * self.depth
        expiry = "" if self.expiry is ABSENT else f',"_session_expiry":{json.dumps(self.expiry)}'
        return f'{{"k":{inner}{expiry}}}'


POISONS = st.builds(
    Poison,
    expiry=st.one_of(st.just(ABSENT), EXPIRIES),
    value=st.one_of(JSON_LIKE, st.sampled_from(["\ud800", {"\udfff": 1}, "x"])),
    depth=st.one_of(st.just(0), st.integers(0, 12), st.integers(0, 1200)),
)
JSON_TEXTS = st.one_of(
    POISONS.map(Poison.json_text),
    st.sampled_from(["[1]", "1", '"x"', "null", "{", '{"a":NaN}', '{"a":1e999}']),
)


@dataclass(frozen=True)
class Garbage:
    text: str

    def value(self, name: str, client: Client) -> str:
        return self.text


@dataclass(frozen=True)
class Oversized:
    size: int
    char: str

    def value(self, name: str, client: Client) -> str:
        return self.char * self.size


@dataclass(frozen=True)
class Truncated:
    """The real value this browser holds, cut short."""

    keep: float

    def value(self, name: str, client: Client) -> str:
        real = client.cookies[name].value if name in client.cookies else "a" * 40
        return real[: int(len(real) * self.keep)]


@dataclass(frozen=True)
class Forged:
    """Shaped like signed data, with a signature nobody made."""

    json_text: str
    timestamp: str
    signature: str
    compress: bool

    def value(self, name: str, client: Client) -> str:
        return f"{payload(self.json_text, self.compress)}:{self.timestamp}:{self.signature}"


@dataclass(frozen=True)
class SignedAt:
    """Signed with this server's key and the cookie's own salt, at a forged time."""

    json_text: str
    text: str
    #: None: signed now.
    timestamp: int | None
    compress: bool

    def value(self, name: str, client: Client) -> str:
        if name == COOKIE:
            signer = signing.TimestampSigner(salt=SIGNED_COOKIES_SALT)
            return signed_at(signer, payload(self.json_text, self.compress), self.timestamp)
        if name == own_cookies.REPORT:
            signer = signing.TimestampSigner(salt=page.REPORT_SALT)
            return signed_at(signer, payload(self.json_text, self.compress), self.timestamp)
        if name in own_cookies.NAMES:
            return signed_at(own_signer(name), self.text, self.timestamp)
        return self.text  # the CSRF cookie is not signed


FORGERIES = st.one_of(
    st.builds(Garbage, PIECES),
    st.builds(Oversized, st.integers(4000, 9000), st.sampled_from(["a", "0", ":", "."])),
    st.builds(Truncated, st.floats(0, 1)),
    st.builds(
        Forged,
        JSON_TEXTS,
        TIMESTAMPS.map(signing.b62_encode) | PIECES,
        PIECES,
        st.booleans(),
    ),
    st.builds(
        SignedAt,
        JSON_TEXTS,
        st.sampled_from([*ENGINE_NAMES, "on", "signed-cookie", "a" * 32]) | PIECES,
        st.none() | TIMESTAMPS,
        st.booleans(),
    ),
)


def get_page(client: Client) -> Any:
    return client.get("/")


def get_partials(client: Client) -> Any:
    return client.get("/", {"expired": "1"}, **HTMX)


def post_add(client: Client) -> Any:
    return client.post(reverse("inspector:add"), {"key": "k", "value": "v", "type": "text"})


def post_flush(client: Client) -> Any:
    return client.post(reverse("inspector:flush"), **HTMX)


def post_checked(client: Client) -> Any:
    """A post with Django's CSRF check on, the token header copied from the cookie."""
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    data = {"key": "k", "value": "v", "type": "text"}
    return strict.post(reverse("inspector:add"), data, HTTP_X_CSRFTOKEN=token, **HTMX)


REQUESTS: list[Callable[[Client], Any]] = [
    get_page,
    get_partials,
    post_add,
    post_flush,
    post_checked,
]


@fuzz(280)
@given(
    engine=st.sampled_from(ENGINE_NAMES),
    name=st.sampled_from(READ_COOKIES),
    forgery=FORGERIES,
    send=st.sampled_from(REQUESTS),
)
# A signed cookie whose signed time lies past the year 9999, or far past any float.
@example(
    "signed_cookies",
    COOKIE,
    Forged('{"a":1}', signing.b62_encode(END_OF_TIME), "x", False),
    get_page,
)
@example("signed_cookies", COOKIE, SignedAt('{"a":1}', "", END_OF_TIME - 100, True), post_add)
@example("db", own_cookies.REPORT, SignedAt("{}", "", 10**400, False), get_page)
@example("db", own_cookies.REPORT, SignedAt(nested(990, "list"), "", None, True), get_page)
@example("file", own_cookies.ENGINE, SignedAt("{}", "file", 10**400, False), post_flush)
# A key the file engine refuses outright: Django's own 400, explained.
@example("file", COOKIE, Garbage("0000000:"), post_flush)
def test_no_cookie_makes_a_5xx(
    engine: str, name: str, forgery: Any, send: Callable[[Client], Any]
) -> None:
    with server_stack():
        client = student(engine, ("name",))
        client.get("/")  # the CSRF cookie, and a real value of every cookie to cut short
        client.cookies[name] = forgery.value(name, client)
        before = stores()
        response = send(client)
        assert response.status_code < 500
        event(f"{type(forgery).__name__} {name}: {response.status_code}")
        if response.request["REQUEST_METHOD"] == "GET" or refused(response):
            assert stores() == before, "reading a forged cookie changed what is stored"
        follow(client, response)


# Stored records nobody here could have written: Django would trust a valid signature.

KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SESSION_KEYS = st.text(alphabet=KEY_ALPHABET, min_size=32, max_size=32)
EXPIRE_DATES = st.sampled_from(
    [
        dt.timedelta(days=1),
        dt.timedelta(days=-1),
        dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    ]
)


@dataclass(frozen=True)
class Record:
    poison: Poison
    #: For the signed engines: the JSON text that is signed (the poison's, or odder).
    json_text: str
    #: None: signed at the moment it is stored.
    timestamp: int | None
    signature_valid: bool
    compress: bool
    expire_date: dt.timedelta | dt.datetime

    def signed(self, salt: str) -> str:
        value = payload(self.json_text, self.compress)
        if self.signature_valid:
            return signed_at(signing.TimestampSigner(salt=salt), value, self.timestamp)
        return f"{value}:{signing.b62_encode(self.timestamp or 0)}:forged"

    def store(self, engine: str, key: str) -> str:
        """Write the record where ``engine`` keeps it; the session cookie that names it."""
        # Hypothesis reuses keys across examples: start from no record at all.
        Session.objects.filter(session_key=key).delete()
        Path(settings.SESSION_FILE_PATH, COOKIE + key).unlink(missing_ok=True)
        caches[settings.SESSION_CACHE_ALIAS].delete_many(
            [CACHE_PREFIX + key, CACHED_DB_PREFIX + key]
        )
        if engine == "signed_cookies":
            return self.signed(SIGNED_COOKIES_SALT)
        if engine in ("db", "cached_db"):
            expire = self.expire_date
            if isinstance(expire, dt.timedelta):
                expire = timezone.now() + expire
            Session.objects.create(
                session_key=key, session_data=self.signed(DB_SALT), expire_date=expire
            )
        elif engine == "file":
            Path(settings.SESSION_FILE_PATH, COOKIE + key).write_text(self.signed(DB_SALT))
        if engine in ("cache", "cached_db"):
            # The cache keeps the dict itself, unsigned: whoever reaches the cache writes it.
            prefix = CACHE_PREFIX if engine == "cache" else CACHED_DB_PREFIX
            # Pickling recurses: a dict nested past Python's stack cannot be cached at all.
            poison = Poison(self.poison.expiry, self.poison.value, min(self.poison.depth, 300))
            caches[settings.SESSION_CACHE_ALIAS].set(prefix + key, poison.data(), 3600)
        return key


def signed_record(
    json_text: str,
    timestamp: int | None = None,
    *,
    cached: Poison | None = None,
    compress: bool = False,
) -> Record:
    """``json_text`` signed with this server's key (a cookie, a row, a file); ``cached`` is
    the dict the cache engines hold instead."""
    poison = cached or Poison(ABSENT, 1, 0)
    return Record(poison, json_text, timestamp, True, compress, dt.timedelta(days=1))


EXPIRY_PAST_9999 = '{"_session_expiry":"9999-12-31T23:59:59-14:00"}'
EXPIRY_BEFORE_1 = '{"_session_expiry":"0001-01-01T00:00:00+14:00"}'
NAN = float("nan")
RECORDS = POISONS.flatmap(
    lambda poison: st.builds(
        Record,
        poison=st.just(poison),
        json_text=st.one_of(st.just(poison.json_text()), JSON_TEXTS),
        # None: signed now, as most real records were.
        timestamp=st.one_of(st.none(), TIMESTAMPS),
        signature_valid=st.booleans(),
        compress=st.booleans(),
        expire_date=EXPIRE_DATES,
    )
)


@fuzz(280)
@given(
    engine=st.sampled_from(ENGINE_NAMES),
    key=SESSION_KEYS,
    record=RECORDS,
    kept_for_restore=st.booleans(),
    send=st.sampled_from(REQUESTS[:4]),
)
# A signed time far in the future: past the calendar, or past any float.
@example("signed_cookies", "a" * 32, signed_record('{"k":1}', END_OF_TIME), False, get_page)
@example("signed_cookies", "b" * 32, signed_record('{"k":1}', 10**400), False, post_add)
@example("db", "c" * 32, signed_record('{"k":1}', 10**20, compress=True), False, get_page)
@example("file", "d" * 32, signed_record('{"_session_expiry":10}', END_OF_TIME), False, get_page)
# A stored _session_expiry at the ends of the calendar, or no moment at all.
@example("signed_cookies", "e" * 32, signed_record(EXPIRY_PAST_9999), False, get_page)
@example("db", "f" * 32, signed_record(EXPIRY_BEFORE_1), False, post_add)
@example("db", "g" * 32, signed_record(EXPIRY_PAST_9999), True, get_page)
@example(
    "file", "h" * 32, signed_record('{"_session_expiry":"2030-01-01T00:00:00"}'), False, post_add
)
@example("cache", "i" * 32, signed_record("{}", cached=Poison(10**20, 1, 0)), False, post_add)
@example("cached_db", "j" * 32, signed_record("{}", cached=Poison(NAN, 1, 0)), False, post_add)
# Nesting no form lets through, trusted because it is signed (or in the cache).
@example("cache", "k" * 32, signed_record("{}", cached=Poison(ABSENT, 1, 300)), False, get_page)
@example("db", "l" * 32, signed_record(f'{{"k":{nested(700, "list")}}}'), False, post_add)
def test_no_stored_record_makes_a_5xx(
    engine: str,
    key: str,
    record: Record,
    kept_for_restore: bool,
    send: Callable[[Client], Any],
) -> None:
    with server_stack():
        client = student(engine, ())
        cookie = record.store(engine, key)
        if kept_for_restore and engine in SERVER_ENGINES:
            # No session cookie: the tamper lab keeps the key it replaced, to put it back.
            client.cookies[own_cookies.UNTAMPERED] = own_signer(own_cookies.UNTAMPERED).sign(key)
            assert client.post("/tamper/restore", follow=True).status_code < 500
        else:
            client.cookies[COOKIE] = cookie
        before = stores()
        response = send(client)
        assert response.status_code < 500
        if response.request["REQUEST_METHOD"] == "GET":
            assert stores() == before, "reading a stored record changed it"
        # A record Django cannot use is a fresh session: the next page is drawn too.
        follow(client, response, "k")


# The page's own query: the Edit row it opens and the marks it carries.

MARKS_SALT = "inspector.marks"
#: Stands for the digest of this browser's stored record, which marks are bound to.
DIGEST = "@digest@"


@dataclass(frozen=True)
class MarksToken:
    json_text: str
    #: None: signed now.
    timestamp: int | None
    compress: bool
    signature_valid: bool = True

    def text(self, digest: str) -> str:
        value = payload(self.json_text.replace(DIGEST, digest), self.compress)
        if not self.signature_valid:
            return f"{value}:{signing.b62_encode(self.timestamp or 0)}:forged"
        return signed_at(signing.TimestampSigner(salt=MARKS_SALT), value, self.timestamp)


MARKS_JSON = st.one_of(
    JSON_TEXTS,
    st.builds(
        lambda changes, removed, digest: json.dumps({"c": changes, "r": removed, "s": digest}),
        st.dictionaries(st.text(max_size=5), JSON_LIKE, max_size=3),
        st.lists(JSON_LIKE, max_size=3),
        st.just(DIGEST) | st.text(max_size=16),
    ),
)


@fuzz(80)
@given(
    engine=st.sampled_from(ENGINE_NAMES),
    edit=st.none() | KEYS,
    token=st.one_of(
        st.none(),
        st.text(max_size=60),
        st.builds(MarksToken, MARKS_JSON, st.none() | TIMESTAMPS, st.booleans(), st.booleans()),
    ),
    htmx=st.booleans(),
)
@example("db", None, MarksToken(f'{{"c":{{"k":[]}},"r":[],"s":"{DIGEST}"}}', None, False), True)
@example("db", None, MarksToken("{}", 10**400, False), True)
@example("file", None, MarksToken(f'{{"c":{nested(990, "list")}}}', None, False), False)
def test_no_page_query_makes_a_5xx(engine: str, edit: str | None, token: Any, htmx: bool) -> None:
    with server_stack():
        client = student(engine)
        query: dict[str, str] = {}
        if edit is not None:
            query["edit"] = edit
        if isinstance(token, MarksToken):
            record = ENGINES[engine].read(client.cookies[COOKIE].value)
            query["marks"] = token.text(marks._digest(record.raw if record else None))
        elif token is not None:
            query["marks"] = token
        before = stores()
        response = client.get("/", query, **(HTMX if htmx else {}))
        assert response.status_code < 500
        assert stores() == before


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize(
    ("json_text", "reason"),
    [
        (EXPIRY_PAST_9999, "is no expiry Django can use"),
        ('{"_session_expiry":1e400}', "is no expiry Django can use"),
        ('{"_session_expiry":"2030-01-01T00:00:00"}', "is no expiry Django can use"),
        (f'{{"k":{nested(12, "list")}}}', "Nested too deeply"),
        ('{"k":"\\udc00"}', "lone surrogate"),
    ],
    ids=["expiry past 9999", "expiry of 1e400 s", "naive expiry", "nested 12 deep", "surrogate"],
)
def test_a_record_django_cannot_serve_is_explained_and_replaced_by_a_fresh_session(
    engine: str, json_text: str, reason: str
) -> None:
    """Signed by this server (or in the cache), so Django trusts it, and would then fail on it."""
    client = student(engine, ())
    key = "z" * 32
    data = json.loads(json_text)
    cached = Poison(data.get("_session_expiry", ABSENT), data.get("k", 1), 0)
    record = signed_record(json_text, cached=cached)
    client.cookies[COOKIE] = record.store(engine, key)
    shown = client.get("/").content.decode()
    assert reason in shown.replace("&quot;", '"')
    response = client.post(
        reverse("inspector:add"), {"key": "name", "value": "Sonam", "type": "text"}, **HTMX
    )
    assert response.status_code == 200
    assert not refused(response)
    # What plain Django, without the inspector, now loads: a fresh session with one key.
    store = import_module(ENGINES[engine].module).SessionStore(client.cookies[COOKIE].value)
    assert store.load() == {"name": "Sonam"}


def test_a_file_key_django_calls_suspicious_is_a_400_with_a_reason_and_add_starts_afresh() -> None:
    client = student("file", ())
    client.cookies[COOKIE] = "0000000:"
    before = stores()
    response = client.post(reverse("inspector:flush"), **HTMX)
    assert response.status_code == 400
    assert "InvalidSessionKey" in response.content.decode()
    assert stores() == before
    response = client.post(
        reverse("inspector:add"), {"key": "name", "value": "Sonam", "type": "text"}, **HTMX
    )
    assert response.status_code == 200
    store = import_module(ENGINES["file"].module).SessionStore(client.cookies[COOKIE].value)
    assert store.load() == {"name": "Sonam"}
