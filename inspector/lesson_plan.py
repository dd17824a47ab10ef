"""The lessons: the classic tutorials' programs (``inspector.tutorial``), their steps, and the
false claims those tutorials make, corrected where they arise. ``inspector.lessons`` runs
the steps."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property

from inspector import tutorial
from inspector.links import url_of

View = Callable[[HttpRequest], HttpResponse]


@dataclass(frozen=True)
class Correction:
    """A claim a tutorial makes, and what Django really does."""

    claim: str
    truth: str


@dataclass(frozen=True)
class Step:
    method: str
    url_name: str
    note: str = ""
    #: The form field the step sends (the name form's ``name``).
    field: str = ""
    corrections: tuple[Correction, ...] = ()

    @property
    def path(self) -> str:
        # Not kept on the step: the URLconf's prefix (and the script prefix) belong to the
        # request.
        return url_of(self.url_name)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def element_id(self) -> str:
        return f"step-{self.method.lower()}-{self.url_name}"


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    summary: str
    views: tuple[View, ...]
    steps: tuple[Step, ...]
    corrections: tuple[Correction, ...] = field(default=())

    @cached_property
    def code(self) -> str:
        """The views as they run: their own source."""
        return "\n\n".join(inspect.getsource(view).strip() for view in self.views)


SIGNED_NOT_ENCRYPTED = Correction(
    "“In the database you will see the key and the data, which has high encryption.”",
    "Nothing is encrypted. The db and file engines store signed base64 JSON (cached_db too, in "
    "its row; its cache copy is the dict itself), signed_cookies put it in the cookie, and the "
    "cache engine stores the dict itself, unsigned: open Stored record and read it, password "
    "and all. Anyone who can read the store can read it; where there is a signature, it only "
    "stops changes. A password never belongs in a session: store the user's id, as login() "
    "does, and check passwords with authenticate().",
)
BROWSER_CLOSE = Correction(
    "“Sessions are deleted when the browser is closed.”",
    "Only a session that ends at browser close (SESSION_EXPIRE_AT_BROWSER_CLOSE = True, or "
    "set_expiry(0)) has a cookie without Max-Age, which the browser drops when it closes; "
    "otherwise the cookie lasts SESSION_COOKIE_AGE (two weeks) or what set_expiry() said. "
    "Either way the browser only forgets the cookie: what the server stored stays until it "
    "expires (at browser close too, two weeks after the last save) and is removed, by "
    "clearsessions for a row or a file, by its own timeout for a cache entry. Signed cookies "
    "store nothing on the server.",
)
ID_ON_VISIT = Correction(
    "“The server creates a session ID when the user visits.”",
    "Django creates a session only when something is stored in it. A GET that stores nothing "
    "sets no cookie for a browser that sent none, and writes no record: see Cookie (no "
    "Set-Cookie header) and Stored record.",
)
ID_NEVER_CHANGES = Correction(
    "“The session ID doesn't change for a session.”",
    "cycle_key() gives the same data a new key, and login() changes it too (against session "
    "fixation): with cycle_key() when nobody was logged in, with flush() when someone else "
    "was; logging in again as the same user keeps it. Try Cycle key or Log in as demo user "
    "in the Lifecycle lab and watch the key. (With signed cookies there is no key: the data "
    "is signed again into a new cookie value.)",
)
SIGNED_COOKIES = Correction(
    "“Cookie-based sessions store data with cryptographic signing.”",
    "Signed, not encrypted: with the signed_cookies engine the whole session is in the cookie, "
    "readable by anyone who sees it (the Stored record panel decodes it). And a browser keeps "
    "at most 4 KB of one cookie: a larger session is silently lost.",
)
KEYS_LEAVE_COOKIE = Correction(
    "“Deleting the keys leaves the cookie.”",
    "Right: the session keeps its key and its cookie, and what the server stored stays too, "
    "holding the data that is left (with signed cookies, the cookie now carries it). Only "
    "flush() deletes the record and the cookie; the next write starts a new session under a "
    "new key.",
)

LESSONS = (
    Lesson(
        "set-get-delete",
        "Set, get, delete",
        "Store two names, read them two ways, delete them; then read and delete in one view.",
        (
            tutorial.set_names,
            tutorial.get_names,
            tutorial.get_names_or_guest,
            tutorial.delete_names,
            tutorial.read_then_delete,
        ),
        (
            Step(
                "GET",
                "lesson-get-or-guest",
                "before anything is stored",
                corrections=(ID_ON_VISIT,),
            ),
            Step("GET", "lesson-set"),
            Step("GET", "lesson-get"),
            Step("GET", "lesson-delete"),
            Step("GET", "lesson-get", "again: the names are gone"),
            Step("GET", "lesson-get-or-guest", ".get() with a default instead"),
            Step("GET", "lesson-set", "again"),
            Step("GET", "lesson-read-then-delete", "twice: the second visit fails"),
        ),
        (BROWSER_CLOSE,),
    ),
    Lesson(
        "name-form",
        "A name from a form",
        "A POST form with a CSRF token stores a name; another view reads it with .get().",
        (tutorial.name_form, tutorial.show_name),
        (
            Step("GET", "lesson-name-show", "before a name is stored"),
            Step("GET", "lesson-name", "the form"),
            Step("POST", "lesson-name", field="name"),
            Step("GET", "lesson-name-show"),
        ),
    ),
    Lesson(
        "dict-methods",
        "Dict methods and flush",
        "keys(), items() and setdefault(), then flush().",
        (tutorial.dict_methods, tutorial.flush),
        (Step("GET", "lesson-dict"), Step("GET", "lesson-flush")),
    ),
    Lesson(
        "test-cookie",
        "Test cookie",
        "set_test_cookie() in one request; test_cookie_worked() and delete_test_cookie() in "
        "the next.",
        (tutorial.set_test_cookie, tutorial.check_test_cookie),
        (Step("GET", "lesson-test-cookie-set"), Step("GET", "lesson-test-cookie-check")),
    ),
    Lesson(
        "create-access-delete",
        "Create, access, delete",
        "Create stores a user name and a password; access redirects to create when they are "
        "missing; delete uses del inside try/except KeyError.",
        (tutorial.create_session, tutorial.access_session, tutorial.delete_session),
        (
            Step("GET", "lesson-access", "before anything is stored"),
            Step("GET", "lesson-create", corrections=(SIGNED_NOT_ENCRYPTED,)),
            Step("GET", "lesson-access", corrections=(ID_NEVER_CHANGES,)),
            Step("GET", "lesson-remove", corrections=(KEYS_LEAVE_COOKIE,)),
            Step("GET", "lesson-flush", "removes the record and the cookie"),
        ),
    ),
    Lesson(
        "backends",
        "Backends",
        "The same set and get on each engine: pick one with Engine at the top, run both "
        "steps, and compare Stored record and Storage operations.",
        (tutorial.set_names, tutorial.get_names_or_guest),
        (Step("GET", "lesson-set"), Step("GET", "lesson-get-or-guest")),
        (SIGNED_COOKIES,),
    ),
)
