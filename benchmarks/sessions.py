"""Sessions opening pages together, as Streamlit's own browser client talks to the server: over its websocket.

    python -m benchmarks.sessions                         # 20 sessions on the bundled sample
    python -m benchmarks.sessions --store benchmarks/data/bench.duckdb --sessions 20

Starts `streamlit run dashboard/server.py` on a copy of the store (benchmarks/browser.py's Server), then
opens the sessions at once, each on its own websocket (`/_stcore/stream`, the browser client's
endpoint), each asking for one page as a browser opening a link does (a rerun message naming the page),
the pages taken in turn. A session's wait runs from its connection to the server's "script finished"
message: the server's share of a page opened from a link (what the browser adds, loading Streamlit's
scripts and drawing the charts, is measured by benchmarks/browser.py). Reports the median and 95th
percentile wait, the errors (an exception shown, a run that did not finish within the timeout, a closed
connection), and the server's CPU seconds.

It also measures what idle sessions cost: N sessions left open on a page for a minute, each asking for
the 5-second refresh fragment when the server tells it to (`auto_rerun`), as the browser client does;
the server's CPU seconds over the minute, per session.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.browser import Server
from benchmarks.measure import StepFailed

PAGES = ("", "consent", "requests", "policies", "ccpa")
TIMEOUT_SECONDS = 300


def _rerun_message(page: str, fragment_id: str | None = None) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_name = page
    if fragment_id:
        message.rerun_script.fragment_id = fragment_id
        message.rerun_script.is_auto_rerun = True
    return message.SerializeToString()


def _forward_message(data: bytes):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg()
    message.ParseFromString(data)
    return message


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat, in clock ticks)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def open_page(base: str, page: str, started_together: float) -> dict:
    """One session: connect, ask for the page, wait for the run to finish. Its wait and what went wrong."""
    import websockets

    url = base.replace("http://", "ws://") + "/_stcore/stream"
    result = {"page": f"/{page}"}
    try:
        async with websockets.connect(url, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=TIMEOUT_SECONDS) as socket:
            await socket.send(_rerun_message(page))
            exceptions = 0
            async with asyncio.timeout(TIMEOUT_SECONDS):
                while True:
                    message = _forward_message(await socket.recv())
                    kind = message.WhichOneof("type")
                    if kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
                        exceptions += 1
                    if kind == "script_finished":
                        break
            result["wait_s"] = time.perf_counter() - started_together
            if exceptions:
                result["error"] = f"{exceptions} exception(s) shown"
    except (TimeoutError, OSError, Exception) as error:  # noqa: BLE001 - every failure is a result here
        result["error"] = f"{type(error).__name__}: {error}"[:300]
        result["wait_s"] = time.perf_counter() - started_together
    return result


async def _together(base: str, sessions: int) -> list[dict]:
    started = time.perf_counter()
    return await asyncio.gather(*(open_page(base, PAGES[number % len(PAGES)], started) for number in range(sessions)))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def sessions_together(base: str, pid: int, sessions: int) -> dict:
    cpu_before = _cpu_seconds(pid)
    results = asyncio.run(_together(base, sessions))
    waits = [result["wait_s"] for result in results if "error" not in result]
    errors = [result for result in results if "error" in result]
    return {
        "sessions": sessions, "pages": sorted({result["page"] for result in results}),
        "median_s": round(statistics.median(waits), 2) if waits else None,
        "p95_s": round(percentile(waits, 0.95), 2) if waits else None,
        "slowest_s": round(max(waits), 2) if waits else None,
        "errors": len(errors), "error_examples": [error["error"] for error in errors[:3]],
        "server_cpu_s": round(_cpu_seconds(pid) - cpu_before, 1),
        "runs": results,
    }


async def _idle_session(base: str, page: str, state: dict) -> None:
    """A session left open on a page, asking for the refresh fragment whenever the server says to, until
    state["stop"] is set."""
    import websockets

    url = base.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as socket:
        await socket.send(_rerun_message(page))
        intervals: dict[str, float] = {}
        next_due: dict[str, float] = {}
        drawn = False
        while not state["stop"].is_set():
            wait = max(0.01, min([time.monotonic() + 0.5, *next_due.values()]) - time.monotonic())
            try:
                data = await asyncio.wait_for(socket.recv(), timeout=wait)
            except TimeoutError:
                data = None
            if data is not None:
                message = _forward_message(data)
                kind = message.WhichOneof("type")
                if kind == "auto_rerun":
                    intervals[message.auto_rerun.fragment_id] = message.auto_rerun.interval
                    next_due.setdefault(message.auto_rerun.fragment_id,
                                        time.monotonic() + message.auto_rerun.interval)
                elif kind == "script_finished":
                    if not drawn:
                        drawn = True
                        state["drawn"] += 1
                    elif state["counting"]:
                        state["fragment_runs_finished"] += 1
            for fragment_id, due in list(next_due.items()):
                if time.monotonic() >= due:
                    await socket.send(_rerun_message(page, fragment_id))
                    next_due[fragment_id] = due + intervals[fragment_id]


def idle_cost(base: str, pid: int, sessions: int, seconds: float) -> dict:
    """Server CPU seconds over `seconds` for sessions left open once their pages are drawn: the cost of the
    refresh fragment (and of anything else a page does while nobody touches it)."""

    async def everyone() -> dict:
        state = {"stop": asyncio.Event(), "drawn": 0, "counting": False, "fragment_runs_finished": 0}
        idle = [asyncio.create_task(_idle_session(base, PAGES[number % len(PAGES)], state))
                for number in range(sessions)]
        while state["drawn"] < sessions:
            if any(task.done() for task in idle):
                await asyncio.gather(*idle)  # raises what went wrong
            await asyncio.sleep(0.2)
        cpu_before, started = _cpu_seconds(pid), time.perf_counter()
        state["counting"] = True
        await asyncio.sleep(seconds)
        cpu, elapsed = _cpu_seconds(pid) - cpu_before, time.perf_counter() - started
        state["stop"].set()
        await asyncio.gather(*idle)
        return {"sessions": sessions, "seconds": round(elapsed, 1), "server_cpu_s": round(cpu, 2),
                "fragment_runs_finished": state["fragment_runs_finished"],
                "server_cpu_s_per_session_minute": round(cpu / sessions * 60 / elapsed, 3)}

    return asyncio.run(everyone())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="the store to serve (copied first); default: the bundled sample")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="times the sessions open pages together")
    parser.add_argument("--idle-seconds", type=float, default=60,
                        help="how long the idle sessions stay open (0: not measured)")
    parser.add_argument("--json", type=Path, help="write the numbers here")
    parser.add_argument("--server-option", action="append", default=[], metavar="NAME=VALUE",
                        help="a Streamlit option for the server, e.g. runner.postScriptGC=false (repeatable)")
    parser.add_argument("--variant", default="as-is",
                        help="a what-if of benchmarks/pages.py applied in the server (benchmarks/variant_server.py)")
    arguments = parser.parse_args(argv)
    from benchmarks.pages import copied_store, sample_store

    options = tuple(part for option in arguments.server_option
                    for part in (f"--{option.split('=', 1)[0]}", option.split("=", 1)[1]))

    results = {"server_options": list(options), "variant": arguments.variant}
    with tempfile.TemporaryDirectory(prefix="privacy-sessions-") as folder:
        folder = Path(folder)
        source = arguments.store or sample_store(folder)
        (folder / "served").mkdir()
        store = copied_store(source, folder / "served")
        entry = {} if arguments.variant == "as-is" else {
            "entry": Path(__file__).with_name("variant_server.py"),
            "environment": {"BENCHMARK_VARIANT": arguments.variant}}
        with Server(store, folder / "streamlit.log", options, **entry) as server:
            pid = server.process.pid
            # One session first: the caches filled, as on a server that has been up for a while.
            warm = sessions_together(server.base, pid, len(PAGES))
            results["one_of_each_page_first"] = {key: warm[key] for key in ("median_s", "slowest_s", "errors")}
            single = [sessions_together(server.base, pid, 1)["median_s"] for _ in range(5)]
            results["one_session_alone_s"] = single
            rounds = [sessions_together(server.base, pid, arguments.sessions) for _ in range(arguments.rounds)]
            waits = [run["wait_s"] for round_ in rounds for run in round_["runs"] if "error" not in run]
            results["together"] = {
                "sessions": arguments.sessions, "rounds": arguments.rounds,
                "median_s": round(statistics.median(waits), 2) if waits else None,
                "p95_s": round(percentile(waits, 0.95), 2) if waits else None,
                "slowest_s": round(max(waits), 2) if waits else None,
                "errors": sum(round_["errors"] for round_ in rounds),
                "error_examples": [example for round_ in rounds for example in round_["error_examples"]][:3],
                "server_cpu_s_per_round": [round_["server_cpu_s"] for round_ in rounds],
                "per_round": [{key: round_[key] for key in ("median_s", "p95_s", "slowest_s", "errors")}
                              for round_ in rounds],
            }
            print(f"[sessions] {arguments.sessions} together, {arguments.rounds} rounds: median "
                  f"{results['together']['median_s']} s, 95th percentile {results['together']['p95_s']} s, "
                  f"errors {results['together']['errors']}", flush=True)
            if arguments.idle_seconds:
                results["idle"] = idle_cost(server.base, pid, arguments.sessions, arguments.idle_seconds)
                print(f"[sessions] {arguments.sessions} idle for {arguments.idle_seconds:g} s: server CPU "
                      f"{results['idle']['server_cpu_s']} s, fragment runs {results['idle']['fragment_runs_finished']}",
                      flush=True)
            if server.process.poll() is not None:
                raise StepFailed("the server stopped: " + server.log.read_text()[-2000:])
    print(json.dumps({key: value for key, value in results.items()}, indent=2))
    if arguments.json:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
