"""fundledger beside ledger-cli, hledger and bean-check on the same generated vouchers, in one run.

For each size (``--sizes``, default 100k and 1M vouchers) the script writes the shared journal in
every format with ``/work/shared/bench/gen_same.py`` (into ``--work``, reused when the files are
there), then times, round by round (``--rounds``, the order of the tools rotated each round so that
none always runs first or last on a shared machine), each tool as a child process:

- ``ledger -f vN.ledger bal`` and ``hledger -f vN.ledger bal`` (parse and balance the journal),
- ``bean-check vN.beancount`` (Beancount 3's, installed with the project's ``beancount`` dependency;
  its pickle cache is off, so every run parses the file),
- per database (SQLite and PostgreSQL): ``fundledger import vouchers vN.csv`` into fresh empty books
  of ``world.sh`` (built once per run and copied per round: a SQLite file copy, a PostgreSQL
  ``CREATE DATABASE … TEMPLATE``), then on those loaded books, each a cold start of the CLI:
  ``trial-balance`` of one ledger over the whole journal, ``report consolidated-trial-balance`` of
  C4208 for one month, and ``verify``.

Each child's wall clock, CPU time (user + system from its own rusage, ``os.wait4``) and peak RSS
are recorded, with the 1-minute load average before it. The CPU time is the figure to compare on a
loaded machine: the wall clock there is mostly waiting for a core. The PostgreSQL server's work is
not in the client's rusage; with the server on this host its backends' CPU time is sampled from
/proc while the child runs (class Backends, a lower bound) and shown in a column of its own. A tool
that is not installed, or that fails, gets a row saying so. Ctrl-C (or SIGTERM) stops the running
child (its own process group), drops the round's books and prints the table of what finished.

    python benchmarks/bench_anchors.py --sizes 10k --rounds 1          # a quick check
    python benchmarks/bench_anchors.py --sizes 100k,1M --json anchors.json

Options: ``--work DIR`` (journals and SQLite books, default /tmp/bench_anchors), ``--pg URL`` (the
server, default ``postgresql+psycopg://postgres@127.0.0.1:5432``; ``--no-pg`` to skip it),
``--prefix`` (names of the PostgreSQL databases, default ``fl_bench_anchors``), ``--keep`` (leave
the last round's books), ``--reuse-world`` (keep the empty books for the next run and take a
previous run's: world.sh makes some twenty cold CLI calls, minutes on a loaded machine). The table
is markdown, ready for docs/performance.md; ``--json FILE`` writes every run's raw figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

BENCH = Path(os.environ.get("BENCH_SHARED", "/work/shared/bench"))
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
LEDGER = "C4208-EMP"
WHOLE = "2023-01..2025-12"
MONTH = "2024-06"
# Every run parses: no Beancount load cache (see Bench.plain_tool); the CLI's tables at full width.
CHILD_ENV = {**os.environ, "BEANCOUNT_DISABLE_LOAD_CACHE": "1", "COLUMNS": "200"}


@dataclass
class Run:
    """One child process: what it cost, or why it did not run."""

    round: int
    load: float
    wall: float | None = None
    cpu: float | None = None
    rss_mib: float | None = None
    rc: int | None = None
    server_cpu: float | None = None  # PostgreSQL backends of the round's database (Backends)
    note: str = ""


@dataclass
class Step:
    """One row of the table: a tool's command at one size, over the rounds."""

    size: int
    name: str
    command: str
    runs: list[Run] = field(default_factory=list)
    counts: bool = False  # vouchers/s is meaningful (the step reads the whole journal)


