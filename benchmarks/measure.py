"""What the benchmark measures with: process memory, the machine, and the ingest steps run in a child process.

An ingest step runs in a fresh Python process of its own, so its peak memory is its own:

    python -m benchmarks.measure bare DB CSV            # DuckDB alone: CREATE TABLE AS read_csv, CHECKPOINT
    python -m benchmarks.measure ingest DB KIND CSV     # the project: open_store, ingest_file, CHECKPOINT

Each prints one JSON line: `seconds` (from opening the database to the end of the CHECKPOINT, imports
left out), `peak_rss_bytes` (the process's own high-water mark) and what was loaded.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
GB = 1024**3


class StepFailed(Exception):
    """A measured step could not finish; its text says which and why."""


def bare_read_csv(database: str, csv_path: str) -> dict:
    """DuckDB's own CSV loading into a new file: the yardstick for the project's ingest."""
    import duckdb

    started = time.perf_counter()
    connection = duckdb.connect(database)
    connection.execute("CREATE TABLE consent AS SELECT * FROM read_csv($path)", {"path": csv_path})
    connection.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    rows = connection.execute("SELECT count(*) FROM consent").fetchone()[0]
    connection.close()
    return {"seconds": seconds, "rows": rows}


def project_ingest(database: str, kind: str, csv_path: str) -> dict:
    """The project's ingest of one export into the store at `database` (created when missing)."""
    from dashboard import ingest, store

    started = time.perf_counter()
    # Named when opening, as the command line does: the store's connection reads it where it is.
    connection = store.open_store(database, readable=[Path(csv_path)])
    opened = time.perf_counter()
    report = ingest.ingest_file(connection, kind, csv_path)
    connection.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds, "open_seconds": opened - started, "report": report.as_dict()}


def run_in_child(*arguments) -> dict:
    """One ingest step (`bare DB CSV` or `ingest DB KIND CSV`) in a fresh process; what it printed, as a dict."""
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", *map(str, arguments)],
        cwd=PROJECT, capture_output=True, text=True, check=False,
    )
    if finished.returncode != 0:
        detail = (finished.stderr or finished.stdout).strip().splitlines()[-5:]
        raise StepFailed(f"`{' '.join(map(str, arguments))}` failed (exit {finished.returncode}): "
                         + " | ".join(detail))
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def _status_bytes(pid: int, field: str) -> int:
    """A memory field of /proc/PID/status (VmRSS, VmHWM) in bytes; 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found.extend(children)
            pending.extend(children)
    return found


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and every process it started."""
    return sum(_status_bytes(member, "VmRSS") for member in [pid, *_descendants(pid)])


class MemoryWatch:
    """The peak resident memory of a process and its children, polled every 100 ms from a thread.

    The polled peak can miss a spike shorter than the interval, so the kernel's own high-water mark
    of the main process (VmHWM) is read too when the watch stops; the larger of the two is reported.
    """

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid = pid
        self.interval = interval
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def start(self) -> MemoryWatch:
        self._thread.start()
        return self

    def stop(self) -> int:
        """Stop polling (before the process ends, to read its high-water mark); the peak in bytes."""
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, _status_bytes(self.pid, "VmHWM"))
        return self.peak_bytes


def median_ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 1)


def repeat(measure, runs: int, budget_seconds: float) -> list:
    """Call `measure` up to `runs` times, stopping early once `budget_seconds` are spent; every result."""
    results, started = [], time.perf_counter()
    while len(results) < runs:
        results.append(measure())
        if time.perf_counter() - started > budget_seconds:
            break
    return results


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _command_output(*command) -> str | None:
    try:
        finished = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    return finished.stdout.strip() or None


def machine_facts() -> dict:
    """What the numbers were measured on: CPUs, memory, versions, the code's commit, the date."""
    memory = _total_memory_bytes()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_bytes": memory,
        "memory_gb": round(memory / GB, 1),
        "python": platform.python_version(),
        "duckdb": _version("duckdb"),
        "streamlit": _version("streamlit"),
        "playwright": _version("playwright"),
        "chromium": _command_output("/usr/bin/chromium", "--version"),
        "commit": _command_output("git", "rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(_command_output("git", "status", "--porcelain", "--", "dashboard", "queries")),
    }


def _total_memory_bytes() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def _cpu_model() -> str | None:
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


def main(argv: list[str]) -> None:
    steps = {"bare": bare_read_csv, "ingest": project_ingest}
    if not argv or argv[0] not in steps:
        sys.exit(__doc__)
    result = steps[argv[0]](*argv[1:])
    # Linux gives ru_maxrss in kilobytes.
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
