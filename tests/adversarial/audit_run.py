"""Check files under a Python audit hook (PEP 578) and report what the input made happen.

    python tests/adversarial/audit_run.py TIMEOUT FILE...

Prints one JSON object: the number of files, the violations seen (a process started, a file
opened for writing outside the grammar cache, a network or ctypes call, code compiled or run
that contains text from the input), seconds per file, and the peak memory of the run (this
process and its worker) in MB.  Used by tests/test_adversarial.py; the hook is installed
after the imports, and the forked worker inherits it (a violation there is written to stderr).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

from derivcheck import api
from derivcheck.limits import Limits
from derivcheck.report import github, junit, text
from derivcheck.report import json as json_report
from derivcheck.verify import budget

# text from the corpus that must never reach a compiler or a shell
MARKERS = ("derivcheck_pwned", "__import__(", "rm -rf", "DROP TABLE", "alert(1)", "cmd|")
FORBIDDEN = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
             "pty.spawn", "os.startfile", "socket.", "ctypes.", "urllib.", "http.client",
             "ftplib.", "smtplib.", "webbrowser.", "shutil.", "os.remove", "os.unlink",
             "os.rename", "os.rmdir", "os.chmod", "os.chown", "os.truncate", "os.symlink",
             "os.link", "builtins.input", "code.", "pdb.")
CACHE = os.path.realpath(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")))
violations: list[str] = []


def _has_marker(value, depth: int = 0) -> bool:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return any(m in value for m in MARKERS)
    if hasattr(value, "co_consts") and depth < 20:  # a code object: its constants
        return any(_has_marker(c, depth + 1) for c in value.co_consts)
    return False


def _writable(mode, flags) -> bool:
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC))


def _in_cache(path) -> bool:
    try:
        return os.path.realpath(os.fsdecode(path)).startswith(CACHE + os.sep)
    except (TypeError, ValueError):
        return False


def hook(event: str, args: tuple) -> None:
    problem = None
    if event.startswith(FORBIDDEN):
        problem = f"{event} {args!r:.200}"
    elif event == "open" and args and _writable(args[1] if len(args) > 1 else None,
                                                args[2] if len(args) > 2 else None):
        if isinstance(args[0], (str, bytes, os.PathLike)) and not _in_cache(args[0]):
            problem = f"open for writing {args[0]!r}"
    elif event in ("os.mkdir", "os.makedirs") and args and not _in_cache(args[0]):
        problem = f"{event} {args[0]!r}"
    elif event in ("compile", "exec", "builtins.eval") and args and _has_marker(args[0]):
        problem = f"{event} of text from the input"
    if problem:
        violations.append(problem)
        os.write(2, f"AUDIT-VIOLATION pid {os.getpid()}: {problem}\n".encode("utf-8", "replace"))


def main() -> None:
    timeout, files = float(sys.argv[1]), sys.argv[2:]
    limits = Limits(file_seconds=3.0)
    api.check_text("  x + x\n= 2x\n", timeout=timeout)  # the grammar cache written before the hook
    sys.addaudithook(hook)
    seconds = {}
    for path in files:
        start = time.monotonic()
        report = api.check_paths([path], timeout=timeout, limits=limits)
        for render in (text.render, json_report.render, junit.render, github.render):
            render(report)
        seconds[os.path.basename(path)] = round(time.monotonic() - start, 3)
    budget.worker(limits.memory_mb).stop()  # reaped: its peak memory counts below
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(json.dumps({"files": len(files), "violations": violations, "seconds": seconds,
                      "max_rss_mb": round(rss, 1)}))


if __name__ == "__main__":
    main()
