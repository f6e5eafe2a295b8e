"""Grade a class in worker processes that never lose a submission: time limits, crashes, a journal, resuming.

The parent hands one submission at a time to each of N worker processes and waits on their
pipes and their process sentinels together.  A worker that overruns the per-submission time
limit is killed (SIGKILL: a stuck sympy call cannot ignore it) and the submission recorded
as timed out; a worker that dies is replaced and its submission tried once more on a fresh
one before it is recorded as crashed.  Every finished grade is appended to a journal as it
arrives, so an interrupted run (Ctrl-C, a killed parent, a power cut) resumes where it
stopped with `resume=True`: grades of unchanged answers are read back, the rest are graded.

Workers are forked where the platform allows, after the key has been read and its own steps
checked, so each starts with the key and a warm step cache; elsewhere they are spawned and
read both from the pickled context.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection as mpc
import os
import signal
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .inputs import Submission
from .key import AnswerKey
from .model import Grade, not_graded

DEFAULT_TIME_LIMIT = 60.0  # seconds per submission
MEMORY_MB = 2048  # address space a worker may add to what it has at start
JOURNAL = ".journal.jsonl"
_ATTEMPTS = 2  # a submission whose worker dies is tried this many times
WORKER_NAME = "derivcheck-grade-worker"


@dataclass
class Context:
    """What a worker needs to grade: the key, the engine's options, and the grading function."""

    key: AnswerKey
    opts: object
    grade: Callable | None = None  # (key, submission, opts) -> Grade; tests inject hangs here
    memory_mb: int = MEMORY_MB

    def grade_one(self, sub: Submission) -> Grade:
        if self.grade is not None:
            return self.grade(self.key, sub, self.opts)
        from .score import grade_submission

        return grade_submission(self.key, sub.id, sub.text, sub.suffix, self.opts)


@dataclass
class Stats:
    graded: int = 0  # graded in this run
    reused: int = 0  # read back from the journal
    timeouts: int = 0
    crashes: int = 0  # worker deaths (a retried submission counts each time)
    copies: int = 0  # answers identical to an earlier one in the run, graded once for both
    seconds: float = 0.0
    cache_hits: int = 0
    cache_misses: int = 0

    @property
    def hit_rate(self) -> float:
        total = self.cache_hits + self.cache_misses
        return self.cache_hits / total if total else 0.0


