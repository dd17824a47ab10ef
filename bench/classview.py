"""`make bench-class`: the class view against Django's admin, and what open pages cost.

A temporary SQLite database is filled with 100,000 sessions encoded by Django's own
SessionStore, and the app is started exactly as `make run` starts it (gunicorn, a process
per core plus one, DEBUG off), with bench.settings: the project's settings plus
django.contrib.admin, where Session is registered the usual way (a get_decoded() column).
A staff user logs in through Django's login page, then:

1. the class view's first page (whole, and the table alone as htmx asks for it) and the
   admin changelist of the same 50 rows are requested in turn, 50 rounds, with the class
   view sorted by last save and searched for information;
2. 200 students' pages and the teacher's class view stay open, each polling once a second,
   while nothing changes: what the server spends on them, against the same browsers
   polling a bare view that answers 204 (the yardstick) and against the server idle.

The figures are printed as markdown, and kept in the temporary folder as classview.md.
"""

from __future__ import annotations

import argparse
import html
import http.client
import http.cookies
import os
import random
import re
import signal
import statistics
import string
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from students import bench_env, free_port, keep_cookies, percentile, serve

BASE_DIR = Path(__file__).resolve().parent.parent
TEACHER = ("teacher", "bench-teacher-password")
NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Guido"]
PRODUCTS = ["book", "pen", "mug", "lamp", "cable", "mouse", "notebook", "sticker", "bag"]
LIVE = re.compile(r'<span id="live"[^>]*?hx-get="([^"]+)"')
CLASS_TABLE = re.compile(r'<section id="class-table"[^>]*?hx-get="([^"]+)"')
CLASS_ROW = re.compile(r'<tr id="row-[0-9a-f]{20}" data-ref="([0-9a-f]{20})"')
NEXT_LINK = re.compile(r'id="class-next" href="(\?[^"]+)"')
ADMIN_ROW = re.compile(r'<th class="field-session_key"><a href="[^"]*">([a-z0-9]{32})</a></th>')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# HTTP: one keep-alive connection and one cookie jar per browser, as a browser has.


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode()


class Browser:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                started = time.perf_counter()
                self.connection.request(method, path, body, sent)
                response = self.connection.getresponse()
                content = response.read()
                seconds = time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                # The server closed an idle keep-alive connection: a browser opens another.
                self.close()
                if attempt:
                    raise
                continue
            break
        if response.will_close:
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            keep_cookies(self.cookies, header)
        return Answer(response.status, content, seconds)

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, headers=headers)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


HTMX = {"HX-Request": "true"}


# The database: 100,000 sessions as Django's db engine writes them.


def fill(count: int, rng: random.Random) -> dict[str, int]:
    import datetime as dt

    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction
    from django.utils import timezone

    store = SessionStore()
    now = timezone.now()
    span = 14 * 24 * 3600 * 1_000_000
    # Microsecond-distinct expiries over the next 14 days; one in 50 over the last 14 days.
    offsets = rng.sample(range(1, span), count)
    alphabet = string.ascii_lowercase + string.digits
    keys: set[str] = set()
    rows = []
    expired = 0
    for number, offset in enumerate(offsets):
        key = "".join(rng.choices(alphabet, k=32))
        while key in keys:
            key = "".join(rng.choices(alphabet, k=32))
        keys.add(key)
        if number % 50 == 0:
            expires = now - dt.timedelta(microseconds=offset)
            expired += 1
        else:
            expires = now + dt.timedelta(microseconds=offset)
        rows.append(
            (
                key,
                store.encode(session_dict(rng)),
                connection.ops.adapt_datetimefield_value(expires),
            )
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO django_session (session_key, session_data, expire_date) "
            "VALUES (%s, %s, %s)",
            rows,
        )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"sessions": count, "expired": expired}


def session_dict(rng: random.Random) -> dict[str, object]:
    """What a small shop or course site keeps in a session."""
    data: dict[str, object] = {"name": rng.choice(NAMES)}
    if rng.random() < 0.6:
        data["cart"] = [
            {"item": rng.choice(PRODUCTS), "qty": rng.randint(1, 3)}
            for _ in range(rng.randint(1, 4))
        ]
    if rng.random() < 0.5:
        data["visits"] = rng.randint(1, 40)
    if rng.random() < 0.3:
        data["theme"] = rng.choice(["light", "dark"])
    if rng.random() < 0.2:
        data["lang"] = rng.choice(["en", "fr", "de", "nl"])
    return data


