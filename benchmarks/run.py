"""The performance benchmark: ingest, each page's queries, the pages in a browser and a 200 MB upload, against targets.

    python -m benchmarks.run                                          # 10M consent events, 1M requests
    python -m benchmarks.run --consent 200000 --requests 20000        # a quick run at a small scale

Exports come from benchmarks/data/ when their row counts match (the 10M files live there), else from
benchmarks/data/<consent>-<requests>/, generated when missing. The store the ingest builds is kept
next to them as bench.duckdb for the query, browser and later runs (--reuse-store). Prints a table of
what was measured against its target and writes everything to <out>/benchmark-<scale>.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import NamedTuple

import duckdb

from benchmarks import browser, generate
from benchmarks.measure import GB, machine_facts, median_ms, repeat, run_in_child
from dashboard import metrics
from dashboard.metrics import Filters
from dashboard.queries import run_query
from dashboard.store import open_store

DATA = Path(__file__).resolve().parent / "data"
RESULTS = Path(__file__).resolve().parent / "results"
OVERLAP_ROWS = 1_000_000
# About 200 MB of consent export (91 bytes a row).
UPLOAD_ROWS = 2_200_000
MAX_UPLOAD_MB = 1024
# The straightforward path can take seconds per page at full scale: fewer repetitions once this is spent.
STRAIGHTFORWARD_BUDGET_SECONDS = 5

TARGETS = {
    "ingest_ratio": 1.5,
    "memory_gb": 3.0,
    "overlap_seconds": 10.0,
    "page_queries_ms": 150.0,
    # A page's queries with one value of the purpose, channel or region filter (issue 13).
    "filtered_queries_ms": 300.0,
    "speed_up": 10.0,
    "page_drawn_ms": 2000.0,
    # A page opened from a link in a fresh browser session (issue 13): 2 s on the sample, 3 s at 10M events.
    "fresh_page_ms": 2000.0,
    "fresh_page_large_ms": 3000.0,
    "filter_change_ms": 1000.0,
    "figure_rows": 5000,
}

# The metric queries each page runs (dashboard/views/*.py), each over the page's range (the Overview's
# comparisons are inside its own figures, overview_consent and overview_requests).
PAGE_FIGURES = {
    "overview": (
        "overview_consent", "consent_monthly_trend", "requests_trailing_12_months",
        "overview_requests", "requests_overdue", "requests_summary",
        "policy_versions", "policy_version_mix",
    ),
    "consent": ("consent_by_purpose", "consent_monthly_trend",
                "consent_by_channel", "consent_by_region"),
    "requests": ("requests_trailing_12_months", "requests_by_type",
                 "requests_summary", "requests_overdue", "requests_days_to_close"),
    "policies": ("policy_versions", "policy_version_mix", "policy_adoption"),
    # The CCPA page takes a calendar year, not the sidebar's range: here the year the range starts in.
    "ccpa": (),
}
# What the app frame and the pages look up besides the figures: the sidebar's options, the sample notice,
# the purpose catalogue (overview, consent) and the policy links (policies).
LOOKUPS = ("filter_options", "uploads", "purpose_catalogue", "policy_links")


def say(message: str) -> None:
    print(message, flush=True)


def scale_label(rows: int) -> str:
    """10000000 -> 10M, 200000 -> 200k."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if rows >= size and rows % (size // 10) == 0:
            return f"{rows / size:g}{suffix}"
    return str(rows)


def gigabytes(size: int | None) -> float | None:
    return None if size is None else round(size / GB, 2)


# --- Exports --------------------------------------------------------------------------------------------------

def _rows_in(path: Path) -> int | None:
    """Data rows of a CSV export (lines after the header), or None when there is no such file."""
    if not path.exists():
        return None
    lines = 0
    with open(path, "rb") as export:
        while chunk := export.read(1 << 24):
            lines += chunk.count(b"\n")
    return lines - 1


def exports(consent: int, requests: int, overlap: int) -> dict[str, Path]:
    """The four exports at this scale: reused when present, generated (deterministically) when not."""
    counts = {"consent": consent, "requests": requests, "consent_overlap": overlap}
    if all(_rows_in(DATA / f"{name}.csv") == rows for name, rows in counts.items()):
        folder = DATA
    else:
        folder = DATA / f"{consent}-{requests}"
    files = {name: folder / f"{name}.csv" for name in ("consent", "consent_overlap", "requests", "policies")}
    if not all(path.exists() for path in files.values()):
        say(f"[data] generating {consent:,} consent events and {requests:,} requests in {folder}")
        files = generate.generate(folder, consent, requests, overlap)
    return files


