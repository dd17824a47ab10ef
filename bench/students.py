"""`make bench`: a class of 200 simulated students against `make run`, on SQLite, no Redis.

Each student is a browser: its own cookies, a connection for its clicks and one for its
page's poll (kept alive where the server keeps it; `make run` closes it after each answer, and
the browser opens another), which asks every second whether the session changed elsewhere
(the page's own ``hx-get``). Students click the page's buttons (load, add, edit, delete,
flush, switch engine, a lesson's step) with a pause after each answer, at three paces: one
click every 5, 2 and 1 seconds. A teacher's class view is open throughout and polls too. Then
all students click Add within the same second, twice. After each, the same students at the
same pace post the same session write to a bare Django view (``inspector.baseline``), which
the inspector's show callback leaves to Django's own SessionMiddleware: the yardstick.

Afterwards every student's stored session is read from the store itself and compared with
what its clicks imply. Last, pairs of tabs on one session write at once (last writer wins).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gzip
import json
import os
import pickle
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
ENGINES = ["db", "cached_db", "cache", "file", "signed_cookies"]
ACTIONS = {
    "load": 15,
    "add": 35,
    "edit": 15,
    "delete": 10,
    "flush": 5,
    "engine": 10,
    "lesson": 10,
}
#: Seconds between a student's clicks, on average: reading the page, typing a key and value.
PACES = (5.0, 2.0, 1.0)
LESSON_KEYS = {"first_name": "Sonam", "last_name": "Wangmo"}
SECRET_KEY = "bench-secret-key-" + "x" * 50
TEACHER = ("teacher", "bench-teacher-password-1")
LIVE = re.compile(rb'id="live"[^>]*hx-get="([^"]+)"')
CLASS_POLL = re.compile(rb'hx-get="([^"]*since=[^"]+)"')


@dataclass
class Sample:
    action: str
    engine: str
    ms: float
    ok: bool
    retried: bool = False


class Connection:
    """One HTTP/1.1 connection, as a browser holds it: kept alive, unless the server says
    ``Connection: close`` (then the next request opens another)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def exchange(self, raw: bytes) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        """Send ``raw``; (status, headers, body, whether the connection had to be made again).

        Like a browser, a request on a kept-alive connection the server had closed meanwhile
        is sent once more on a new one: it never reached a view."""
        reused = self.writer is not None
        if not reused:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            return (*await self._send(raw), False)
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            await self.close()
            if not reused or (isinstance(error, asyncio.IncompleteReadError) and error.partial):
                raise
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return (*await self._send(raw), True)

    async def _send(self, raw: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        assert self.reader is not None
        assert self.writer is not None
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = [
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        ]
        found = dict(headers)
        if status in (204, 304):
            body = b""
        elif "content-length" in found:
            body = await self.reader.readexactly(int(found["content-length"]))
        elif found.get("transfer-encoding") == "chunked":
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                body += await self.reader.readexactly(size + 2)
                body = body[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            body = await self.reader.read()
        if found.get("connection", "").lower() == "close":
            await self.close()
        return status, headers, body


class Browser:
    """Cookies, and the connections a page uses: one for clicks, one for its poll."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.clicks = Connection(port)
        self.polls = Connection(port)

    async def close(self) -> None:
        await self.clicks.close()
        await self.polls.close()

    async def request(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        htmx: bool = True,
        connection: Connection | None = None,
    ) -> tuple[int, bytes, float, bool]:
        """(status, body, milliseconds, whether it was sent again); status 0 for no answer."""
        method = "GET" if data is None else "POST"
        headers = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        if self.cookies:
            headers.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if htmx:
            headers.append("HX-Request: true")
        body = b""
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers += [
                f"X-CSRFToken: {self.cookies.get('csrftoken', '')}",
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        raw = ("\r\n".join(headers) + "\r\n\r\n").encode() + body
        started = time.perf_counter()
        try:
            status, got, content, retried = await (connection or self.clicks).exchange(raw)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await (connection or self.clicks).close()
            return 0, b"", (time.perf_counter() - started) * 1000, False
        ms = (time.perf_counter() - started) * 1000
        for name, value in got:
            if name == "set-cookie":
                keep_cookies(self.cookies, value)
        return status, content, ms, retried


def keep_cookies(cookies: dict[str, str], header: str) -> None:
    """What a browser does with a Set-Cookie header: keep the cookie, or drop a deleted one."""
    for name, morsel in SimpleCookie(header).items():
        if morsel["max-age"] == "0" or not morsel.value:
            cookies.pop(name, None)
        else:
            cookies[name] = morsel.coded_value


@dataclass
class Student:
    number: int
    browser: Browser
    rng: random.Random
    samples: list[Sample] = field(default_factory=list)
    expected: dict[str, Any] = field(default_factory=dict)
    engine: str = "db"
    serial: int = 0
    live: str = ""

    async def click(self, action: str, path: str, data: dict[str, str] | None = None) -> None:
        status, body, ms, retried = await self.browser.request(path, data)
        self.samples.append(Sample(action, self.engine, ms, 200 <= status < 400, retried))
        if found := LIVE.search(body):
            self.live = found.group(1).decode().replace("&amp;", "&")

    async def load(self) -> None:
        await self.click("load", "/")

    async def add(self) -> None:
        if len(self.expected) >= 20:
            return await self.edit()
        self.serial += 1
        key = f"s{self.number}-k{self.serial}"
        value: Any = self.rng.choice([f"v{self.serial}", self.serial, [self.serial, "x"]])
        kind = {str: "text", int: "number", list: "list"}[type(value)]
        text = value if kind == "text" else json.dumps(value)
        await self.click("add", "/session/add", {"key": key, "value": text, "type": kind})
        self.expected[key] = value
        return None

    async def edit(self) -> None:
        own = sorted(key for key in self.expected if key not in LESSON_KEYS)
        if not own:
            return await self.add()
        key = self.rng.choice(own)
        value = f"edited{self.serial}"
        data = {"edit-key": key, "edit-value": value, "edit-type": "text"}
        await self.click("edit", "/session/edit", data)
        self.expected[key] = value
        return None

    async def delete(self) -> None:
        if not self.expected:
            return await self.add()
        key = self.rng.choice(sorted(self.expected))
        await self.click("delete", "/session/delete", {"key": key})
        del self.expected[key]
        return None

    async def flush(self) -> None:
        await self.click("flush", "/session/flush", {})
        self.expected = {}

    async def switch(self) -> None:
        self.engine = self.rng.choice([name for name in ENGINES if name != self.engine])
        await self.click("engine", "/engine", {"engine": self.engine})

    async def lesson(self) -> None:
        """The first lesson's steps: store the names, or delete them."""
        if LESSON_KEYS.keys() <= self.expected.keys():
            await self.click("lesson", "/lessons/delete/")
            for key in LESSON_KEYS:
                self.expected.pop(key, None)
        else:
            await self.click("lesson", "/lessons/set/")
            self.expected |= LESSON_KEYS

    async def act(self, action: str) -> None:
        await getattr(self, {"engine": "switch"}.get(action, action))()

    async def baseline(self) -> None:
        self.serial += 1
        data = {"key": f"bare-k{self.serial % 20}", "value": f"v{self.serial}"}
        status, _, ms, retried = await self.browser.request("/bench/baseline", data, htmx=False)
        self.samples.append(Sample("baseline", "db", ms, 200 <= status < 400, retried))

    async def poll(self, until: float) -> None:
        """The page's poll, once a second, on a connection of its own."""
        await asyncio.sleep(self.rng.uniform(0, 1))
        while time.monotonic() < until:
            if self.live:
                status, _, ms, retried = await self.browser.request(
                    self.live, connection=self.browser.polls
                )
                self.samples.append(Sample("poll", self.engine, ms, status in (200, 204), retried))
            await asyncio.sleep(1)


@dataclass
class Teacher:
    browser: Browser
    samples: list[Sample] = field(default_factory=list)
    poll_path: str = "/class/"

    async def log_in(self) -> None:
        await self.browser.request("/accounts/login/", htmx=False)
        data = {"username": TEACHER[0], "password": TEACHER[1], "next": "/class/"}
        await self.browser.request("/accounts/login/", data, htmx=False)
        status, body, _, _ = await self.browser.request("/class/", htmx=False)
        if status != 200 or not (found := CLASS_POLL.search(body)):
            raise SystemExit(f"the teacher could not open the class view ({status})")
        self.poll_path = found.group(1).decode().replace("&amp;", "&")

    async def poll(self, until: float) -> None:
        while time.monotonic() < until:
            status, body, ms, retried = await self.browser.request(
                self.poll_path, connection=self.browser.polls
            )
            self.samples.append(Sample("class poll", "", ms, status in (200, 204), retried))
            if found := CLASS_POLL.search(body):
                self.poll_path = found.group(1).decode().replace("&amp;", "&")
            await asyncio.sleep(1)


async def pace_phase(
    students: list[Student], pace: float, seconds: float, teacher: Teacher | None, bare: bool
) -> list[Sample]:
    """Every student clicks for ``seconds``, pausing ``pace`` seconds on average after each
    answer; the samples taken."""
    until = time.monotonic() + seconds
    names, weights = zip(*ACTIONS.items(), strict=True)
    for student in students:
        student.samples = []

    async def life(student: Student) -> None:
        await asyncio.sleep(student.rng.uniform(0, pace))  # students do not click in unison
        while time.monotonic() < until:
            if bare:
                await student.baseline()
            else:
                await student.act(student.rng.choices(names, weights)[0])
            await asyncio.sleep(student.rng.uniform(0.5 * pace, 1.5 * pace))

    tasks = [life(student) for student in students]
    if not bare:
        tasks += [student.poll(until) for student in students]
        if teacher is not None:
            teacher.samples = []
            tasks.append(teacher.poll(until))
    await asyncio.gather(*tasks)
    found = [sample for student in students for sample in student.samples]
    return found + (teacher.samples if teacher is not None and not bare else [])


async def burst_phase(
    students: list[Student], bursts: int, teacher: Teacher | None, bare: bool
) -> list[Sample]:
    """All students click Add (or the bare write) within the same second, ``bursts`` times."""
    for student in students:
        student.samples = []
    until = time.monotonic() + bursts * 4
    polls = [] if bare else [student.poll(until) for student in students]
    if teacher is not None and not bare:
        teacher.samples = []
        polls.append(teacher.poll(until))

    async def clicks() -> None:
        for _ in range(bursts):

            async def click(student: Student) -> None:
                await asyncio.sleep(student.rng.uniform(0, 1))
                await (student.baseline() if bare else student.add())

            await asyncio.gather(*(click(student) for student in students))
            await asyncio.sleep(3)

    await asyncio.gather(clicks(), *polls)
    found = [sample for student in students for sample in student.samples]
    return found + (teacher.samples if teacher is not None and not bare else [])


# Reading back what is stored, from the stores themselves.


def stored_session(student: Student, workdir: Path) -> dict[str, Any] | None:
    from inspector.decoding import DB_SALT, SIGNED_COOKIES_SALT, decode

    key = student.browser.cookies.get("sessionid")
    if key is None:
        return {}
    database = workdir / "db.sqlite3"
    if student.engine in {"db", "cached_db"}:
        with sqlite3.connect(database) as connection:
            row = connection.execute(
                "SELECT session_data FROM django_session WHERE session_key = ?", (key,)
            ).fetchone()
        return None if row is None else decode(row[0], DB_SALT).data
    if student.engine == "file":
        path = workdir / "sessions" / f"sessionid{key}"
        return decode(path.read_text(), DB_SALT).data if path.exists() else None
    if student.engine == "signed_cookies":
        return decode(key, SIGNED_COOKIES_SALT).data
    # The cache engine: Django's database cache, a pickled dict in its own table.
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT value FROM django_cache WHERE cache_key = ?",
            (":1:django.contrib.sessions.cache" + key,),
        ).fetchone()
    return None if row is None else pickle.loads(base64.b64decode(row[0]))


def verify(students: list[Student], workdir: Path) -> tuple[int, int]:
    """(students whose stored session differs from their clicks, keys of another found)."""
    wrong = foreign = 0
    for student in students:
        stored = stored_session(student, workdir) or {}
        wrong += stored != student.expected
        foreign += sum(
            not key.startswith(f"s{student.number}-") and key not in LESSON_KEYS for key in stored
        )
    return wrong, foreign


async def two_tabs(port: int, workdir: Path, pairs: int, writes: int) -> dict[str, int]:
    """Two tabs of one browser write different keys at once: whole-dict saves, last wins."""
    from inspector.decoding import DB_SALT, decode

    lost = failed = corrupt = 0
    for _ in range(pairs):
        browser = Browser(port)
        await browser.request("/")
        await browser.request("/session/add", {"key": "start", "value": "1", "type": "text"})
        tabs = [browser.clicks, Connection(port)]

        async def tab(name: str, connection: Connection, browser: Browser = browser) -> int:
            errors = 0
            for number in range(writes):
                data = {"key": f"{name}{number}", "value": "x", "type": "text"}
                status, *_ = await browser.request("/session/add", data, connection=connection)
                errors += not 200 <= status < 400
            return errors

        failed += sum(await asyncio.gather(tab("a", tabs[0]), tab("b", tabs[1])))
        await tabs[1].close()
        await browser.close()
        with sqlite3.connect(workdir / "db.sqlite3") as connection:
            row = connection.execute(
                "SELECT session_data FROM django_session WHERE session_key = ?",
                (browser.cookies.get("sessionid"),),
            ).fetchone()
        data = decode(row[0], DB_SALT).data if row else None
        if data is None:
            corrupt += 1
            continue
        lost += 2 * writes - sum(1 for key in data if key != "start")
    return {
        "pairs": pairs,
        "writes": 2 * writes * pairs,
        "lost": lost,
        "failed": failed,
        "corrupt": corrupt,
    }


def page_weight(base: str) -> dict[str, int]:
    page = urllib.request.urlopen(base + "/").read()
    weight = {
        "html": len(page),
        "html_gzip": len(gzip.compress(page)),
        "assets": 0,
        "assets_gzip": 0,
    }
    for path in re.findall(rb'(?:href|src)="(/static/[^"]+)"', page):
        url = base + path.decode()
        raw = urllib.request.urlopen(url).read()
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            weight["assets"] += len(raw)
            weight["assets_gzip"] += len(response.read())
    weight["total"] = weight["html"] + weight["assets"]
    weight["total_gzip"] = weight["html_gzip"] + weight["assets_gzip"]
    return weight


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The server's environment: everything in ``workdir``, SQLite, no Redis, a fixed key."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_SESSION_FILE_PATH": str(workdir / "sessions"),
        **extra,
    }
    for name in ("REDIS_URL", "DJANGO_DEBUG", "DJANGO_BENCH_BASELINE"):
        if name not in extra:
            env.pop(name, None)
    return env