def prepare(workdir: Path, sessions: int, seed: int) -> tuple[dict[str, int], float]:
    """Migrate, fill the table, add the teacher; (what was stored, seconds it took)."""
    import django
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    stored = fill(sessions, random.Random(seed))
    get_user_model().objects.create_superuser(TEACHER[0], "", TEACHER[1])
    connection.close()
    return stored, time.perf_counter() - started


# What the server spends: its processes' CPU time, from /proc.


def server_cpu(group: int) -> tuple[float, float]:
    """CPU seconds (user, system) of the gunicorn processes in process group ``group``."""
    user = system = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # After the name: state ppid pgrp session ... utime (14th field) stime (15th).
        if int(fields[2]) == group and b"gunicorn" in cmdline:
            user += int(fields[11])
            system += int(fields[12])
    ticks = os.sysconf("SC_CLK_TCK")
    return user / ticks, system / ticks


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# Measurements.


@dataclass
class Timing:
    name: str
    times: list[float]
    sizes: list[int]
    statuses: Counter[int]

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return percentile(self.times, 0.95)

    @property
    def size(self) -> int:
        return round(statistics.median(self.sizes))


def timed(
    browser: Browser, plan: list[tuple[str, str, dict[str, str]]], count: int, warm: int
) -> list[Timing]:
    """Each request of ``plan`` in turn, ``count`` rounds: a busy moment of the machine
    slows all of them alike, not one."""
    timings = [Timing(name, [], [], Counter()) for name, _, _ in plan]
    for _ in range(warm):
        for _, path, headers in plan:
            browser.get(path, **headers)
    for _ in range(count):
        for timing, (_, path, headers) in zip(timings, plan, strict=True):
            answer = browser.get(path, **headers)
            timing.times.append(answer.seconds * 1000)
            timing.sizes.append(len(answer.body))
            timing.statuses[answer.status] += 1
    return timings


def log_in(port: int) -> Browser:
    teacher = Browser(port)
    page = teacher.get("/accounts/login/")
    token = CSRF_FIELD.search(page.text)
    data = {"username": TEACHER[0], "password": TEACHER[1]}
    data["csrfmiddlewaretoken"] = token.group(1) if token else ""
    answer = teacher.request("POST", "/accounts/login/", data)
    if answer.status != 302 or "sessionid" not in teacher.cookies:
        raise SystemExit(f"logging in failed: {answer.status} {answer.text[:300]}")
    return teacher


def same_rows(teacher: Browser) -> tuple[int, bool]:
    """(rows on both pages, whether the admin lists the class view's rows in its order)."""
    from inspector.listing import ref_of

    shown = CLASS_ROW.findall(teacher.get("/class/").text)
    admin = [ref_of(key) for key in ADMIN_ROW.findall(teacher.get("/admin/sessions/session/").text)]
    return len(shown), shown == admin and bool(shown)


def walk(teacher: Browser, count: int) -> list[Timing]:
    """The first ``count`` pages, each drawn for the first time: the class view following its
    Next link (a keyset), the admin by page number (an OFFSET)."""
    walked = Timing(
        "class view, pages 1 to N by Next (each drawn for the first time)", [], [], Counter()
    )
    path = "/class/"
    for _ in range(count):
        answer = teacher.get(path)
        walked.times.append(answer.seconds * 1000)
        walked.sizes.append(len(answer.body))
        walked.statuses[answer.status] += 1
        link = NEXT_LINK.search(answer.text)
        if link is None:
            break
        path = "/class/" + html.unescape(link.group(1))
    admin = Timing("admin changelist, pages 1 to N (`?p=`)", [], [], Counter())
    for number in range(1, len(walked.times) + 1):
        answer = teacher.get(f"/admin/sessions/session/?p={number}")
        admin.times.append(answer.seconds * 1000)
        admin.sizes.append(len(answer.body))
        admin.statuses[answer.status] += 1
    return [walked, admin]


# Open pages, polling.


@dataclass
class Poller:
    browser: Browser
    path: str
    teacher: bool = False
    samples: list[tuple[float, int]] = field(default_factory=list)

    def poll(self) -> None:
        answer = self.browser.get(self.path, **HTMX)
        self.samples.append((answer.seconds * 1000, answer.status))
        if answer.status == 200:
            # Drawn again (the class view does so every 30 s): go on with the new token.
            found = (CLASS_TABLE if self.teacher else LIVE).search(answer.text)
            if found:
                self.path = html.unescape(found.group(1))