def upload_export(folder: Path, first_row: int, rows: int) -> Path:
    """A consent export of `rows` new events (numbered from first_row), for the upload through the browser."""
    path = folder / "consent-upload.csv"
    connection = duckdb.connect()
    connection.execute("SET preserve_insertion_order = true")
    connection.sql(generate.consent_rows(first_row, rows)).write_csv(str(path))
    connection.close()
    return path


# --- 1. Ingest ------------------------------------------------------------------------------------------------

def remove_store(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def ingest_step(files: dict[str, Path], store: Path, scratch: Path) -> dict:
    """Each load in a fresh process: DuckDB's bare read_csv, then the project's ingest of every export."""
    bare_database = scratch / "bare.duckdb"
    bare = run_in_child("bare", bare_database, files["consent"])
    remove_store(bare_database)
    say(f"[ingest] bare read_csv of consent.csv: {bare['seconds']:.1f} s, peak {gigabytes(bare['peak_rss_bytes'])} GB")
    remove_store(store)
    loads = {}
    for name, kind in (("consent", "consent"), ("requests", "requests"), ("policies", "policies"),
                       ("consent_overlap", "consent")):
        loads[name] = run_in_child("ingest", store, kind, files[name])
        report = loads[name]["report"]
        say(f"[ingest] project ingest of {name}.csv: {loads[name]['seconds']:.1f} s, peak "
            f"{gigabytes(loads[name]['peak_rss_bytes'])} GB; loaded {report['rows_loaded']:,}, "
            f"duplicate {report['rows_duplicate']:,}, rejected {report['rows_rejected']:,}")
    return {
        "bare_consent": bare,
        "project": loads,
        "consent_ratio": round(loads["consent"]["seconds"] / bare["seconds"], 2),
        "store": str(store),
        "store_bytes": store.stat().st_size,
    }


# --- 2. Queries -----------------------------------------------------------------------------------------------

class PageRun(NamedTuple):
    seconds: float
    rows: int  # the most rows one figure returned
    largest: str  # which figure that was
    cpu_seconds: float  # CPU time of this process meanwhile, DuckDB's threads included


def run_page(connection, page: str, filters, straightforward: bool = False) -> PageRun:
    """Seconds to compute every figure of a page, the most rows one figure returned, and which one.

    The process's CPU time too: other work on the machine slows the wall clock, far less the CPU time."""
    started, used = time.perf_counter(), time.process_time()
    if page == "ccpa":
        year = filters.start.year
        results = [("ccpa_report", metrics.ccpa_report(connection, year, straightforward=straightforward))]
    else:
        results = [(name, metrics.figure(connection, name, filters, straightforward=straightforward))
                   for name in PAGE_FIGURES[page]]
    seconds, cpu = time.perf_counter() - started, time.process_time() - used
    rows, largest = max((len(result), name) for name, result in results)
    return PageRun(seconds, rows, largest, cpu)


def date_ranges(connection) -> dict:
    """The sidebar's presets, counted back from the newest data as the dashboard does, and a custom quarter."""
    options = run_query(connection, "filter_options")
    span = dict(zip(options["filter"], options["value"], strict=False))
    first, last = date.fromisoformat(span["first_date"]), date.fromisoformat(span["last_date"])
    return {
        "last 12 months": Filters.for_range(connection),
        "year to date": Filters.for_range(connection, date(last.year, 1, 1), last),
        "last calendar year": Filters.for_range(connection, date(last.year - 1, 1, 1), date(last.year - 1, 12, 31)),
        "all data": Filters.for_range(connection, first, last),
        "custom: third quarter of last year": Filters.for_range(connection, date(last.year - 1, 7, 1),
                                                                date(last.year - 1, 9, 30)),
    }


def _filter_value(options, filter_name: str, preferred: str) -> str:
    values = options.loc[options["filter"] == filter_name, "value"].tolist()
    return preferred if preferred in values else values[0]


# The sidebar's consent filters, each with one value, read from the summaries kept per value; the
# last two are computed from the rows (views.sql, history_summary), and are shown without a target.
ONE_VALUE_FILTERS = ("purpose", "channel", "region")
FROM_THE_ROWS = ("two channels", "channel and region")


def query_step(store: Path, runs: int, straightforward: bool = True) -> dict:
    """Each page's figures over several ranges, summarised (and straightforward, unless told not to), then
    with each filter, on one open store."""
    started = time.perf_counter()
    connection = open_store(store)
    opened = time.perf_counter() - started
    if opened > 5:
        say(f"[queries] opening the store took {opened:.0f} s (summaries filled for new definitions)")
    try:
        ranges = date_ranges(connection)
        options = run_query(connection, "filter_options")
        purpose = _filter_value(options, "purpose", "marketing")
        channel = _filter_value(options, "channel", "web")
        other_channel = _filter_value(options.loc[options["value"] != channel], "channel", "app")
        region = _filter_value(options, "region", "DE")
        request_channel = _filter_value(options, "request_channel", "web_form")
        # A consent channel narrows the consent figures, a request channel the request figures.
        narrowed = {
            "purpose": Filters.for_range(connection, purposes=(purpose,)),
            "channel": Filters.for_range(connection, channels=(channel,), request_channels=(request_channel,)),
            "region": Filters.for_range(connection, regions=(region,)),
            "two channels": Filters.for_range(connection, channels=(channel, other_channel)),
            "channel and region": Filters.for_range(connection, channels=(channel,), regions=(region,)),
        }
        pages = {page: _time_page(connection, page, ranges, narrowed, runs, straightforward) for page in PAGE_FIGURES}
        lookups = repeat(lambda: _run_lookups(connection), runs, budget_seconds=30)
    finally:
        connection.close()
    return {
        "open_store_seconds": round(opened, 1),
        "ranges": {label: [filters.start.isoformat(), filters.end.isoformat()] for label, filters in ranges.items()},
        "filters": {"purpose": [purpose], "channel": [channel], "request_channel": [request_channel],
                    "region": [region], "two channels": [channel, other_channel]},
        "runs": runs,
        "pages": pages,
        "lookups_ms": median_ms(lookups),
        "lookups": list(LOOKUPS),
    }


def _run_lookups(connection) -> float:
    started = time.perf_counter()
    for name in LOOKUPS:
        run_query(connection, name)
    return time.perf_counter() - started


def _time_page(connection, page: str, ranges: dict, narrowed: dict, runs: int, straightforward: bool = True) -> dict:
    run_page(connection, page, ranges["last 12 months"])  # the first run reads the store's pages from disk
    per_range, summarised_all, straightforward_all, largest = {}, [], [], (0, None)
    for label, filters in ranges.items():
        summarised = repeat(lambda filters=filters: run_page(connection, page, filters), runs, budget_seconds=30)
        entry = {"summarised_ms": median_ms([run.seconds for run in summarised]),
                 "summarised_cpu_ms": median_ms([run.cpu_seconds for run in summarised]),
                 "rows": max(run.rows for run in summarised)}
        summarised_all += [run.seconds for run in summarised]
        largest = max(largest, max((run.rows, run.largest) for run in summarised))
        if straightforward:
            reference = repeat(lambda filters=filters: run_page(connection, page, filters, straightforward=True),
                               runs, budget_seconds=STRAIGHTFORWARD_BUDGET_SECONDS)
            entry["straightforward_ms"] = median_ms([run.seconds for run in reference])
            entry["straightforward_runs"] = len(reference)
            straightforward_all += [run.seconds for run in reference]
        per_range[label] = entry
    result = {
        "summarised_ms": median_ms(summarised_all),
        "slowest_range_ms": max(entry["summarised_ms"] for entry in per_range.values()),
        "straightforward_ms": median_ms(straightforward_all) if straightforward_all else None,
        "max_rows": largest[0],
        "largest_figure": largest[1],
        "ranges": per_range,
        "filtered_ms": {},
        "filtered_cpu_ms": {},
    }
    if result["straightforward_ms"]:
        result["speed_up"] = round(result["straightforward_ms"] / result["summarised_ms"], 1)
    for label, filters in narrowed.items():
        run_page(connection, page, filters)  # once first: the store's pages this filter reads come from disk
        timed = repeat(lambda filters=filters: run_page(connection, page, filters), runs, budget_seconds=30)
        result["filtered_ms"][label] = median_ms([run.seconds for run in timed])
        result["filtered_cpu_ms"][label] = median_ms([run.cpu_seconds for run in timed])
        result["max_rows"] = max(result["max_rows"], max(run.rows for run in timed))
    say(f"[queries] {page}: {result['summarised_ms']} ms (slowest range {result['slowest_range_ms']} ms), "
        f"straightforward {result['straightforward_ms']} ms, filtered {result['filtered_ms']} "
        f"(CPU {result['filtered_cpu_ms']}), "
        f"at most {result['max_rows']:,} rows ({result['largest_figure']})")
    return result


# --- 3 and 4. The browser -------------------------------------------------------------------------------------

def browser_step(store: Path, scratch: Path, runs: int) -> dict:
    result = browser.time_pages(store, scratch / "streamlit-pages.log", runs, progress=say)
    result["store"] = str(store)
    result["fresh_sessions"] = browser.fresh_sessions(store, scratch / "streamlit-fresh.log", runs, progress=say)
    return result


def upload_step(files: dict[str, Path], consent: int, overlap: int, rows: int, scratch: Path) -> dict:
    """A ~200 MB consent export through the Data page, into a new empty store (the sample loads first)."""
    export = upload_export(scratch, first_row=consent + overlap, rows=rows)
    say(f"[upload] {export.stat().st_size / 1e6:,.0f} MB, {rows:,} consent events; loading through the Data page")
    result = browser.time_upload(export, scratch / "upload-store.duckdb", scratch / "streamlit-upload.log",
                                 MAX_UPLOAD_MB)
    result.update(rows=rows, store="a new empty store (the bundled sample loads at start; the upload removes it)",
                  max_upload_size_mb=MAX_UPLOAD_MB)
    export.unlink()
    say(f"[upload] {result.get('seconds', 0):.1f} s, server peak {gigabytes(result['server_peak_rss_bytes'])} GB"
        + (f" ({result['error']})" if "error" in result else ""))
    return result


# --- The table ------------------------------------------------------------------------------------------------

def _ms(value) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


def checks(results: dict) -> list[dict]:
    """What was measured against its target, one row each; `met` is None where there is no target."""
    rows = []

    def add(what: str, measured: str, target: str = "–", met: bool | None = None) -> None:
        rows.append({"what": what, "measured": measured, "target": target, "met": met})

    scale = results["scale"]
    ingest = results.get("ingest")
    if ingest:
        bare, loads = ingest["bare_consent"], ingest["project"]
        consent = loads["consent"]
        add(f"ingest consent.csv ({scale['consent']:,} rows) against bare read_csv",
            f"{consent['seconds']:.1f} s vs {bare['seconds']:.1f} s = {ingest['consent_ratio']:.2f}×",
            f"≤ {TARGETS['ingest_ratio']}×", ingest["consent_ratio"] <= TARGETS["ingest_ratio"])
        peak = gigabytes(consent["peak_rss_bytes"])
        add("ingest consent.csv: peak memory (bare read_csv)",
            f"{peak} GB ({gigabytes(bare['peak_rss_bytes'])} GB)", f"< {TARGETS['memory_gb']:g} GB",
            peak < TARGETS["memory_gb"])
        for name in ("requests", "policies"):
            load = loads[name]
            add(f"ingest {name}.csv ({load['report']['rows_read']:,} rows)",
                f"{load['seconds']:.1f} s, peak {gigabytes(load['peak_rss_bytes'])} GB")
        overlap = loads["consent_overlap"]
        report = overlap["report"]
        add(f"overlapping export ({report['rows_read']:,} rows, half stored) into the store",
            f"{overlap['seconds']:.1f} s; loaded {report['rows_loaded']:,}, duplicate {report['rows_duplicate']:,}",
            f"< {TARGETS['overlap_seconds']:g} s", overlap["seconds"] < TARGETS["overlap_seconds"])
        peak = gigabytes(overlap["peak_rss_bytes"])
        add("overlapping export: peak memory", f"{peak} GB", f"< {TARGETS['memory_gb']:g} GB",
            peak < TARGETS["memory_gb"])
    queries = results.get("queries")
    if queries:
        for page, timing in queries["pages"].items():
            add(f"{page}: the page's queries, median over {len(queries['ranges'])} ranges (slowest range)",
                f"{_ms(timing['summarised_ms'])} ({_ms(timing['slowest_range_ms'])})",
                f"< {TARGETS['page_queries_ms']:g} ms", timing["summarised_ms"] < TARGETS["page_queries_ms"])
            speed_up = timing.get("speed_up")
            add(f"{page}: faster than straightforward",
                "not available" if speed_up is None else f"{speed_up:g}× ({_ms(timing['straightforward_ms'])})",
                f"≥ {TARGETS['speed_up']:g}×", None if speed_up is None else speed_up >= TARGETS["speed_up"])
            filtered = timing["filtered_ms"]
            one_value = {label: filtered[label] for label in ONE_VALUE_FILTERS if label in filtered}
            cpu = timing.get("filtered_cpu_ms", {})
            add(f"{page}: with a {' / '.join(one_value)} filter of one value (last 12 months; CPU time)",
                " / ".join(f"{_ms(value)} ({_ms(cpu.get(label))})" for label, value in one_value.items()),
                f"< {TARGETS['filtered_queries_ms']:g} ms", max(one_value.values()) < TARGETS["filtered_queries_ms"])
            from_rows = {label: filtered[label] for label in FROM_THE_ROWS if label in filtered}
            if from_rows:
                add(f"{page}: with {' / '.join(from_rows)} (computed from the rows; CPU time)",
                    " / ".join(f"{_ms(value)} ({_ms(cpu.get(label))})" for label, value in from_rows.items()))
        largest = max(queries["pages"].items(), key=lambda item: item[1]["max_rows"])
        add("largest figure", f"{largest[1]['max_rows']:,} rows ({largest[0]}: {largest[1]['largest_figure']})",
            f"< {TARGETS['figure_rows']:,} rows", largest[1]["max_rows"] < TARGETS["figure_rows"])
        add(f"lookups every visit runs ({', '.join(queries['lookups'])})", _ms(queries["lookups_ms"]))
    in_browser = results.get("browser")
    if in_browser and "pages" in in_browser:
        for page, timing in in_browser["pages"].items():
            cold, warm = timing.get("cold_ms"), timing.get("warm_ms")
            drawn = cold is not None and warm is not None and max(cold, warm) < TARGETS["page_drawn_ms"]
            add(f"{page} in the browser: charts drawn, first visit / later visits",
                f"{_ms(cold)} / {_ms(warm)}" + (f" ({timing['error']})" if "error" in timing else ""),
                f"< {TARGETS['page_drawn_ms'] / 1000:g} s", drawn)
            change = timing.get("filter_change_ms")
            add(f"{page}: period changed to {in_browser['changed_period']}, redrawn", _ms(change),
                f"< {TARGETS['filter_change_ms'] / 1000:g} s",
                change is not None and change < TARGETS["filter_change_ms"])
        fresh = in_browser.get("fresh_sessions", {}).get("pages", {})
        target = TARGETS["fresh_page_large_ms" if scale["consent"] >= 10_000_000 else "fresh_page_ms"]
        for page, timing in fresh.items():
            later = timing["later_median"]
            add(f"{page} from a link in a fresh browser session, drawn: first / later sessions "
                f"(later: scripts loaded, run finished)",
                f"{_ms(timing['first']['drawn'])} / {_ms(later['drawn'])} ({_ms(later['scripts_loaded'])}, "
                f"{_ms(later['script_finished'])})",
                f"< {target / 1000:g} s", max(timing["first"]["drawn"], later["drawn"]) < target)
        add("server peak memory while browsing", f"{gigabytes(in_browser['server_peak_rss_bytes'])} GB")
    elif in_browser:
        add("the pages in the browser", in_browser["error"], "runs", False)
    upload = results.get("upload")
    if upload:
        size = f"{upload['file_bytes'] / 1e6:,.0f} MB" if "file_bytes" in upload else "the export"
        if "rows_loaded" in upload:
            measured = (f"loaded {upload['rows_loaded']:,} of {upload['rows']:,} in {upload['seconds']:.1f} s "
                        f"(upload {upload['upload_seconds']:.1f} s + load {upload['load_seconds']:.1f} s)")
        else:
            measured = upload.get("error", "not loaded")
        add(f"upload of {size} through the Data page (maxUploadSize {MAX_UPLOAD_MB} MB)", measured,
            "loads", "rows_loaded" in upload and upload["rows_loaded"] == upload["rows"])
        if upload.get("server_peak_rss_bytes") is not None:
            peak = gigabytes(upload["server_peak_rss_bytes"])
            add("server peak memory during the upload", f"{peak} GB", f"< {TARGETS['memory_gb']:g} GB",
                peak < TARGETS["memory_gb"])
    return rows


def table(rows: list[dict]) -> str:
    marks = {True: "yes", False: "NO", None: "–"}
    lines = [("what", "measured", "target", "met?")] + [
        (row["what"], row["measured"], row["target"], marks[row["met"]]) for row in rows
    ]
    widths = [max(len(line[column]) for line in lines) for column in range(4)]
    rendered = [" | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in lines]
    rendered.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(rendered)


# --- Main -----------------------------------------------------------------------------------------------------

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consent", type=int, default=10_000_000, help="consent events (default 10,000,000)")
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests (default 1,000,000)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder of the JSON results")
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each timing (default 5)")
    parser.add_argument("--upload-rows", type=int, default=UPLOAD_ROWS,
                        help=f"consent events in the uploaded export (default {UPLOAD_ROWS:,}, about 200 MB)")
    parser.add_argument("--skip-browser", action="store_true", help="no page timings in the browser")
    parser.add_argument("--skip-upload", action="store_true", help="no upload through the browser")
    parser.add_argument("--reuse-store", action="store_true",
                        help="skip the ingest and measure the store an earlier run left (bench.duckdb)")
    parser.add_argument("--skip-straightforward", action="store_true",
                        help="no timings of the straightforward SQL (minutes per page at 10M)")
    arguments = parser.parse_args(argv)

    overlap = min(OVERLAP_ROWS, arguments.consent // 10)
    scale = {"consent": arguments.consent, "requests": arguments.requests, "overlap": overlap,
             "label": scale_label(arguments.consent)}
    out = arguments.out / f"benchmark-{scale['label']}.json"
    results = {"scale": scale, "machine": machine_facts()}
    files = exports(arguments.consent, arguments.requests, overlap)
    results["files"] = {name: {"path": str(path), "bytes": path.stat().st_size} for name, path in files.items()}
    store = files["consent"].parent / "bench.duckdb"

    def save() -> None:
        results["checks"] = checks(results)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="privacy-benchmark-") as scratch_name:
        scratch = Path(scratch_name)
        if arguments.reuse_store:
            if not store.exists():
                parser.error(f"--reuse-store: {store} does not exist yet; run once without it")
            say(f"[ingest] skipped: measuring the store of an earlier run, {store}")
        else:
            results["ingest"] = ingest_step(files, store, scratch)
            save()
        results["queries"] = query_step(store, arguments.runs, straightforward=not arguments.skip_straightforward)
        save()
        if not arguments.skip_browser:
            results["browser"] = _unless_failed(lambda: browser_step(store, scratch, arguments.runs))
            save()
        if not arguments.skip_upload:
            results["upload"] = _unless_failed(lambda: upload_step(
                files, arguments.consent, overlap, arguments.upload_rows, scratch))
            save()
    save()
    say("")
    say(f"Benchmark at {scale['label']} consent events ({arguments.consent:,}), {arguments.requests:,} requests; "
        f"{results['machine']['cpu_count']} CPUs, {results['machine']['memory_gb']} GB, "
        f"{results['machine']['date']}")
    if not arguments.skip_upload:
        say(f"The upload step runs its server with --server.maxUploadSize {MAX_UPLOAD_MB} "
            "(Streamlit's default is 200 MB), on a new empty store.")
    say(table(results["checks"]))
    say(f"\nwritten: {out}")


def _unless_failed(step) -> dict:
    """A browser step's results, or what went wrong: the other steps' results are still worth keeping."""
    try:
        return step()
    except Exception as error:  # noqa: BLE001 - reported in the results and the table
        say(f"[failed] {type(error).__name__}: {error}")
        return {"error": f"{type(error).__name__}: {str(error)[:2000]}"}


if __name__ == "__main__":
    main()
