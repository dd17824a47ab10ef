"""The class view: every stored session, live, for the teacher at the projector (staff only)."""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import user_passes_test
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

from inspector import listing, live, masking
from inspector.class_rows import rows_html
from inspector.engines import ENGINES
from inspector.listing import Cursor, Listed, Query, StoreCount
from inspector.operations import Operation, Recorder, recording
from inspector.reset import reset_sessions

TEMPLATE = "inspector/class.html"
#: The header's counts of the django_session table are taken again at most this often.
COUNT_EVERY = 2
#: The table is drawn again at least this often, whatever the counters say: a store can
#: also change where no inspector watches (a cron job's clearsessions).
REDRAW_EVERY = 30
MAX_SEARCH = 100
#: A row's name: its store, the first and last four characters of its key (as the hex of
#: their UTF-8: a key written past Django may hold anything) and a digest of the whole key.
_ROW = re.compile(
    "(django_session|file|cache):((?:[0-9a-f]{2}){1,16}):((?:[0-9a-f]{2}){0,16}):([0-9a-f]{20})"
)


def is_staff(user: Any) -> bool:
    return bool(user.is_active and user.is_staff)


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's login page for anyone else; for htmx (a poll after the login ended), a whole
    page load of it, not the login form swapped into the table."""
    checked = user_passes_test(is_staff)(view)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff(request.user) and request.method not in ("GET", "HEAD"):
            # After the login comes a GET: back to the class, not to an action's URL.
            response = redirect_to_login(reverse("inspector:class"))
        else:
            response = checked(request, *args, **kwargs)
        if request.htmx and response.status_code == 302 and not is_staff(request.user):
            return HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
        # What the table shows stays out of the browser's cache: Back after Log out on a
        # shared computer must not show it.
        add_never_cache_headers(response)
        return response

    return wrapper


@dataclass
class Asked:
    """What the class view was asked to show, and what in the asking it could not use."""

    query: Query
    problems: list[str]

    @classmethod
    def of(cls, params: Any) -> Asked:
        problems = []
        search = params.get("q", "")
        if len(search) > MAX_SEARCH:
            problems.append(f"A search is at most {MAX_SEARCH} characters: this one was cut.")
            search = search[:MAX_SEARCH]
        state = params.get("state", "")
        if state not in listing.STATES:
            problems.append("Unknown state: showing all.")
            state = ""
        sort = listing.SORTS.get(params.get("sort", ""))
        if sort is None:
            if params.get("sort"):
                problems.append("Unknown order: sorted by expiry, latest first.")
            sort = listing.DEFAULT_SORT
        after = None
        if cursor := params.get("after", ""):
            after = Cursor.parse(cursor, sort)
            if after is None:
                problems.append(
                    "That page link was not made by this view: the first page is shown."
                )
        return cls(Query(search=search, state=state, sort=sort, after=after), problems)


@require_safe
def class_view(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("since")
    if token is not None and live.class_unchanged(token, _cookie(request)):
        # The table this page shows is what the stores hold: one cache read, nothing drawn.
        response = HttpResponse(status=204)
        add_never_cache_headers(response)
        return response
    return _page(request)


@staff_only
def _page(request: HttpRequest) -> HttpResponse:
    return render_class(request)


def named_row(name: str) -> Listed | bool | None:
    """The stored session a row's buttons name; None when it is gone, False for a name this
    view never draws."""
    match = _ROW.fullmatch(name)
    if match is None:
        return False
    store, prefix, suffix, ref = match.groups()
    prefix, suffix = listing.unhex(prefix), listing.unhex(suffix)
    if prefix is None or suffix is None:
        return False
    return listing.find(store, ref, prefix, suffix)


@require_safe
@staff_only
def record(request: HttpRequest) -> HttpResponse:
    """One row's whole record, read-only: fetched when the row is opened."""
    row = named_row(request.GET.get("row", ""))
    context = {
        "row": row or None,
        "forged": row is False,
        "full": masking.mask_runs(row.full) if row else "",
        "why": masking.mask_runs(row.why) if row else "",
    }
    name = f"{TEMPLATE}#record" if request.htmx else f"{TEMPLATE}#record_page"
    response = HttpResponse(render_to_string(name, context, request=request))
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@staff_only
def delete_session(request: HttpRequest) -> HttpResponse:
    row = named_row(request.POST.get("row", ""))
    if row is False:
        return render_class(
            request, error="That row is not one this view drew: nothing was deleted."
        )
    if row is None:
        return render_class(
            request, notice="That session is no longer stored: nothing was deleted."
        )
    if row.key == request.session.session_key:
        return render_class(
            request,
            error=(
                "That is your own session, the one you are logged in with: nothing was deleted. "
                "Log out to end it."
            ),
        )
    # A django_session row may be db's or cached_db's: cached_db's delete() removes the row
    # and any cache entry, which is right for either.
    engine = ENGINES["cached_db" if row.store == "django_session" else row.engine]
    recorder = Recorder()
    with recording(recorder):
        # Django's own SessionStore of that engine, watched, deletes its own record(s).
        engine.session_store_class(row.key).delete()
    shown = masking.mask_runs(masking.mask(row.key))
    call = f"{engine.module}.SessionStore('{shown}').delete()"
    done = "; ".join(removal(op) for op in recorder.operations if op.effect)
    if not done:
        # Django's delete() does nothing for a key it refuses (shorter than 8 characters):
        # no browser can load such a record either.
        return render_class(
            request,
            notice=(
                f"Nothing was deleted: {call} found nothing to delete under {shown}. Django "
                "treats a key shorter than 8 characters as no key at all, so no browser can "
                "load this record either."
            ),
        )
    live.mark_deleted_by_teacher(row.key)
    return render_class(
        request,
        notice=(
            f"Deleted the {row.engine} session {shown}: {call} did {done}. That student's next "
            "request finds no record under the key its browser sends: Django starts a new, "
            "empty session, and their page says the teacher deleted it."
        ),
    )