def open_student_page(port: int, number: int) -> Poller:
    """A student's browser: load the page, add a key as the Add form does, keep the page."""
    browser = Browser(port)
    browser.get("/")
    data = {"key": "name", "value": f"student {number}", "type": "text"}
    headers = {"X-CSRFToken": browser.cookies.get("csrftoken", ""), **HTMX}
    answer = browser.request("POST", "/session/add", data, headers)
    found = LIVE.search(answer.text) if answer.status == 200 else None
    if found is None:
        found = LIVE.search(browser.get("/").text)
    if found is None or "sessionid" not in browser.cookies:
        raise SystemExit(f"student {number}: no session or no live token ({answer.status})")
    return Poller(browser, html.unescape(found.group(1)))


def open_class_page(teacher: Browser) -> Poller:
    found = CLASS_TABLE.search(teacher.get("/class/").text)
    if found is None:
        raise SystemExit("the class view has no polling table")
    return Poller(teacher, html.unescape(found.group(1)), teacher=True)


@dataclass
class Load:
    name: str
    seconds: float
    cpu_user: float
    cpu_system: float
    client_cpu: float
    samples: list[tuple[float, int]]

    @property
    def cpu(self) -> float:
        return self.cpu_user + self.cpu_system

    @property
    def polls_per_second(self) -> float:
        return len(self.samples) / self.seconds

    @property
    def core_share(self) -> float:
        return 100 * self.cpu / self.seconds

    def latency(self, share: float) -> float:
        times = [ms for ms, _ in self.samples]
        return percentile(times, share) if times else 0.0

    @property
    def statuses(self) -> str:
        counted = Counter(status for _, status in self.samples)
        return ", ".join(f"{status}: {number:,}" for status, number in sorted(counted.items()))

    def beyond(self, idle: Load) -> tuple[float, float]:
        """(% of one core above ``idle``, ms of server CPU a poll above idle)."""
        extra = self.cpu - idle.cpu * self.seconds / idle.seconds
        return 100 * extra / self.seconds, 1000 * extra / max(1, len(self.samples))


def poll_for(name: str, pollers: list[Poller], seconds: float, group: int) -> Load:
    """Every poller asks once a second, their turns spread evenly over the second."""
    start = time.monotonic() + 0.5
    end = start + seconds

    def run(poller: Poller, offset: float) -> None:
        due = start + offset
        while due < end:
            time.sleep(max(0.0, due - time.monotonic()))
            poller.poll()
            due = max(due + 1.0, time.monotonic())

    threads = [
        threading.Thread(target=run, args=(poller, n / len(pollers)), daemon=True)
        for n, poller in enumerate(pollers)
    ]
    time.sleep(max(0.0, start - time.monotonic()))
    (user, system), client_cpu, began = server_cpu(group), time.process_time(), time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(max(0.0, end - time.monotonic()))
    elapsed = time.monotonic() - began
    user_after, system_after = server_cpu(group)
    return Load(
        name,
        elapsed,
        user_after - user,
        system_after - system,
        time.process_time() - client_cpu,
        [sample for poller in pollers for sample in poller.samples],
    )


# The report.


