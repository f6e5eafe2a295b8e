"""Time and memory budgets: a deadline our own loops check, an alarm that interrupts sympy,
a memory cap, and a worker process that runs a step's checks under both and is killed when
it overruns.

Three layers, because each alone has a hole (docs/security.md):

- `check(deadline)` in our own loops (the numeric evaluator) — cheap, but sympy never calls it;
- `alarm(deadline)`: SIGALRM raises OutOfTime inside whatever Python code runs, sympy
  included.  OutOfTime is a BaseException, so sympy's `except Exception:` blocks do not
  swallow it, and the timer repeats every 50 ms after the deadline, so that even a bare
  `except:` only delays it.  A signal cannot interrupt one long call into C (a big-integer
  power), works only in the main thread, and cannot bound memory;
- `Worker`: a child process that runs the step under the alarm and under a cap on its address
  space (RLIMIT_AS); the parent waits for the answer until the deadline plus a grace period,
  then kills the child (SIGKILL cannot be ignored) and starts a new one for the next step.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
import time
import weakref

GRACE = 0.6  # seconds the parent waits past a step's deadline (and its diagnosis) before it kills the worker
_INTERVAL = 0.05  # after the deadline the alarm fires again at this interval until obeyed


class OutOfTime(BaseException):
    """The step's time budget ran out.

    A BaseException, like KeyboardInterrupt, so that library code catching Exception (sympy
    does, in many places) lets it through."""


class WorkerLost(Exception):
    """The worker process died during a job (a crash, or killed by the system)."""


class JobFailed(Exception):
    """The job raised an exception in the worker (a bug: the message names it)."""


def remaining(deadline: float) -> float:
    return deadline - time.monotonic()


def check(deadline: float) -> None:
    """Raise OutOfTime once the deadline has passed (called from our own loops)."""
    if time.monotonic() > deadline:
        raise OutOfTime()


# ---------------------------------------------------------------------------
# The alarm

_deadlines: list[float] = []  # deadlines of the active alarms (main thread only)


def _can_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _handler(signum, frame):
    if signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0):
        return  # delivered just before the timer was stopped (an armed timer repeats)
    if _deadlines and time.monotonic() >= min(_deadlines) - 1e-3:
        raise OutOfTime()
    _arm()  # early, e.g. an enclosing alarm re-armed: wait for the nearest deadline


def _arm() -> None:
    if _deadlines:
        wait = max(min(_deadlines) - time.monotonic(), 1e-4)
        signal.setitimer(signal.ITIMER_REAL, wait, _INTERVAL)
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _stop_timer() -> None:
    """Stop the timer even if the alarm fires while we do (the handler then raises)."""
    while True:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
            return
        except OutOfTime:
            continue


def _reset_after_fork() -> None:
    """In a forked child: no alarm is active there (interval timers are not inherited), so
    the parent's deadlines must not be either — else the child would re-arm them later."""
    _deadlines.clear()
    try:
        if signal.getsignal(signal.SIGALRM) is _handler:
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
    except (ValueError, OSError):  # not the main thread
        pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


@contextlib.contextmanager
def alarm(deadline: float):
    """Interrupt the enclosed code (sympy included) with OutOfTime at the deadline.

    Uses SIGALRM where it can (the main thread on POSIX); elsewhere the code runs
    uninterrupted and only our own `check` calls enforce the deadline (the Worker then
    supplies the hard limit).  Alarms nest: the nearest deadline wins.
    """
    if remaining(deadline) <= 0:
        raise OutOfTime()
    if not _can_signal():
        yield
        return
    outermost = not _deadlines
    previous = signal.signal(signal.SIGALRM, _handler) if outermost else None
    _deadlines.append(deadline)
    try:
        _arm()
        yield
    finally:
        _stop_timer()
        if deadline in _deadlines:  # (a forked child starts with none)
            _deadlines.remove(deadline)
        if outermost:
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        else:
            _arm()


# ---------------------------------------------------------------------------
# Memory