@dataclass
class Journal:
    """Append-only record of finished grades (JSON lines after a header naming key and options)."""

    path: str
    header: dict
    _file: object = field(default=None, repr=False)

    def load(self) -> dict[tuple[str, str], Grade]:
        """Grades of a previous run with the same key and options, by (id, digest of the answer)."""
        try:
            with open(self.path, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except FileNotFoundError:
            return {}
        try:
            head = json.loads(lines[0])
        except (ValueError, IndexError):
            head = None
        if head != self.header:
            raise JournalMismatch(f"{self.path} was written for another key or other options: "
                                  "grade without --resume to start over")
        found = {}
        for line in lines[1:]:
            try:
                g = Grade.from_dict(json.loads(line))
            except (ValueError, TypeError, KeyError):
                continue  # the torn last line of an interrupted write
            found[(g.id, g.digest)] = g
        return found

    def open(self, fresh: bool) -> None:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        if fresh or not os.path.exists(self.path):
            with open(self.path, "w", encoding="utf-8") as f:
                f.write(json.dumps(self.header, ensure_ascii=False) + "\n")
        self._file = open(self.path, "a", encoding="utf-8")

    def add(self, g: Grade) -> None:
        if self._file is not None:
            self._file.write(json.dumps(g.to_dict(), ensure_ascii=False) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None


class JournalMismatch(Exception):
    """`--resume` found a journal written for another key or other options."""


def run(ctx: Context, subs: list[Submission], *, jobs: int = 0, time_limit: float = DEFAULT_TIME_LIMIT,
        journal: Journal | None = None, resume: bool = False,
        progress: Callable[[int, int], None] | None = None) -> tuple[list[Grade], Stats]:
    """One grade per submission, in input order.  `jobs=0` grades in this process (no time
    limit, for debugging); `jobs ≥ 1` uses that many worker processes."""
    started = time.monotonic()
    stats = Stats()
    results: dict[int, Grade] = {}
    previous = journal.load() if (journal is not None and resume) else {}
    if journal is not None:
        journal.open(fresh=not resume)
    from .score import digest

    todo = []
    first: dict[tuple[str, str], int] = {}  # an answer's text and notation → its first submission
    copies: dict[int, list[int]] = {}  # that submission → later ones with the same answer
    for i, s in enumerate(subs):
        if s.text is None:
            results[i] = not_graded(s.id, "unreadable", s.problem, ctx.key.points, flags=s.flags)
            continue
        dg = digest(s.text)
        before = previous.get((s.id, dg))
        if before is not None and before.status != "crashed":
            results[i] = before
            stats.reused += 1
        elif (dg, s.suffix) in first:  # the same answer again (grading is deterministic)
            copies.setdefault(first[dg, s.suffix], []).append(i)
        else:
            first[dg, s.suffix] = i
            todo.append(i)

    def record(i: int, g: Grade) -> None:
        if subs[i].flags:
            g = _with_flags(g, subs[i].flags)
        if not g.digest and subs[i].text is not None:
            g = _with_digest(g, digest(subs[i].text))
        results[i] = g
        if journal is not None:
            journal.add(g)
        if progress is not None:
            progress(len(results), len(subs))

    def finish(i: int, g: Grade) -> None:
        stats.graded += 1
        stats.cache_hits += g.cache_hits
        stats.cache_misses += g.cache_misses
        record(i, g)
        for j in copies.get(i, ()):
            stats.graded += 1
            stats.copies += 1
            record(j, _copy(g, subs[j].id))

    if progress is not None:
        progress(len(results), len(subs))
    try:
        if jobs <= 0:
            for i in todo:
                finish(i, ctx.grade_one(subs[i]))
        else:
            _Pool(ctx, jobs, time_limit, stats).run(subs, todo, finish)
    finally:
        if journal is not None:
            journal.close()
    stats.seconds = time.monotonic() - started
    return [results[i] for i in range(len(subs))], stats


def _copy(g: Grade, sid: str) -> Grade:
    import dataclasses

    return dataclasses.replace(g, id=sid, cache_hits=0, cache_misses=0)


def _with_flags(g: Grade, flags: tuple[str, ...]) -> Grade:
    import dataclasses

    return dataclasses.replace(g, flags=g.flags + tuple(f for f in flags if f not in g.flags))


def _with_digest(g: Grade, dg: str) -> Grade:
    import dataclasses

    return dataclasses.replace(g, digest=dg)


# ---------------------------------------------------------------------------
# The worker pool


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _worker_main(conn, ctx: Context, inherited: list) -> None:
    """A worker: grade what the parent sends until told to stop or the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # a forked worker holds copies of the parent's ends of every pipe (its own included):
    # closed here, so that when the parent dies each worker reads end-of-file and exits
    for c in inherited:
        c.close()
    _cap_memory(ctx.memory_mb)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        i, sub = msg
        started = time.monotonic()
        try:
            g = ctx.grade_one(sub)
        except MemoryError:
            g = not_graded(sub.id, "error", f"grading needed more than {ctx.memory_mb:,} MB of memory",
                           ctx.key.points, seconds=time.monotonic() - started)
        except BaseException as e:  # noqa: BLE001 — one bad submission must not stop the worker
            if isinstance(e, (SystemExit, KeyboardInterrupt)):
                raise
            g = not_graded(sub.id, "error", f"internal error ({type(e).__name__}: {e})", ctx.key.points,
                           seconds=time.monotonic() - started)
        try:
            conn.send((i, g))
        except (OSError, ValueError):
            return


def _cap_memory(mb: int) -> None:
    try:
        import resource

        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = used + mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError, AttributeError):
        pass  # no /proc or no RLIMIT_AS: the time limit still bounds a worker


class _Worker:
    def __init__(self, mp, ctx: Context, others: list[_Worker] = ()):
        self.conn, child = mp.Pipe()
        forked = mp.get_start_method() == "fork"
        inherited = [self.conn] + [w.conn for w in others] if forked else []
        self.process = mp.Process(target=_worker_main, args=(child, ctx, inherited), daemon=True, name=WORKER_NAME)
        self.process.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


class _Pool:
    def __init__(self, ctx: Context, jobs: int, time_limit: float, stats: Stats):
        self.ctx, self.jobs, self.limit, self.stats = ctx, jobs, time_limit, stats
        self.mp = _context()
        self.answered = 0  # submissions the workers have sent back a grade for

    def run(self, subs: list[Submission], todo: list[int], finish) -> None:
        queue = deque(todo)
        attempts: Counter = Counter()
        workers: list[_Worker] = []
        for _ in range(min(self.jobs, len(queue))):
            workers.append(_Worker(self.mp, self.ctx, workers))
        try:
            while True:
                for n, w in enumerate(workers):
                    while w.task is None and queue:
                        i = queue.popleft()
                        try:
                            w.conn.send((i, subs[i]))
                            w.task, w.started = i, time.monotonic()
                        except (OSError, ValueError):  # it died while idle: a fresh one takes the task
                            queue.appendleft(i)
                            w.stop(kill=True)
                            w = workers[n] = _Worker(self.mp, self.ctx, workers)
                busy = [w for w in workers if w.task is not None]
                if not busy:
                    return
                wait = max(0.0, min(w.started + self.limit for w in busy) - time.monotonic())
                ready = set(mpc.wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait))
                for w in busy:
                    n = workers.index(w)
                    if w.conn in ready or w.process.sentinel in ready:
                        answer = _receive(w)
                        if answer is not None:
                            w.task = None
                            self.answered += 1
                            finish(*answer)
                            continue
                        # the worker died with the submission in hand
                        i = w.task
                        w.stop(kill=True)  # reaps it: its exit status is known from here on
                        code = w.process.exitcode
                        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
                        workers[n] = _Worker(self.mp, self.ctx, workers)
                        self.stats.crashes += 1
                        attempts[i] += 1
                        if self.stats.crashes >= max(5, 3 * self.jobs) and not self.answered:
                            # workers that die before grading anything (a broken installation):
                            # stop starting new ones; every submission still gets its row
                            for j in [i, *queue]:
                                finish(j, not_graded(subs[j].id, "crashed", f"the grading processes keep "
                                                     f"dying before they grade anything ({how})",
                                                     self.ctx.key.points))
                            queue.clear()
                            continue
                        if attempts[i] < _ATTEMPTS:
                            queue.appendleft(i)
                        else:
                            finish(i, not_graded(subs[i].id, "crashed", f"the grading process died on it "
                                                 f"{attempts[i]} times ({how})", self.ctx.key.points))
                    elif time.monotonic() >= w.started + self.limit:
                        i = w.task
                        w.stop(kill=True)
                        workers[n] = _Worker(self.mp, self.ctx, workers)
                        self.stats.timeouts += 1
                        finish(i, not_graded(subs[i].id, "timeout", f"grading took longer than the limit of "
                                             f"{self.limit:g} s", self.ctx.key.points, seconds=self.limit))
        finally:
            for w in workers:
                w.stop(kill=w.task is not None)


def _receive(w: _Worker):
    try:
        if w.conn.poll():
            return w.conn.recv()
    except (EOFError, OSError):
        pass
    return None