def report(
    timings: list[Timing],
    loads: list[Load],
    rows: int,
    same: bool,
    stored: dict[str, int],
    notes: dict[str, str],
) -> str:
    first, partial, admin = timings[:3]
    walked, walked_admin = timings[-2:]
    ratio = admin.p50 / first.p50
    lines = [
        f"### Class view and Django's admin, {stored['sessions']:,} sessions on SQLite "
        f"({stored['expired']:,} expired); {len(first.times)} rounds, the requests in turn",
        "",
        "| request | p50 (ms) | p95 (ms) | bytes | statuses |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for timing in timings:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(timing.statuses.items()))
        lines.append(
            f"| {timing.name} | {timing.p50:.1f} | {timing.p95:.1f} | {timing.size:,} "
            f"| {statuses} |"
        )
    lines += [
        "",
        f"- Same rows: the class view shows {rows} rows a page, so the admin's list_per_page is "
        f"{rows} here (its default is 100), ordered as the class view is (expiry, latest "
        "first); "
        + (
            "both pages list the same sessions in the same order."
            if same
            else "**the two pages do NOT list the same sessions in the same order.**"
        ),
        f"- p50 ratio, admin / class view first page: **{ratio:.1f}x** (admin / table partial: "
        f"{admin.p50 / partial.p50:.1f}x). Goal at least 5x: "
        + ("met." if ratio >= 5 else "**not met**."),
        f"- Class view first page p50: **{first.p50:.1f} ms**. Goal under 50 ms: "
        + ("met." if first.p50 < 50 else "**not met**."),
        f"- Pages drawn for the first time (nothing of them cached), p50: class view "
        f"{walked.p50:.1f} ms, admin {walked_admin.p50:.1f} ms: "
        f"**{walked_admin.p50 / walked.p50:.1f}x**. The class view keeps rows it drew "
        "(decoded and as HTML) while they are unchanged; a redraw draws only what changed.",
        "",
        "### Open pages polling once a second while nothing changes",
        "",
        "| load | seconds | polls | polls/s | p50 (ms) | p99 (ms) | statuses "
        "| server CPU, user + system (s) | % of one core | above idle, per poll (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    idle = loads[-1]
    for load in loads:
        share, per_poll = load.beyond(idle)
        extra = "-" if load is idle else f"{per_poll:.2f}"
        lines.append(
            f"| {load.name} | {load.seconds:.1f} | {len(load.samples):,} "
            f"| {load.polls_per_second:.1f} | {load.latency(0.5):.1f} | {load.latency(0.99):.1f} "
            f"| {load.statuses or '-'} | {load.cpu_user:.2f} + {load.cpu_system:.2f} "
            f"| {load.core_share:.1f} % | {extra} |"
        )
    busy = loads[0]
    share, per_poll = busy.beyond(idle)
    lines += [
        "",
        f"- The open pages ({notes['pages']}) add **{share:.1f} % of one core** to the server "
        f"({per_poll:.2f} ms of CPU a poll). Server CPU is the gunicorn master's and workers' "
        "user + system time from /proc/PID/stat; the load generator, on the same machine, "
        f"used {100 * busy.client_cpu / busy.seconds:.1f} % of a core itself.",
        "- Yardstick: the same browsers polling a bare view that answers 204 "
        "(bench/urls.py), through the same middleware and gunicorn.",
        "- The class view's poll token is renewed at least every 30 s, so its poller gets a "
        "200 about that often; every student poll is a 204 while nothing changes.",
        "",
        f"Set-up: {stored['sessions']:,} sessions encoded with SessionStore().encode() and "
        f"inserted in {notes['fill']} (migrations included). Server: `make run` with "
        "DJANGO_SETTINGS_MODULE=bench.settings (gunicorn as config/gunicorn.py says, DEBUG off; "
        "the project's settings plus django.contrib.admin and messages). "
        f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, load generator and "
        f"server on the same machine; load average {notes['load_before']} before the run, "
        f"{notes['load_after']} after.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--pages", type=int, default=200, help="open student pages polling")
    parser.add_argument("--seconds", type=float, default=30, help="length of each polling run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="inspector-bench-class-"))
    env = bench_env(workdir, DJANGO_SETTINGS_MODULE="bench.settings")
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    load_before = load_average()

    print(f"Filling {args.sessions:,} sessions in {workdir} ...", flush=True)
    stored, fill_seconds = prepare(workdir, args.sessions, args.seed)

    port = free_port()
    server = serve(workdir, env, port)
    try:
        teacher = log_in(port)
        print("Timing the class view and the admin ...", flush=True)
        rows, same = same_rows(teacher)
        plan = [
            ("class view, first page (`GET /class/`)", "/class/", {}),
            ("class view, table partial (htmx)", "/class/", HTMX),
            ("admin changelist, get_decoded() column", "/admin/sessions/session/", {}),
            ("class view, sorted by last save", "/class/?sort=-saved", {}),
            ("class view, search `cart`", "/class/?q=cart", {}),
        ]
        timings = timed(teacher, plan, args.requests, args.warmup)
        timings += walk(teacher, args.requests)

        print(f"Opening {args.pages} student pages ...", flush=True)
        with ThreadPoolExecutor(8) as pool:
            pollers = list(pool.map(lambda n: open_student_page(port, n), range(args.pages)))
        pollers.append(open_class_page(teacher))
        print(f"Polling: open pages, a yardstick, idle; {args.seconds:.0f} s each ...", flush=True)
        pages = f"{args.pages} student pages + 1 class view"
        busy = poll_for(pages, pollers, args.seconds, server.pid)
        bare = [Poller(poller.browser, "/bench/nothing") for poller in pollers]
        yardstick = poll_for(
            f"yardstick: {len(bare)} polls of a bare 204 view", bare, args.seconds, server.pid
        )
        idle = poll_for("idle, no page open", [], args.seconds, server.pid)
        for poller in pollers:
            poller.browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    notes = {
        "pages": pages,
        "fill": f"{fill_seconds:.1f} s",
        "load_before": load_before,
        "load_after": load_average(),
    }
    text = report(timings, [busy, yardstick, idle], rows, same, stored, notes)
    print()
    print(text)
    (workdir / "classview.md").write_text(text + "\n")
    student_statuses = {status for poller in pollers[:-1] for _, status in poller.samples}
    failed = not same or any(set(timing.statuses) != {200} for timing in timings)
    return 1 if failed or student_statuses != {204} else 0


if __name__ == "__main__":
    raise SystemExit(main())
