"""`make bench`: a classroom of simulated students against the app in LAN mode, on SQLite.

Each student has its own cookie jar and does what the page's buttons do (load the page,
add, edit, delete, flush, switch engine) with a student's pauses. Then the same students
do the same session write through a bare Django view, the yardstick. Afterwards every
student's stored session is read from the store itself and compared with what its actions
imply. Last, pairs of tabs on one session write at once (last writer wins).
"""

from __future__ import annotations

import argparse
import gzip
import html
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
ENGINES = ["db", "cached_db", "cache", "file", "signed_cookies"]
ACTIONS = {"load": 20, "add": 35, "edit": 15, "delete": 10, "flush": 5, "engine": 15}
SECRET_KEY = "bench-secret-key-" + "x" * 50


@dataclass
class Sample:
    action: str
    engine: str
    seconds: float
    ok: bool


@dataclass
class Student:
    number: int
    base: str
    rng: random.Random
    samples: list[Sample] = field(default_factory=list)
    expected: dict[str, Any] = field(default_factory=dict)
    engine: str = "db"
    serial: int = 0

    def __post_init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name and c.value), None)

    def request(self, action: str, path: str, data: dict[str, str] | None = None) -> str:
        headers = {}
        body = None
        if data is not None:
            headers = {"X-CSRFToken": self.cookie("csrftoken") or "", "HX-Request": "true"}
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                text = response.read().decode()
                ok = response.status < 400
        except (urllib.error.URLError, OSError):
            text, ok = "", False
        self.samples.append(Sample(action, self.engine, time.perf_counter() - started, ok))
        return text

    # The page's actions, each updating what the stored session should now hold.

    def load(self) -> None:
        self.request("load", "/")

    def add(self) -> None:
        if len(self.expected) >= 20:
            return self.edit()
        self.serial += 1
        key = f"s{self.number}-k{self.serial}"
        value: Any = self.rng.choice([f"v{self.serial}", self.serial, [self.serial, "x"]])
        kind = {str: "text", int: "number", list: "list"}[type(value)]
        text = value if kind == "text" else json.dumps(value)
        self.request("add", "/session/add", {"key": key, "value": text, "type": kind})
        self.expected[key] = value
        return None

    def edit(self) -> None:
        if not self.expected:
            return self.add()
        key = self.rng.choice(sorted(self.expected))
        value = f"edited{self.serial}"
        data = {"edit-key": key, "edit-value": value, "edit-type": "text"}
        self.request("edit", "/session/edit", data)
        self.expected[key] = value
        return None

    def delete(self) -> None:
        if not self.expected:
            return self.add()
        key = self.rng.choice(sorted(self.expected))
        self.request("delete", "/session/delete", {"key": key})
        del self.expected[key]
        return None

    def flush(self) -> None:
        self.request("flush", "/session/flush", {})
        self.expected = {}

    def switch(self) -> None:
        self.engine = self.rng.choice([name for name in ENGINES if name != self.engine])
        self.request("engine", "/engine", {"engine": self.engine})

    def act(self, action: str) -> None:
        {"load": self.load, "add": self.add, "edit": self.edit, "delete": self.delete}.get(
            action, {"flush": self.flush, "engine": self.switch}.get(action)
        )()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summarise(samples: list[Sample], wall: float) -> dict[str, float]:
    times = [sample.seconds * 1000 for sample in samples]
    return {
        "requests": len(samples),
        "errors": sum(not sample.ok for sample in samples),
        "throughput": len(samples) / wall if wall else 0.0,
        "p50": percentile(times, 0.50) if times else 0.0,
        "p95": percentile(times, 0.95) if times else 0.0,
        "p99": percentile(times, 0.99) if times else 0.0,
    }