class Child:
    """Runs one command in its own process group so that ctrl-C can end it and all it started."""

    current: subprocess.Popen[bytes] | None = None

    @classmethod
    def run(cls, argv: Sequence[str], log: Path) -> tuple[float, float, float, int, str]:
        """Wall s, CPU s, peak RSS MiB, exit code and the tail of stderr of ARGV."""
        with log.open("wb") as out, log.with_suffix(".err").open("wb") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(list(argv), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True, env=CHILD_ENV)
            cls.current = proc
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:  # ctrl-C / SIGTERM while it runs: end it and all it started
                cls.stop()
                raise
            finally:
                cls.current = None
            wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        tail = log.with_suffix(".err").read_text(errors="replace").strip().splitlines()[-3:]
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, " / ".join(tail)

    @classmethod
    def stop(cls) -> None:
        """End the running child's process group (ctrl-C in the parent)."""
        proc = cls.current
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        cls.current = None


class Backends(threading.Thread):
    """The CPU time of the PostgreSQL server processes serving one database while a child runs.

    The client's rusage does not hold the server's work. With the server on this host, the backends
    connected to the round's database are polled (pg_stat_activity, then /proc/PID/stat) every
    POLL seconds and each one's latest utime + stime kept: a lower bound (a backend's last POLL
    seconds are missed), 0 when the server is elsewhere.
    """

    POLL = 0.5

    def __init__(self, server: str, dbname: str) -> None:
        super().__init__(daemon=True)
        self.server, self.dbname = server, dbname
        self.cpu: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        with contextlib.suppress(psycopg.Error), \
                psycopg.connect(pg_conninfo(self.server, "postgres"), autocommit=True) as conn:
            while not self.done.is_set():
                pids = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                    (self.dbname,)).fetchall()
                for (pid,) in pids:
                    cpu = proc_cpu(int(pid))
                    if cpu is not None:
                        self.cpu[int(pid)] = max(cpu, self.cpu.get(int(pid), 0.0))
                self.done.wait(self.POLL)

    def total(self) -> float:
        self.done.set()
        self.join()
        return sum(self.cpu.values())


def proc_cpu(pid: int) -> float | None:
    """utime + stime of a process on this host in seconds, or None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parse_size(text: str) -> int:
    """'100k' → 100000, '1M' → 1000000, '2500' → 2500."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10k, 100k, 1M)")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


def label(size: int) -> str:
    """1000000 → '1M', 100000 → '100k'."""
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def first_line(argv: Sequence[str]) -> str:
    """The first line a version command prints, or why it could not run."""
    if shutil.which(argv[0]) is None:
        return "not installed"
    try:
        out = subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0] if lines else f"exit {out.returncode}"


def pg_conninfo(url: str, dbname: str) -> str:
    """A libpq URL for psycopg from the SQLAlchemy server URL."""
    return url.replace("+psycopg", "", 1).rstrip("/") + "/" + dbname


def pg_admin(url: str, statement: sql.Composed) -> None:
    """Run a statement on the server's maintenance database, outside a transaction."""
    with psycopg.connect(pg_conninfo(url, "postgres"), autocommit=True) as conn:
        conn.execute(statement)


def pg_drop(url: str, name: str) -> None:
    pg_admin(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def pg_create(url: str, name: str, template: str | None = None) -> None:
    """CREATE DATABASE NAME, a copy of TEMPLATE when given (its empty books)."""
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
    pg_admin(url, statement)


def machine(args: argparse.Namespace, tools: dict[str, str | None]) -> dict[str, str]:
    """nproc, RAM and the version of every tool, for the table's heading."""
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), "0")
    info = {
        "host": platform.node(),
        "nproc": str(os.cpu_count()),
        "RAM": f"{int(mem) / 1024 / 1024:.1f} GiB",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "fundledger": first_line([str(tools["fundledger"]), "--version"]) if tools["fundledger"] else "not installed",
        "ledger-cli": first_line(["ledger", "--version"]),
        "hledger": first_line(["hledger", "--version"]),
        "bean-check": first_line([tools["bean-check"] or "bean-check", "--version"]),
    }
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        info["fundledger commit"] = subprocess.run(
            ["git", "-C", str(HERE), "log", "-1", "--format=%h %cs"], capture_output=True, text=True,
            check=False).stdout.strip()
    if not args.no_pg:
        try:
            with psycopg.connect(pg_conninfo(args.pg, "postgres")) as conn:
                row = conn.execute("SHOW server_version").fetchone()
            info["PostgreSQL"] = str(row[0]) if row else "?"
        except psycopg.Error as exc:
            info["PostgreSQL"] = f"unreachable ({str(exc).strip().splitlines()[0]})"
    return info