def serve(workdir: Path, env: dict[str, str], port: int, *make: str) -> subprocess.Popen[bytes]:
    """`make run`, exactly as a teacher runs it (``make`` adds to its command line)."""
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={port}", *make],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    raise SystemExit(f"make run did not start: see {workdir / 'serve.log'}")


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


@dataclass
class Stats:
    requests: int
    errors: int
    retried: int
    p50: float
    p99: float

    @classmethod
    def of(cls, samples: list[Sample]) -> Stats:
        times = [sample.ms for sample in samples]
        return cls(
            len(samples),
            sum(not sample.ok for sample in samples),
            sum(sample.retried for sample in samples),
            percentile(times, 0.50),
            percentile(times, 0.99),
        )

    def __str__(self) -> str:
        return f"{self.p50:.1f} / {self.p99:.1f}"


@dataclass
class Row:
    name: str
    seconds: float
    inspector: list[Sample]
    bare: list[Sample]
    #: CPU seconds the simulated class itself used while it clicked the inspector.
    client_cpu: float = 0.0

    def of(self, *actions: str) -> Stats:
        return Stats.of([sample for sample in self.inspector if sample.action in actions])

    @property
    def clicks(self) -> list[Sample]:
        return [sample for sample in self.inspector if "poll" not in sample.action]

    @property
    def ratio(self) -> float:
        bare = Stats.of(self.bare).p50
        return self.of("add").p50 / bare if bare else float("nan")

    def line(self) -> str:
        clicks, bare = Stats.of(self.clicks), Stats.of(self.bare)
        errors = sum(not sample.ok for sample in self.inspector + self.bare)
        retried = sum(sample.retried for sample in self.inspector + self.bare)
        rate = len(self.clicks) / self.seconds
        return (
            f"| {self.name} | {rate:.0f}/s | {self.of('add')} | {clicks} | "
            f"{self.of('poll')} | {errors} ({retried}) | {bare} | {self.ratio:.2f} |"
        )