def _address_space() -> int | None:
    """Bytes of address space this process uses now (Linux), or None."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def cap_memory(extra_mb: int) -> bool:
    """Let this process grow by at most `extra_mb` megabytes of address space from now on
    (RLIMIT_AS); beyond it allocations fail with MemoryError.  False where unsupported."""
    try:
        import resource
    except ImportError:  # not POSIX
        return False
    used = _address_space()
    if used is None:
        return False
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + extra_mb * 2 ** 20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        return False
    return True


# ---------------------------------------------------------------------------
# The worker process


def isolation_available() -> bool:
    """A worker can be forked here (POSIX), and DERIVCHECK_IN_PROCESS does not forbid it."""
    return hasattr(os, "fork") and not os.environ.get("DERIVCHECK_IN_PROCESS")


def _serve(conn, memory_mb: int) -> None:
    """The worker's loop: run each job, send back ("ok", result) or what stopped it."""
    _reset_after_fork()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    cap_memory(memory_mb)
    base = _address_space() or 0
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        try:
            answer = ("ok", fn(*args))
        except OutOfTime:
            answer = ("time", None)
        except MemoryError:
            answer = ("memory", None)
        except RecursionError:
            answer = ("depth", None)
        except BaseException as e:  # reported to the parent as an error of the job
            answer = ("error", f"{type(e).__name__}: {e}")
        grown = ((_address_space() or base) - base) / 2 ** 20  # what the caches have kept
        try:
            conn.send((*answer, grown))
        except MemoryError:
            conn.send(("memory", None, grown))


def _close_other_files(keep: int) -> None:
    """In the worker: close every inherited descriptor but stdio and our pipe, so that it
    never holds another pipe open (a pool that waits for EOF from its own workers would
    wait forever)."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


class Worker:
    """One child process that runs jobs (a module-level function and its arguments, both
    picklable) one at a time, each under a wall-clock limit enforced by SIGKILL.

    Forked directly (not a multiprocessing.Process): it works inside daemonic processes (a
    grading pool's workers) and never shows among anyone's `active_children()`."""

    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self.pid: int | None = None
        self.conn = None
        self.started = 0  # processes started so far (a test counts the restarts)
        _workers.add(self)

    def alive(self) -> bool:
        if self.pid is None:
            return False
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def start(self) -> None:
        from multiprocessing.connection import Pipe

        parent, child = Pipe(duplex=True)
        pid = os.fork()
        if pid == 0:  # the worker: serve jobs, and never return into the parent's code
            code = 0
            try:
                parent.close()
                _close_other_files(child.fileno())
                _serve(child, self.memory_mb)
            except BaseException:
                code = 1
                try:
                    import traceback
                    traceback.print_exc()  # on the parent's stderr: why the worker stopped
                except BaseException:
                    pass
            finally:
                os._exit(code)
        child.close()
        self.pid, self.conn = pid, parent
        self.started += 1

    def run(self, fn, args: tuple, timeout: float):
        """fn(*args) in the worker; OutOfTime past `timeout` seconds (the worker is killed),
        MemoryError past the memory cap, RecursionError, or WorkerLost if it died."""
        if not self.alive():
            self.stop()
            self.start()
        try:
            self.conn.send((fn, args))
            ready = self.conn.poll(max(timeout, 0.0))
        except (BrokenPipeError, EOFError, OSError) as e:
            self.stop()
            raise WorkerLost(str(e)) from None
        if not ready:
            self.stop()
            raise OutOfTime()
        try:
            status, payload, grown = self.conn.recv()
        except (EOFError, OSError):
            code = self.stop()
            raise WorkerLost(f"the worker stopped ({_status(code)})") from None
        if grown > self.memory_mb / 2:
            # sympy's caches and ours grow from step to step: a fresh worker for the next one
            # keeps the whole cap for each step
            self.stop()
        if status == "ok":
            return payload
        if status == "time":
            raise OutOfTime()
        if status == "memory":
            raise MemoryError()
        if status == "depth":
            raise RecursionError()
        raise JobFailed(payload)

    def stop(self) -> int | None:
        """Kill the worker (SIGKILL: it may be stuck where no signal handler runs) and reap
        it; its wait status, if it had one."""
        status = None
        if self.pid is not None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid == 0:
                    os.kill(self.pid, signal.SIGKILL)
                    _, status = os.waitpid(self.pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass
        if self.conn is not None:
            self.conn.close()
        self.pid = self.conn = None
        return status


def _status(status: int | None) -> str:
    if status is None:
        return "no exit status"
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


_local = threading.local()
_workers: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _stop_workers() -> None:
    """At exit, kill and reap the workers: one stuck in a long call into C would otherwise
    outlive us (it only notices that we are gone when it next reads its pipe)."""
    for w in list(_workers):
        w.stop()


def worker(memory_mb: int) -> Worker:
    """This thread's worker (one per thread, so that threads never wait for each other)."""
    w = getattr(_local, "worker", None)
    if w is None or w.memory_mb != memory_mb:
        if w is not None:
            w.stop()
        w = _local.worker = Worker(memory_mb)
    return w
