from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString

from inspector import marks
from inspector.forms import EDIT_PREFIX, EditKeyForm
from inspector.inspection import KeyRow
from inspector.marks import Marks
from inspector.panels.base import Panel
from inspector.values import as_form_text, short_repr, value_type_of


@dataclass(frozen=True)
class ShownRow:
    row: KeyRow
    #: The row drawn; empty for the row being edited, which the panel draws with its form.
    html: str


#: Rows longer than this are drawn every time: 4,096 kept rows stay within a few MB.
KEPT_ROW_CHARACTERS = 400


def row_html(row: KeyRow) -> SafeString:
    """A key's row. Most rows are the same after an action, and a session's 25 rows would
    otherwise be most of the work of drawing the page: short ones are drawn once for all they
    show (not under DEBUG, where an edited template must show at once)."""
    size = len(row.key) + len(row.value_repr) + len(row.stored_repr)
    if settings.DEBUG or size > KEPT_ROW_CHARACTERS:
        return _draw_row(row)
    return _kept_row(row)


def _draw_row(row: KeyRow) -> SafeString:
    return get_template("inspector/panels/session.html#key_row").render({"row": row})


_kept_row = lru_cache(maxsize=4096)(_draw_row)


class SessionPanel(Panel):
    """Your session: request.session as Python holds it, and the forms that change it."""

    name = "session"
    title = "Your session"

    @property
    def changed(self) -> bool:
        report = self.report
        if report is None:
            return bool(self.page.context.get("marks"))
        return bool(report.key_changes or report.new_key)

    @cached_property
    def marks(self) -> str:
        """The rows' marks, signed, for Edit and Cancel: opening a row is not an action."""
        rows = self.snapshot.rows
        kept = Marks(
            {row.key: row.change for row in rows if row.change},
            [(row.key, row.value_repr, row.type_name) for row in rows if row.change == "removed"],
        )
        record = self.snapshot.record
        return marks.dumps(kept, record.raw if record else None) if kept else ""

    @cached_property
    def rows(self) -> list[ShownRow]:
        edit_key = self.edit_key if self.editing is not None else None
        return [
            ShownRow(row, "")
            if row.key == edit_key and row.change != "removed"
            else ShownRow(row, row_html(row))
            for row in self.snapshot.rows
        ]

    @cached_property
    def edit_key(self) -> str | None:
        context = self.page.context
        if context.get("editing") is not None:
            return context.get("editing_key")
        key = context.get("edit_key")
        return key if key is not None and self.edit_error == "" else None

    @cached_property
    def edit_error(self) -> str:
        key = self.page.context.get("edit_key")
        if key is None:
            return ""
        if key.startswith("_"):
            return f"{short_repr(key)} is Django's own key: it is read-only here."
        if key not in self.snapshot.data:
            return f"The session has no key {short_repr(key)} to edit."
        return ""

    @cached_property
    def editing(self) -> Any:
        """The Edit form: the one the view returned with its errors, or a new one."""
        if (form := self.page.context.get("editing")) is not None:
            return form
        if self.edit_key is None:
            return None
        value = self.snapshot.data[self.edit_key]
        return EditKeyForm(
            prefix=EDIT_PREFIX,
            session=self.snapshot.data,
            initial={
                "key": self.edit_key,
                "value": as_form_text(value),
                "type": value_type_of(value),
            },
        )