HEADER = (
    "| students' pace | clicks | inspector add p50 / p99 (ms) | every click p50 / p99 | "
    "page polls p50 / p99 | errors (sent again) | bare view p50 / p99 | add p50 / bare p50 |\n"
    "| --- | ---: | --- | --- | --- | --- | --- | ---: |"
)


def make_teacher(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", TEACHER[0]],
        cwd=BASE_DIR,
        env=env
        | {"DJANGO_SUPERUSER_PASSWORD": TEACHER[1], "DJANGO_SUPERUSER_EMAIL": "t@x.invalid"},
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def run_class(args: argparse.Namespace, port: int, workdir: Path) -> tuple[list[Row], Any]:
    rng = random.Random(args.seed)
    students = [
        Student(number, Browser(port), random.Random(rng.random()))
        for number in range(args.students)
    ]
    yardstick = [
        Student(number, Browser(port), random.Random(rng.random()))
        for number in range(args.students)
    ]
    teacher = Teacher(Browser(port))
    await teacher.log_in()
    for group in (students, yardstick):
        await asyncio.gather(*(student.load() for student in group))
    rows = []
    for pace in args.paces:
        name = f"one click every {pace:g} s"
        cpu = time.process_time()
        inspector = await pace_phase(students, pace, args.seconds, teacher, bare=False)
        cpu = time.process_time() - cpu
        bare = await pace_phase(yardstick, pace, args.seconds, None, bare=True)
        rows.append(Row(name, args.seconds, inspector, bare, cpu))
        print(rows[-1].line(), flush=True)
    inspector = await burst_phase(students, args.bursts, teacher, bare=False)
    bare = await burst_phase(yardstick, args.bursts, None, bare=True)
    rows.append(Row(f"burst: all click within 1 s, x{args.bursts}", args.bursts, inspector, bare))
    print(rows[-1].line(), flush=True)
    checked = verify(students, workdir)
    for browser in [teacher.browser] + [student.browser for student in students + yardstick]:
        await browser.close()
    tabs = await two_tabs(port, workdir, args.pairs, writes=10)
    return rows, (checked, tabs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20, help="length of each pace's run")
    parser.add_argument("--paces", type=float, nargs="+", default=PACES, metavar="SECONDS")
    parser.add_argument("--bursts", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=20, help="two-tab pairs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--make", nargs="*", default=[], help="added to `make run`'s command line: WORKERS=1"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="inspector-bench-"))
    env = bench_env(workdir, DJANGO_BENCH_BASELINE="1")
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "DATABASE"))})
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(workdir, env, port, *args.make)
    try:
        make_teacher(env)
        weight = page_weight(base)
        print(HEADER, flush=True)
        rows, ((wrong, foreign), tabs) = asyncio.run(run_class(args, port, workdir))
    finally:
        stop(server)

    one_second = next((row for row in rows if row.name == "one click every 1 s"), rows[-1])
    engines = {
        engine: Stats.of(
            [s for s in one_second.inspector if s.action == "add" and s.engine == engine]
        )
        for engine in ENGINES
    }
    actions = {action: one_second.of(action) for action in [*ACTIONS, "class poll"]}
    report = [
        HEADER,
        *(row.line() for row in rows),
        "",
        f"Each pace ran {args.seconds:g} s with {args.students} students (each with their page "
        "polling once a second) and a teacher's class view, then as long against the bare view.",
        "",
        f"At {one_second.name}, p50 / p99 (ms) per click: "
        + "; ".join(f"{name} {stats}" for name, stats in actions.items() if stats.requests),
        "",
        "The simulated class itself, on the same cores, used "
        + ", ".join(f"{100 * row.client_cpu / row.seconds:.0f} %" for row in rows if row.client_cpu)
        + " of one core at those paces.",
        "",
        "Add per engine at that pace, p50 / p99 (ms): "
        + "; ".join(f"{name} {stats}" for name, stats in engines.items() if stats.requests),
        "",
        f"Stored sessions checked against each student's clicks: {args.students}; "
        f"different: {wrong}; keys of another student found: {foreign}",
        "",
        f"Two tabs on one session, {tabs['pairs']} pairs writing {tabs['writes']} keys at once: "
        f"lost to last-writer-wins: {tabs['lost']}; failed requests: {tabs['failed']}; "
        f"corrupt records: {tabs['corrupt']}",
        "",
        f"First load: HTML {weight['html']:,} B ({weight['html_gzip']:,} B gzipped), "
        f"static {weight['assets']:,} B ({weight['assets_gzip']:,} B gzipped), "
        f"total {weight['total']:,} B ({weight['total_gzip']:,} B gzipped)",
        "",
        f"Server: `{' '.join(['make run', *args.make])}`. Machine: {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, the simulated "
        "class and the server on the same machine.",
    ]
    text = "\n".join(report)
    print("\n" + text)
    results = BASE_DIR / "bench-results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(text + "\n")
    errors = sum(not s.ok for row in rows for s in row.inspector + row.bare)
    return 1 if errors or wrong or foreign or tabs["failed"] or tabs["corrupt"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