def generate(size: int, work: Path) -> Path:
    """The journal of SIZE vouchers in every format (reused when all four files exist)."""
    stem = work / f"v{label(size)}"
    if all(stem.with_suffix(s).exists() for s in (".csv", ".ledger", ".beancount", ".pickle")):
        print(f"# journal {stem}.* reused", flush=True)
        return stem
    print(f"# generating {stem}.* ({size:,} vouchers)", flush=True)
    # Written under a temporary name and renamed when whole, so an interrupted run is not reused.
    partial = work / f"partial-v{label(size)}"
    subprocess.run([sys.executable, str(BENCH / "gen_same.py"), "--vouchers", str(size), "--out", str(partial)],
                   check=True)
    for suffix in (".csv", ".ledger", ".beancount", ".pickle"):
        partial.with_suffix(suffix).replace(stem.with_suffix(suffix))
    return stem


def build_worlds(args: argparse.Namespace, fundledger: str, work: Path) -> dict[str, str]:
    """The empty books of world.sh as templates, {'sqlite': path, 'pg': db name}: built once per run
    (both at once), or with --reuse-world taken from a previous run that built them whole (a marker
    file beside them says so)."""
    jobs: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    templates: dict[str, str] = {}
    wanted = {"sqlite": str(work / "world.db")}
    if not args.no_pg:
        wanted["pg"] = f"{args.prefix}_world"
    for db, where in wanted.items():
        marker = work / f"world-{db}.ok"
        if args.reuse_world and marker.exists() and marker.read_text() == where:
            print(f"# empty books reused on {DB_NAMES[db]}: {where}", flush=True)
            templates[db] = where
            continue
        marker.unlink(missing_ok=True)
        if db == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{where}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{where}"
        else:
            pg_drop(args.pg, where)
            pg_create(args.pg, where)
            url = f"{args.pg.rstrip('/')}/{where}"
        jobs[db] = (where, subprocess.Popen(["bash", str(BENCH / "world.sh"), url, fundledger],
                                            stdout=subprocess.DEVNULL, start_new_session=True))
    if jobs:
        print(f"# building the empty books with world.sh on {', '.join(DB_NAMES[db] for db in jobs)} (not timed)",
              flush=True)
    try:
        for db, (where, proc) in jobs.items():
            if proc.wait() == 0:
                templates[db] = where
                (work / f"world-{db}.ok").write_text(where)
            else:
                print(f"# world.sh failed on {db} (exit {proc.returncode}); its rows are skipped", flush=True)
    except BaseException:
        for _, proc in jobs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
        raise
    return templates


def fresh_books(db: str, template: str, args: argparse.Namespace, work: Path, tag: str) -> str:
    """A copy of the empty books for one round: its URL."""
    if db == "sqlite":
        target = work / f"{tag}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        with sqlite3.connect(template) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return f"sqlite:///{target}"
    name = f"{args.prefix}_{tag}"
    pg_drop(args.pg, name)
    pg_create(args.pg, name, template)
    return f"{args.pg.rstrip('/')}/{name}"


def drop_books(db: str, url: str, args: argparse.Namespace) -> None:
    if db == "sqlite":
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        pg_drop(args.pg, url.rsplit("/", 1)[1])


DB_NAMES = {"sqlite": "SQLite", "pg": "PostgreSQL"}


