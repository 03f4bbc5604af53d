"""The dashboard in a real browser: `streamlit run` on a free port, headless Chromium, page and upload timings.

A page counts as drawn when its script run has finished (Streamlit's `data-test-script-state`), nothing
is stale, loading or running any more, its title is there and its charts have a canvas: the waits of
tests/test_browser.py, plus the script state so that a rerun cannot be mistaken for the page before it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from benchmarks.measure import PROJECT, MemoryWatch, StepFailed, median_ms

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
APP = PROJECT / "dashboard" / "server.py"  # the README's command
STORE_ENV = "PRIVACY_DASHBOARD_DB"

# Each page's address and the charts it draws when every area has data. tests/test_browser.py counts at
# least 3 on the consent page of the sample; with data in every breakdown it draws 4.
PAGES = {"overview": ("", 3), "consent": ("consent", 4), "requests": ("requests", 3), "policies": ("policies", 2),
         "ccpa": ("ccpa", 0)}
CHANGED_PERIOD = "Last calendar year"
PAGE_TIMEOUT_MS = 120_000
UPLOAD_TIMEOUT_MS = 1_800_000

DRAWN = """charts => {
    const app = document.querySelector('[data-testid="stApp"]');
    return Boolean(app) && app.dataset.testScriptState === 'notRunning'
        && Boolean(document.querySelector('[data-testid="stMain"] h1'))
        && !document.querySelector(
            '[data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-stale="true"]')
        && document.querySelectorAll(
            '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks').length >= charts;
}"""
# Notes in the page when the script starts a run, so that a wait after a click only ends after that run.
WATCH_RUNS = """() => {
    window.benchmarkRunStarted = false;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => {
        if (app.dataset.testScriptState !== 'notRunning') window.benchmarkRunStarted = true;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
REDRAWN = f"charts => window.benchmarkRunStarted && ({DRAWN})(charts)"
UPLOAD_COUNTS = re.compile(r"rows read ([\d,]+), loaded ([\d,]+), duplicate ([\d,]+), rejected ([\d,]+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`streamlit run dashboard/server.py` on its own store, its memory watched from the start; stop() ends it."""

    def __init__(self, store: Path, log: Path, options: tuple[str, ...] = (), *, entry: Path = APP,
                 environment: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(self.port),
                        "--server.address", "127.0.0.1", "--server.headless", "true",
                        "--browser.gatherUsageStats", "false", *options]
        self.log = log
        self._log_file = open(log, "w")  # noqa: SIM115 - open for the server's lifetime
        self.process = subprocess.Popen(self.command, cwd=PROJECT,
                                        env={**os.environ, STORE_ENV: str(store), **(environment or {})},
                                        stdout=self._log_file, stderr=subprocess.STDOUT)
        self.memory = MemoryWatch(self.process.pid).start()
        self.peak_rss_bytes = None
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise StepFailed("streamlit did not start: " + self.log.read_text()[-2000:])
            time.sleep(0.2)

    def stop(self) -> int:
        """End the server; its peak resident memory (with any child processes) in bytes."""
        if self.peak_rss_bytes is None:
            self.peak_rss_bytes = self.memory.stop()
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self._log_file.close()
        return self.peak_rss_bytes

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exception) -> None:
        self.stop()


@contextmanager
def browser_tab():
    """One tab of headless Chromium, as tests/test_browser.py opens it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = chromium.new_context(viewport={"width": 1440, "height": 1000})
            yield context.new_page()
        finally:
            chromium.close()


def charts_drawn(tab) -> int:
    return tab.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks').count()


def errors_shown(tab) -> list[str]:
    return tab.locator('[data-testid="stException"]').all_inner_texts()


def what_went_wrong(tab, server: Server) -> dict:
    """For a wait that timed out: what the page showed and the end of the server's log."""
    try:
        shown = " ".join(tab.inner_text("body", timeout=5_000).split())[:1000]
    except Exception as error:  # noqa: BLE001 - the page itself may be gone
        shown = f"(the page could not be read: {error})"
    return {"errors_shown": errors_shown(tab), "page_text": shown, "server_log_tail": server.log.read_text()[-3000:]}


def open_page(tab, url: str, charts: int) -> float:
    """Seconds from asking for the page to its charts drawn."""
    started = time.perf_counter()
    tab.goto(url)
    tab.wait_for_function(DRAWN, arg=charts, timeout=PAGE_TIMEOUT_MS, polling=20)
    return time.perf_counter() - started


def change_period(tab, period: str, charts: int) -> float:
    """Seconds from choosing a period in the sidebar to the page redrawn with it."""
    tab.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    option = tab.get_by_role("option", name=period, exact=True)
    option.wait_for()
    tab.evaluate(WATCH_RUNS)
    started = time.perf_counter()
    option.click()
    tab.wait_for_function(REDRAWN, arg=charts, timeout=PAGE_TIMEOUT_MS, polling=20)
    return time.perf_counter() - started


# Notes, from the page's own start (performance.now()), when the script first runs and when that run has finished.
PHASES = """() => {
    window.benchmarkPhases = {};
    const watch = () => {
        const app = document.querySelector('[data-testid="stApp"]');
        if (!app) return false;
        const note = () => {
            const state = app.dataset.testScriptState;
            if (state && state !== 'notRunning' && !window.benchmarkPhases.running)
                window.benchmarkPhases.running = performance.now();
            if (state === 'notRunning' && window.benchmarkPhases.running && !window.benchmarkPhases.finished)
                window.benchmarkPhases.finished = performance.now();
        };
        new MutationObserver(note).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        note();
        return true;
    };
    if (!watch()) {
        const waiting = new MutationObserver(() => { if (watch()) waiting.disconnect(); });
        document.addEventListener('DOMContentLoaded', () => {
            if (!watch()) waiting.observe(document.body, {childList: true, subtree: true});
        });
    }
}"""
PHASE_TIMES = """() => {
    const navigation = performance.getEntriesByType('navigation')[0];
    return {scripts_loaded: navigation ? navigation.domContentLoadedEventEnd : null,
            script_running: window.benchmarkPhases.running || null,
            script_finished: window.benchmarkPhases.finished || null,
            drawn: performance.now()};
}"""


def first_page_fresh_session(chromium, url: str, charts: int) -> dict:
    """A page opened from a link in a new browser session (its own context: nothing cached, no cookies):
    ms from the start of the navigation to Streamlit's scripts loaded, the script's run finished on the
    server, and the charts drawn."""
    context = chromium.new_context(viewport={"width": 1440, "height": 1000})
    try:
        tab = context.new_page()
        tab.add_init_script(f"({PHASES})()")
        tab.goto(url)
        tab.wait_for_function(DRAWN, arg=charts, timeout=PAGE_TIMEOUT_MS, polling=20)
        phases = tab.evaluate(PHASE_TIMES)
        return {name: None if value is None else round(value, 1) for name, value in phases.items()}
    finally:
        context.close()


def fresh_sessions(store: Path, log: Path, runs: int, progress=print, server_settings: dict | None = None) -> dict:
    """Per page: opened from a link in a fresh browser session right after the server started (its figures
    not cached yet), then `runs` times more in fresh sessions (cached figures, as on a server in use)."""
    from playwright.sync_api import sync_playwright

    pages = {}
    with Server(store, log, **(server_settings or {})) as server, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for page, (path, charts) in PAGES.items():
                url = f"{server.base}/{path}"
                first = first_page_fresh_session(chromium, url, charts)
                later = [first_page_fresh_session(chromium, url, charts) for _ in range(runs)]
                median = {phase: _median([run[phase] for run in later]) for phase in first}
                pages[page] = {"first": first, "later_median": median, "later": later}
                progress(f"[browser] {page} in a fresh session: first {first['drawn']:,.0f} ms, later "
                         f"{median['drawn']:,.0f} ms (scripts loaded {median['scripts_loaded']:,.0f} ms, run "
                         f"finished {median['script_finished'] or 0:,.0f} ms)")
        finally:
            chromium.close()
        peak = server.stop()
    return {"pages": pages, "server_peak_rss_bytes": peak}


def _median(values):
    present = [value for value in values if value is not None]
    return round(sorted(present)[len(present) // 2], 1) if present else None


def pages_together(store: Path, log: Path, sessions: int, rounds: int, progress=print,
                   server_settings: dict | None = None) -> dict:
    """`sessions` fresh browser sessions (contexts of one headless Chromium) opening pages at once, the
    pages taken in turn; each one's wait from asking to charts drawn. The browser shares the machine
    with the server, so this is the worst case of benchmarks/sessions.py's measure."""
    import asyncio

    from playwright.async_api import async_playwright

    page_list = list(PAGES.values())

    async def one(chromium, number: int, started: float) -> dict:
        path, charts = page_list[number % len(page_list)]
        context = await chromium.new_context(viewport={"width": 1440, "height": 1000})
        try:
            tab = await context.new_page()
            await tab.goto(f"{server.base}/{path}", timeout=PAGE_TIMEOUT_MS)
            await tab.wait_for_function(DRAWN, arg=charts, timeout=PAGE_TIMEOUT_MS, polling=50)
            shown = await tab.locator('[data-testid="stException"]').count()
            result = {"page": f"/{path}", "wait_s": time.perf_counter() - started}
            if shown:
                result["error"] = f"{shown} exception(s) shown"
            return result
        except Exception as error:  # noqa: BLE001 - a failed session is a result here
            return {"page": f"/{path}", "wait_s": time.perf_counter() - started,
                    "error": f"{type(error).__name__}: {str(error).splitlines()[0]}"[:300]}
        finally:
            await context.close()

    async def everyone() -> list[list[dict]]:
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            try:
                results = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    results.append(await asyncio.gather(*(one(chromium, number, started)
                                                          for number in range(sessions))))
                return results
            finally:
                await chromium.close()

    with Server(store, log, **(server_settings or {})) as server:
        # The figures cached first, as on a server in use: one visit of each page.
        asyncio.run(_warm(server.base))
        rounds_run = asyncio.run(everyone())
        peak = server.stop()
    waits = [run["wait_s"] for round_ in rounds_run for run in round_ if "error" not in run]
    errors = [run["error"] for round_ in rounds_run for run in round_ if "error" in run]
    result = {"sessions": sessions, "rounds": rounds,
              "median_s": round(sorted(waits)[len(waits) // 2], 2) if waits else None,
              "p95_s": round(sorted(waits)[min(len(waits) - 1, round(0.95 * len(waits)) - 1)], 2) if waits else None,
              "errors": len(errors), "error_examples": errors[:3], "server_peak_rss_bytes": peak,
              "rounds_run": rounds_run}
    progress(f"[browser] {sessions} browser sessions together: median {result['median_s']} s, 95th percentile "
             f"{result['p95_s']} s, errors {result['errors']}")
    return result


async def _warm(base: str) -> None:
    from benchmarks.sessions import open_page

    for path, _charts in PAGES.values():
        await open_page(base, path, time.perf_counter())


def time_pages(store: Path, log: Path, runs: int, progress=print, server_settings: dict | None = None) -> dict:
    """Per page: the first visit after the server started, later visits, and a change of the period."""
    from playwright.sync_api import Error as PlaywrightError

    pages = {}
    with Server(store, log, **(server_settings or {})) as server, browser_tab() as tab:
        for page, (path, charts) in PAGES.items():
            url = f"{server.base}/{path}"
            result = {"url": f"/{path}", "expected_charts": charts}
            try:
                result["cold_ms"] = round(open_page(tab, url, charts) * 1000, 1)
                result["charts_drawn"] = charts_drawn(tab)
                warm = [open_page(tab, url, charts) for _ in range(runs)]
                result["warm_ms"] = median_ms(warm)
                result["warm_runs_ms"] = [round(seconds * 1000, 1) for seconds in warm]
                result["filter_change_ms"] = round(change_period(tab, CHANGED_PERIOD, charts) * 1000, 1)
                result["period_in_url"] = "period=Last+calendar+year" in tab.url
                result["errors_shown"] = errors_shown(tab)
            except PlaywrightError as error:
                result.update(error=str(error).splitlines()[0], charts_drawn=charts_drawn(tab),
                              **what_went_wrong(tab, server))
            pages[page] = result
            progress(f"[browser] {page}: first visit {result.get('cold_ms')} ms, later visits "
                     f"{result.get('warm_ms')} ms, period changed {result.get('filter_change_ms')} ms"
                     + (f" ({result['error']})" if "error" in result else ""))
        peak = server.stop()
    return {"pages": pages, "changed_period": CHANGED_PERIOD, "server_command": server.command,
            "server_peak_rss_bytes": peak}


def time_upload(export: Path, store: Path, log: Path, max_upload_mb: int) -> dict:
    """Load one consent export through the Data page's file chooser; the time, the counts shown, server memory."""
    from playwright.sync_api import Error as PlaywrightError

    result = {"file_bytes": export.stat().st_size}
    with Server(store, log, ("--server.maxUploadSize", str(max_upload_mb))) as server, browser_tab() as tab:
        result["server_command"] = server.command
        try:
            open_page(tab, f"{server.base}/data", 0)
            tab.get_by_text("consent", exact=True).first.click()
            started = time.perf_counter()
            tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(export))
            # Once the file is listed, the form's button stays disabled while it travels to the server;
            # the click waits for that.
            tab.locator('[data-testid="stFileUploader"] [data-testid="stFileChipName"]').filter(
                has_text=export.name).wait_for(timeout=UPLOAD_TIMEOUT_MS)
            tab.get_by_role("button", name="Load", exact=True).click(timeout=UPLOAD_TIMEOUT_MS)
            clicked = time.perf_counter()
            tab.wait_for_selector("text=Last load", timeout=UPLOAD_TIMEOUT_MS)
            tab.wait_for_function(DRAWN, arg=0, timeout=UPLOAD_TIMEOUT_MS, polling=100)
            finished = time.perf_counter()
            result.update(upload_seconds=clicked - started, load_seconds=finished - clicked,
                          seconds=finished - started)
            shown = tab.inner_text('[data-testid="stMain"]')
            counts = UPLOAD_COUNTS.search(shown)
            if counts:
                read, loaded, duplicate, rejected = (int(count.replace(",", "")) for count in counts.groups())
                result.update(rows_read=read, rows_loaded=loaded, rows_duplicate=duplicate, rows_rejected=rejected)
            else:
                result["error"] = "the Data page showed no counts: " + " ".join(shown.split())[:400]
        except PlaywrightError as error:
            result.update(error=str(error).splitlines()[0], **what_went_wrong(tab, server))
        result["server_peak_rss_bytes"] = server.stop()
    return result


def main(argv=None) -> None:
    """The browser measures on one store (the bundled sample unless named): first pages in fresh sessions,
    visits and a period change in one tab, and browser sessions opening pages together."""
    import argparse
    import json
    import tempfile

    from benchmarks.pages import copied_store, sample_store

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="the store to serve (copied first); default: the bundled sample")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--together", type=int, default=20, help="browser sessions opening pages at once (0: none)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the numbers here")
    parser.add_argument("--server-option", action="append", default=[], metavar="NAME=VALUE",
                        help="a Streamlit option for the server, e.g. runner.postScriptGC=false (repeatable)")
    parser.add_argument("--variant", default="as-is",
                        help="a what-if of benchmarks/pages.py applied in the server (benchmarks/variant_server.py)")
    parser.add_argument("--steps", default="fresh_sessions,one_tab,together", help="which steps, comma-separated")
    arguments = parser.parse_args(argv)
    settings = {"options": tuple(part for option in arguments.server_option
                                 for part in (f"--{option.split('=', 1)[0]}", option.split("=", 1)[1]))}
    if arguments.variant != "as-is":
        settings.update(entry=PROJECT / "benchmarks" / "variant_server.py",
                        environment={"BENCHMARK_VARIANT": arguments.variant})
    results = {"server_options": list(settings["options"]), "variant": arguments.variant}
    with tempfile.TemporaryDirectory(prefix="privacy-browser-") as folder:
        folder = Path(folder)
        source = arguments.store or sample_store(folder)
        steps = {
            "fresh_sessions": lambda store: fresh_sessions(store, folder / "fresh.log", arguments.runs,
                                                           server_settings=settings),
            "one_tab": lambda store: time_pages(store, folder / "tab.log", arguments.runs, server_settings=settings),
            "together": lambda store: pages_together(store, folder / "together.log", arguments.together,
                                                     arguments.rounds, server_settings=settings),
        }
        chosen = arguments.steps.split(",")
        for step, measure in steps.items():
            if step not in chosen or (step == "together" and not arguments.together):
                continue
            # Each step on a server of its own, on a copy of its own: nothing cached from the step before.
            served = folder / step
            served.mkdir()
            results[step] = measure(copied_store(source, served))
    summary = {page: {"fresh_first_ms": timing["first"]["drawn"], "fresh_later_ms": timing["later_median"]["drawn"],
                      "scripts_loaded_ms": timing["later_median"]["scripts_loaded"],
                      "script_finished_ms": timing["later_median"]["script_finished"],
                      "period_change_ms": results.get("one_tab", {}).get("pages", {}).get(page, {}).get(
                          "filter_change_ms")}
               for page, timing in results.get("fresh_sessions", {}).get("pages", {}).items()}
    together = {key: value for key, value in results.get("together", {}).items() if key != "rounds_run"}
    print(json.dumps({"pages": summary, "together": together}, indent=2))
    if arguments.json:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