@require_POST
@staff_only
def clear_expired(request: HttpRequest) -> HttpResponse:
    lines = []
    for name in ("db", "file", "cache"):
        engine = ENGINES[name]
        recorder = Recorder()
        with recording(recorder):
            engine.session_store_class.clear_expired()
        lines.append(f"{name}: {engine.cleared_text(recorder.removed)}")
    live.session_changed()
    return render_class(
        request,
        notice=(
            "Ran SessionStore.clear_expired() of each engine that stores sessions (cached_db "
            "uses db's). " + " ".join(lines) + " signed_cookies: nothing is stored to clear."
        ),
    )


@require_POST
@staff_only
def start_fresh(request: HttpRequest) -> HttpResponse:
    lines = reset_sessions(keep=request.session.session_key).lines()
    live.everything_changed()
    return render_class(
        request,
        notice="Started fresh. "
        + " ".join(lines)
        + " Kept: your own session, the one you are logged in with.",
    )


def render_class(request: HttpRequest, *, notice: str = "", error: str = "") -> HttpResponse:
    """The class page, or for htmx its table alone: one path for both."""
    params = request.GET if request.method in ("GET", "HEAD") else request.POST
    asked = Asked.of(params)
    # The version first: a change after this moment makes the next poll draw again.
    version = live.class_version() or "unknown"
    result = listing.listing(asked.query, lambda: table_counts(version))
    now = time.time()
    until = now + REDRAW_EVERY
    if result.next_change is not None:
        until = min(until, result.next_change.timestamp() + 1)
    context = {
        "asked": asked,
        "query": asked.query,
        "listing": result,
        "rows_html": rows_html(result.rows),
        "notice": notice,
        "error": error,
        "signed_browsers": live.signed_cookie_browsers(),
        "signed_window": live.SIGNED_WINDOW // 60,
        "since": live.class_token(version, until, _cookie(request)),
        "now": timezone.now(),
        "sorts": listing.SORTS,
        "states": listing.STATES,
        "page_size": listing.PAGE_SIZE,
        "scan_budget": listing.SCAN_BUDGET,
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
    }
    name = f"{TEMPLATE}#table" if request.htmx else TEMPLATE
    response = HttpResponse(render_to_string(name, context, request=request))
    patch_vary_headers(response, ["HX-Request"])
    return response


def removal(operation: Operation) -> str:
    """One deletion, in a few words: the SQL verb and rows, the cache call, the file call."""
    if operation.kind == "sql":
        return f"{operation.verb} ({operation.result_text})"
    return f"{operation.kind} {operation.verb}"


def table_counts(version: str) -> StoreCount:
    """The table's counts, taken again once the stores changed and ``COUNT_EVERY`` seconds
    passed: never a COUNT of the whole table on every request."""
    cache = live.cache()
    name = "inspector:class:table-counts"
    try:
        kept = cache.get(name)
    except Exception:  # counting again is always possible
        kept = None
    now = timezone.now()
    if isinstance(kept, dict):
        age = (now - kept["at"]).total_seconds()
        if age < COUNT_EVERY or (kept["version"] == version and age < REDRAW_EVERY):
            return kept["counts"]
    counts = listing.count_table(now)
    counts.counted_at = now
    with contextlib.suppress(Exception):
        cache.set(name, {"version": version, "at": now, "counts": counts}, REDRAW_EVERY)
    return counts


def _cookie(request: HttpRequest) -> str | None:
    return request.COOKIES.get(settings.SESSION_COOKIE_NAME)
