"""The class view's table rows, built in Python: fifty rows of nine cells cost about 10 ms
through the template engine and well under 1 ms here, and a live table is drawn often."""

from __future__ import annotations

import datetime as dt
from html import escape

from django.utils.safestring import SafeString, mark_safe

from inspector.links import url_of
from inspector.listing import Listed
from inspector.masking import mask, mask_runs


def moment(when: dt.datetime | None, missing: str) -> str:
    if when is None:
        return f'<span class="dim">{escape(missing)}</span>'
    return f'<time datetime="{when.isoformat()}">{when:%b} {when.day}, {when:%H:%M:%S}</time>'


def row_name(row: Listed) -> str:
    """What a row's buttons send: its store, the key's ends (as shown) and a digest."""
    # A key of 16 characters or fewer (written past Django) would be half shown by its ends:
    # then the first four and the digest name it.
    last = row.key[-4:] if len(row.key) > 16 else ""
    ends = (row.key[:4].encode().hex(), last.encode().hex())
    return f"{row.store}:{ends[0]}:{ends[1]}:{row.ref}"


def rows_html(rows: list[Listed]) -> SafeString:
    urls = (url_of("class-record"), url_of("class-delete"))
    # Every value in a row is escaped, or made here from digests, numbers and fixed words.
    return mark_safe("\n".join(row_html(row, urls) for row in rows))


#: Rows as drawn, by the row's digest and what it shows: a live table is drawn again each
#: time anything changes, mostly from the same rows. Cleared when full (dict reads and
#: writes are atomic). Its keys hold digests, not stored values.
_DRAWN: dict[tuple[object, ...], str] = {}
DRAWN_MAX = 1024


def row_html(row: Listed, urls: tuple[str, str]) -> str:
    """A row as it is drawn; drawn again only when what it shows changed."""
    if row.record.raw.startswith("(not printed"):
        # A value too deep to print stands for any such value: nothing to key a drawing on.
        return _draw(row, *urls)
    shows = (row.ref, row.sig, row.store, row.state_now, row.engine, row.cached, row.size, urls)
    html = _DRAWN.get(shows)
    if html is None:
        if len(_DRAWN) >= DRAWN_MAX:
            _DRAWN.clear()
        html = _DRAWN[shows] = _draw(row, *urls)
    return html


def _draw(row: Listed, record_url: str, delete_url: str) -> str:
    store, key, expires_at, state = row.store, row.key, row.expires_at, row.state_now
    name = row_name(row)
    shown = escape(mask_runs(mask(key)))
    names = [mask_runs(name) for name in row.key_names]
    saved_missing = "not kept" if store == "cache" else "unreadable"
    return (
        f'<tr id="row-{row.ref}" data-ref="{row.ref}" data-sig="{row.sig}" class="state-{state}">'
        f"<td><code>{shown}</code></td>"
        f'<td><span class="engine">{row.engine}</span>'
        + (' <span class="dim small">row and cache entry</span>' if row.cached else "")
        + "</td>"
        f"<td>{len(names)}"
        + (
            f' <span class="dim small key-names">{escape(_short(", ".join(names), 60))}</span>'
            if names
            else ""
        )
        + "</td>"
        f'<td class="preview"><details hx-get="{record_url}?row={name}" '
        'hx-trigger="toggle once" hx-target="find .full" hx-swap="innerHTML">'
        f"<summary><code>{escape(mask_runs(row.preview))}</code></summary>"
        f'<div class="full"><a href="{record_url}?row={name}">The whole record</a></div>'
        "</details></td>"
        f'<td class="number">{row.size:,} B</td>'
        f"<td>{moment(row.saved_at, saved_missing)}</td>"
        f"<td>{moment(expires_at, 'never on the server')}</td>"
        f'<td><span class="state state-{state}">{state}</span></td>'
        f'<td><button type="submit" form="class-delete" name="row" value="{name}" '
        f'class="danger" hx-post="{delete_url}" hx-target="#class-table" '
        'hx-swap="outerHTML" hx-include="#class-delete, #class-filter" '
        f'aria-label="Delete session {shown}">Delete</button></td></tr>'
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