def fundledger_steps(db: str) -> list[tuple[str, list[str]]]:
    """(row name, argv after `fundledger --db URL`) of the fundledger steps on one database."""
    return [
        (f"fundledger import vouchers, {DB_NAMES[db]}", ["import", "vouchers", "{csv}"]),
        (f"fundledger trial-balance {LEDGER} {WHOLE} (cold CLI), {DB_NAMES[db]}",
         ["trial-balance", "--ledger", LEDGER, "--period", WHOLE]),
        (f"fundledger consolidated trial balance C4208 employee {MONTH} (cold CLI), {DB_NAMES[db]}",
         ["report", "consolidated-trial-balance", "--entity", "C4208", "--fund", "employee", "--period", MONTH]),
        (f"fundledger verify, {DB_NAMES[db]}", ["verify"]),
    ]


class Bench:
    """The rounds of one run: every step of every size, and the table."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = Path(args.work)
        self.logs = self.work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.tools: dict[str, str | None] = {
            "ledger": shutil.which("ledger"),
            "hledger": shutil.which("hledger"),
            "bean-check": shutil.which("bean-check", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"),
            "fundledger": shutil.which("fundledger", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"),
        }
        self.steps: dict[tuple[int, str], Step] = {}
        self.live: list[tuple[str, str]] = []  # books of the current round, dropped on the way out
        self.interrupted = False
        self.meta: dict[int, dict[str, float]] = {}  # per size: load at start and end, minutes

    def step(self, size: int, name: str, command: str, counts: bool = False) -> Step:
        key = (size, name)
        if key not in self.steps:
            self.steps[key] = Step(size, name, command, counts=counts)
        return self.steps[key]

    def measure(self, step: Step, rnd: int, argv: list[str], log: str, pg_db: str | None = None) -> Run:
        """Run ARGV once for STEP and keep its figures (and its PostgreSQL backends' CPU on PG_DB)."""
        run = Run(round=rnd, load=os.getloadavg()[0])
        sampler = Backends(self.args.pg, pg_db) if pg_db else None
        if sampler:
            sampler.start()
        try:
            wall, cpu, rss, rc, tail = Child.run(argv, self.logs / log)
        finally:
            server = sampler.total() if sampler else None
        run.wall, run.cpu, run.rss_mib, run.rc, run.server_cpu = wall, cpu, rss, rc, server
        if rc != 0:
            run.note = f"exit {rc}: {tail}"[:300]
        step.runs.append(run)
        shown = f", server CPU {server:.2f} s" if server is not None else ""
        print(f"  r{rnd} {label(step.size):>5} {step.name}: wall {wall:.2f} s, CPU {cpu:.2f} s{shown}, "
              f"peak {rss:.0f} MiB, exit {rc}, load {run.load:.1f}", flush=True)
        return run

    def skip(self, step: Step, rnd: int, why: str) -> None:
        step.runs.append(Run(round=rnd, load=os.getloadavg()[0], note=why))

    def plain_tool(self, size: int, stem: Path, rnd: int, tool: str) -> None:
        """ledger, hledger or bean-check on the journal."""
        if tool == "bean-check":
            path = stem.with_suffix(".beancount")
            # Beancount keeps a pickle of the parsed file beside it and loads that instead of parsing
            # on the next run; the child runs with BEANCOUNT_DISABLE_LOAD_CACHE and a stale pickle goes.
            path.with_name(f".{path.name}.picklecache").unlink(missing_ok=True)
            argv = [self.tools[tool] or tool, str(path)]
            name, shown = "bean-check (Beancount 3)", f"bean-check {path.name}"
        else:
            path = stem.with_suffix(".ledger")
            argv = [self.tools[tool] or tool, "-f", str(path), "bal"]
            name, shown = f"{tool} bal", f"{tool} -f {path.name} bal"
        step = self.step(size, name, shown, counts=True)
        if self.tools[tool] is None:
            self.skip(step, rnd, f"{tool} not installed")
            return
        self.measure(step, rnd, argv, f"{label(size)}-{tool}.out")

    def fundledger_tool(self, size: int, stem: Path, rnd: int, db: str, templates: dict[str, str]) -> None:
        """Import into fresh books on DB, then the cold-start reports and verify on them."""
        steps = [(self.step(size, name, "fundledger --db URL " + " ".join(argv).replace("{csv}", stem.name + ".csv"),
                            counts=(i in (0, 3))), argv)
                 for i, (name, argv) in enumerate(fundledger_steps(db))]
        fundledger = self.tools["fundledger"]
        why = ("fundledger not installed" if fundledger is None else
               None if db in templates else f"no empty books on {DB_NAMES[db]} (world.sh failed or --no-pg)")
        if why:
            for step, _ in steps:
                self.skip(step, rnd, why)
            return
        assert fundledger is not None
        url = fresh_books(db, templates[db], self.args, self.work, f"r{rnd}_{label(size)}_{db}")
        self.live.append((db, url))
        try:
            failed = ""
            for i, (step, argv) in enumerate(steps):
                if failed:
                    self.skip(step, rnd, failed)
                    continue
                full = [fundledger, "--db", url, *(a.replace("{csv}", str(stem.with_suffix(".csv"))) for a in argv)]
                run = self.measure(step, rnd, full, f"{label(size)}-{db}-{i}.out",
                                   url.rsplit("/", 1)[1] if db == "pg" else None)
                if i == 0 and run.rc != 0:
                    failed = "import failed"
        finally:
            if not self.args.keep or rnd < self.args.rounds:
                drop_books(db, url, self.args)
            self.live.remove((db, url))

    def drop_live(self) -> None:
        for db, url in list(self.live):
            with contextlib.suppress(Exception):
                drop_books(db, url, self.args)
        self.live.clear()

    def size(self, size: int, templates: dict[str, str]) -> None:
        """Every round of every tool at SIZE; the load before and after goes into self.meta."""
        stem = generate(size, self.work)
        started = time.time()
        meta = self.meta[size] = {"load_start": os.getloadavg()[0], "load_end": os.getloadavg()[0], "seconds": 0.0}
        blocks = ["ledger", "hledger", "bean-check", "sqlite"] + ([] if self.args.no_pg else ["pg"])
        for rnd in range(1, self.args.rounds + 1):
            shift = (rnd - 1) % len(blocks)
            for block in blocks[shift:] + blocks[:shift]:
                if block in ("sqlite", "pg"):
                    self.fundledger_tool(size, stem, rnd, block, templates)
                else:
                    self.plain_tool(size, stem, rnd, block)
                meta.update(load_end=os.getloadavg()[0], seconds=time.time() - started)


def median(values: list[float]) -> float:
    return statistics.median(values)


def cell_range(values: list[float], fmt: str) -> str:
    """'median (min–max)' of the rounds, or the one value."""
    if len(values) == 1:
        return format(values[0], fmt)
    return f"{format(median(values), fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def table(bench: Bench, info: dict[str, str], sizes: dict[int, dict[str, float]], started: datetime.datetime,
          ended: datetime.datetime, load: tuple[float, float]) -> str:
    """The markdown table of the run, with the machine and the load."""
    lines = [
        f"Machine: {info['host']}, nproc {info['nproc']}, RAM {info['RAM']}; Python {info['Python']}, "
        f"SQLite {info['SQLite']}, PostgreSQL {info.get('PostgreSQL', 'not used')} (same host).",
        f"Tools: {info['fundledger']} (commit {info.get('fundledger commit', '?')}); {info['ledger-cli']}; "
        f"{info['hledger']}; bean-check {info['bean-check']}.",
        f"Run: {started:%Y-%m-%d} {started:%H:%M}–{ended:%H:%M} UTC, {bench.args.rounds} round(s), tools "
        f"alternated round by round; load average (1 min) {load[0]:.1f} at start, {load[1]:.1f} at end"
        + (" (interrupted: the rounds that finished)." if bench.interrupted else "."),
    ]
    for size, meta in sizes.items():
        lines.append(f"{label(size)}: load {meta['load_start']:.1f} → {meta['load_end']:.1f}, "
                     f"{meta['seconds'] / 60:.1f} min.")
    lines += [
        "",
        "| vouchers | step | wall s, median (min–max) | CPU s, median (min–max) | PostgreSQL server CPU s | "
        "peak RSS MiB | vouchers/s by CPU (client + server) | load at the runs |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for step in bench.steps.values():
        done = [r for r in step.runs if r.wall is not None and r.rc == 0]
        failed = [r for r in step.runs if r.note]
        if not done:
            why = failed[0].note if failed else "not run" + (" (interrupted)" if bench.interrupted else "")
            lines.append(f"| {label(step.size)} | {step.name} | {why} | | | | | |")
            continue
        walls = [r.wall for r in done if r.wall is not None]
        cpus = [r.cpu for r in done if r.cpu is not None]
        rss = max(r.rss_mib for r in done if r.rss_mib is not None)
        spent = [(r.cpu or 0.0) + (r.server_cpu or 0.0) for r in done]
        rate = f"{step.size / median(spent):,.0f}" if step.counts and median(spent) > 0 else ""
        loads = [r.load for r in done]
        note = f" ({len(failed)} run(s) failed: {failed[0].note})" if failed else ""
        servers = [r.server_cpu for r in done if r.server_cpu is not None]
        server = cell_range(servers, ".2f") if servers else ""
        lines.append(f"| {label(step.size)} | {step.name}{note} | {cell_range(walls, '.2f')} | "
                     f"{cell_range(cpus, '.2f')} | {server} | {rss:,.0f} | {rate} | "
                     f"{min(loads):.1f}–{max(loads):.1f} |")
    first = next(iter(bench.steps.values()), None)
    if first is not None:
        lines += ["", "Commands (in --work): " + "; ".join(
            dict.fromkeys(f"`{s.command}`" for s in bench.steps.values() if s.size == first.size))]
    return "\n".join(lines)


@contextlib.contextmanager
def interruptible(bench: Bench) -> Iterator[None]:
    """Ctrl-C or SIGTERM: end the running child and drop the round's books; the caller then prints
    what was measured and exits 130."""

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except KeyboardInterrupt:
        Child.stop()
        bench.drop_live()
        bench.interrupted = True
        print("\ninterrupted: the running child was stopped and its books dropped; the table so far:",
              file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k,1M", help="comma-separated voucher counts (10k, 100k, 1M)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", default="/tmp/bench_anchors")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--prefix", default="fl_bench_anchors")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the last round's books")
    parser.add_argument("--reuse-world", action="store_true",
                        help="keep the empty books for the next run, and take a previous run's when whole")
    parser.add_argument("--json", default=None, help="also write the raw figures to this file")
    args = parser.parse_args()
    # Started in the background by a shell, SIGINT arrives ignored; ctrl-C / kill -INT must still stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    bench = Bench(args)
    started, load_start = datetime.datetime.now(datetime.UTC), os.getloadavg()[0]
    try:
        info = machine(args, bench.tools)
    except KeyboardInterrupt:
        raise SystemExit(130) from None  # nothing measured yet; subprocess.run ended its child
    print("# " + "; ".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    per_size = bench.meta
    templates: dict[str, str] = {}
    with interruptible(bench):
        try:
            if bench.tools["fundledger"]:
                templates = build_worlds(args, bench.tools["fundledger"], bench.work)
            for size in sizes:
                bench.size(size, templates)
        finally:
            if not args.no_pg and "pg" in templates and not args.reuse_world:
                with contextlib.suppress(psycopg.Error):
                    pg_drop(args.pg, templates["pg"])
    ended = datetime.datetime.now(datetime.UTC)
    print()
    print(table(bench, info, per_size, started, ended, (load_start, os.getloadavg()[0])))
    if args.json:
        raw = {"machine": info, "started": started.isoformat(), "ended": ended.isoformat(),
               "load": [load_start, os.getloadavg()[0]], "interrupted": bench.interrupted,
               "sizes": {label(s): m for s, m in per_size.items()},
               "steps": [asdict(s) for s in bench.steps.values()]}
        Path(args.json).write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n")
    if bench.interrupted:
        raise SystemExit(130)


if __name__ == "__main__":
    main()