def run_class(students: list[Student], work: Any, think: tuple[float, float]) -> float:
    """Run ``work(student)`` for every student at once; the wall time it took."""
    started = time.perf_counter()

    def life(student: Student) -> None:
        time.sleep(student.rng.uniform(0, 2))  # students do not click in unison
        work(student, think)

    threads = [threading.Thread(target=life, args=(student,)) for student in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def inspector_work(actions: int):
    def work(student: Student, think: tuple[float, float]) -> None:
        student.load()
        names, weights = zip(*ACTIONS.items(), strict=True)
        for _ in range(actions - 1):
            time.sleep(student.rng.uniform(*think))
            student.act(student.rng.choices(names, weights)[0])

    return work


def baseline_work(actions: int):
    def work(student: Student, think: tuple[float, float]) -> None:
        student.request("load", "/")
        student.samples.clear()
        for number in range(actions):
            time.sleep(student.rng.uniform(*think))
            data = {"key": f"s{student.number}-k{number}", "value": f"v{number}"}
            student.request("baseline", "/bench/baseline", data)

    return work


# Reading back what is stored, from the stores themselves.


def stored_session(student: Student, workdir: Path) -> dict[str, Any] | None:
    from inspector.decoding import DB_SALT, SIGNED_COOKIES_SALT, decode

    key = student.cookie("sessionid")
    if key is None:
        return {}
    if student.engine in {"db", "cached_db"}:
        with sqlite3.connect(workdir / "db.sqlite3") as connection:
            row = connection.execute(
                "SELECT session_data FROM django_session WHERE session_key = ?", (key,)
            ).fetchone()
        return None if row is None else decode(row[0], DB_SALT).data
    if student.engine == "file":
        path = workdir / "sessions" / f"sessionid{key}"
        return decode(path.read_text(), DB_SALT).data if path.exists() else None
    if student.engine == "signed_cookies":
        return decode(key, SIGNED_COOKIES_SALT).data
    return None  # the local-memory cache lives inside the server: read through the page


ROW = re.compile(
    r'data-key="([^"]*)">\s*<th scope="row">.*?</th>\s*<td><pre class="value">(.*?)</pre>',
    re.DOTALL,
)


def shown_session(student: Student) -> dict[str, str]:
    page = student.request("verify", "/")
    return {html.unescape(key): html.unescape(value) for key, value in ROW.findall(page)}


def verify(students: list[Student], workdir: Path) -> tuple[int, int]:
    """(students whose stored session differs from their actions, foreign keys found)."""
    from inspector.values import python_repr

    wrong = foreign = 0
    for student in students:
        stored = stored_session(student, workdir)
        if stored is None and student.engine == "cache":
            shown = shown_session(student)
            expected = {key: python_repr(value) for key, value in student.expected.items()}
            wrong += shown != expected
            keys = shown
        else:
            wrong += (stored or {}) != student.expected
            keys = stored or {}
        foreign += sum(not key.startswith(f"s{student.number}-") for key in keys)
    return wrong, foreign


def two_tabs(base: str, workdir: Path, pairs: int, writes: int) -> dict[str, int]:
    """Two tabs of one browser write different keys at once: whole-dict saves, last wins."""
    from inspector.decoding import DB_SALT, decode

    lost = failed = corrupt = 0
    for pair in range(pairs):
        browser = Student(10_000 + pair, base, random.Random(pair))
        browser.request("load", "/")
        browser.request("add", "/session/add", {"key": "start", "value": "1", "type": "text"})
        barrier = threading.Barrier(2)

        def tab(
            name: str, browser: Student = browser, barrier: threading.Barrier = barrier
        ) -> None:
            barrier.wait()
            for number in range(writes):
                data = {"key": f"{name}{number}", "value": "x", "type": "text"}
                browser.request("two-tabs", "/session/add", data)

        threads = [threading.Thread(target=tab, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failed += sum(not sample.ok for sample in browser.samples)
        with sqlite3.connect(workdir / "db.sqlite3") as connection:
            row = connection.execute(
                "SELECT session_data FROM django_session WHERE session_key = ?",
                (browser.cookie("sessionid"),),
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


def serve(workdir: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """`make serve`, exactly as a teacher runs it, with the benchmark's yardstick view on."""
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "serve", "HOST=127.0.0.1", f"PORT={port}"],
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
    raise SystemExit(f"make serve did not start: see {workdir / 'serve.log'}")


def table(rows: list[tuple[str, dict[str, float]]]) -> str:
    lines = [
        "| run | requests | errors | throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in rows:
        lines.append(
            f"| {name} | {s['requests']:,} | {s['errors']} | {s['throughput']:.1f} | "
            f"{s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--actions", type=int, default=25)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(2.0, 8.0),
        metavar=("MIN", "MAX"),
        help="seconds between a student's actions: reading the page, typing a key and a value",
    )
    parser.add_argument("--pairs", type=int, default=20, help="two-tab pairs")
    parser.add_argument("--seed", type=int, default=1)
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
    server = serve(workdir, env, port)
    try:
        weight = page_weight(base)
        rng = random.Random(args.seed)
        students = [Student(n, base, random.Random(rng.random())) for n in range(args.students)]
        wall = run_class(students, inspector_work(args.actions), tuple(args.think))
        samples = [sample for student in students for sample in student.samples]
        wrong, foreign = verify(students, workdir)

        yardstick = [Student(n, base, random.Random(rng.random())) for n in range(args.students)]
        baseline_wall = run_class(yardstick, baseline_work(args.actions), tuple(args.think))
        baseline = [sample for student in yardstick for sample in student.samples]

        tabs = two_tabs(base, workdir, args.pairs, writes=10)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    adds = [sample for sample in samples if sample.action == "add"]
    rows = [
        (
            f"inspector, all actions ({args.students} students x {args.actions})",
            summarise(samples, wall),
        ),
        ("inspector, add key only", summarise(adds, wall)),
        ("bare view, same session write", summarise(baseline, baseline_wall)),
    ]
    ratio = rows[1][1]["p50"] / rows[2][1]["p50"] if rows[2][1]["p50"] else float("nan")
    per_engine = {
        engine: statistics.median([s.seconds * 1000 for s in adds if s.engine == engine])
        for engine in ENGINES
        if any(s.engine == engine for s in adds)
    }
    report = [
        table(rows),
        "",
        f"p50 ratio, inspector add / bare view: {ratio:.2f}",
        "",
        "Median add-key time per engine (ms): "
        + ", ".join(f"{name} {ms:.1f}" for name, ms in per_engine.items()),
        "",
        f"Stored sessions checked against each student's actions: {len(students)}; "
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
        f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, load generator and "
        "server on the same machine.",
    ]
    text = "\n".join(report)
    print(text)
    results = BASE_DIR / "bench-results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(text + "\n")
    errors = sum(row[1]["errors"] for row in rows) + tabs["failed"] + tabs["corrupt"]
    return 1 if errors or wrong or foreign else 0


if __name__ == "__main__":
    raise SystemExit(main())
