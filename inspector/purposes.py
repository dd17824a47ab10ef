"""What each storage operation is for, in a sentence a class can follow.

Keyed by the SessionStore method the operation ran in and what it did; the
sentences describe Django 5.2's own backends (django/contrib/sessions/backends).
"""

from __future__ import annotations

#: (step, kind, verb) -> sentence. A step of "*" matches any method.
PURPOSES: dict[tuple[str, str, str], str] = {
    # db and cached_db: the django_session table.
    ("load", "sql", "SELECT"): "fetch the row the cookie names, only if its expire_date is "
    "still ahead; then decode its session_data",
    ("exists", "sql", "SELECT"): "is the new random key already taken?",
    ("create_save", "sql", "INSERT"): "store the session under the new key; a taken key "
    "fails here (CreateError) and create() tries another",
    ("save", "sql", "UPDATE"): "write the whole session dict and its expire_date; "
    "no row updated would mean the session was deleted meanwhile (SessionInterrupted)",
    ("delete", "sql", "SELECT"): "find the row to delete (Model.objects.get)",
    ("delete", "sql", "DELETE"): "delete the row",
    ("clear_expired", "sql", "DELETE"): "delete every row whose expire_date has passed",
    ("save", "transaction", "BEGIN"): "its transaction.atomic() starts the write transaction",
    ("create_save", "transaction", "BEGIN"): "its transaction.atomic() starts the write "
    "transaction",
    ("clear_expired", "transaction", "BEGIN"): "QuerySet.delete() runs in "
    "transaction.atomic(): start the transaction",
    ("*", "transaction", "BEGIN"): "transaction.atomic(): start the transaction",
    ("*", "transaction", "set_autocommit"): "transaction.atomic(): start the transaction "
    "(the driver sends BEGIN with the next statement)",
    ("*", "transaction", "COMMIT"): "transaction.atomic() ends: commit",
    ("*", "transaction", "ROLLBACK"): "transaction.atomic() ends with an error: roll back",
    ("*", "transaction", "SAVEPOINT"): "transaction.atomic() inside an outer transaction "
    "uses a savepoint instead of BEGIN",
    ("*", "transaction", "RELEASE"): "the savepoint's work is kept (it commits with the outer "
    "transaction)",
    # cache and cached_db: the cache entry.
    ("load", "cache", "get"): "read the session dict from the cache",
    ("load", "cache", "set"): "the cache had lost it: put the row's data back in the cache, "
    "with the time left as its timeout",
    ("exists", "cache", "has_key"): "is the new random key already taken?",
    ("create_save", "cache", "add"): "store under the new key, only if no entry has it; "
    "False would mean it is taken and create() tries another",
    ("create_save", "cache", "set"): "write the new session through to the cache",
    ("save", "cache", "get"): "the entry must still exist before it is replaced "
    "(UpdateError otherwise)",
    ("save", "cache", "set"): "write the whole session dict, with the expiry age as timeout",
    ("delete", "cache", "delete"): "remove the cache entry",
    # file: one file per session.
    ("load", "file", "open"): "open the session file",
    ("load", "file", "read"): "read the signed data it holds",
    ("load", "file", "os.stat"): "its modification time + SESSION_COOKIE_AGE is when it expires",
    ("exists", "file", "os.path.exists"): "is there already a file for the new random key?",
    ("create_save", "file", "os.open"): "create the file, empty; O_EXCL fails if it exists "
    "(CreateError) and create() tries another key",
    ("save", "file", "os.open"): "the file must still exist (no O_CREAT): UpdateError otherwise",
    ("*", "file", "tempfile.mkstemp"): "a temporary file beside it",
    ("*", "file", "os.write"): "write the signed session data to the temporary file",
    ("*", "file", "shutil.move"): "rename the temporary file over the session file: a "
    "reader never sees a half-written file",
    ("save", "file", "os.unlink"): "the rename failed: remove the temporary file",
    ("create_save", "file", "os.unlink"): "the rename failed: remove the temporary file",
    ("*", "file", "os.unlink"): "delete the file",
    ("clear_expired", "file", "os.listdir"): "list the session files; each is then loaded, "
    "which deletes it if it has expired",
    # signed_cookies: the cookie is the store.
    ("load", "signing", "signing.loads"): "check the signature and that it was signed less "
    "than SESSION_COOKIE_AGE ago (not the session's own expiry: ticket #19201), then decode",
    ("save", "signing", "signing.dumps"): "sign the whole session dict: the result is the new "
    "cookie value (its 'session key')",
    ("*", "cookie", "Set-Cookie"): "the cookie carries the whole session to the browser",
    ("*", "cookie", "delete"): "the session is empty: the browser is told to drop the cookie",
}

STEP_PURPOSE = {
    "load": "load the session",
    "exists": "check a key",
    "create_save": "create the session",
    "save": "save the session",
    "delete": "delete the session",
    "clear_expired": "clear expired sessions",
}


def purpose_of(kind: str, verb: str, step: str) -> str:
    # create() saves through save(must_create=True); an inner delete() or load() keeps
    # its own sentences wherever it was called from.
    return (
        PURPOSES.get((step, kind, verb))
        or PURPOSES.get(("*", kind, verb))
        or STEP_PURPOSE.get(step, "")
    )
