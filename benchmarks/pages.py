"""Where a page run's server time goes: each page under Streamlit's AppTest, its script timed part by part.

    python -m benchmarks.pages                        # the bundled sample, in a store of its own
    python -m benchmarks.pages --store benchmarks/data/bench.duckdb --runs 5

The store is copied first (a page run may write to it), so the one named is never changed. Every page runs
once with empty caches (its queries run), then `--runs` times as new sessions would open it while the
figures are cached (what most page runs are). The time of each run is split, exclusively (a part called
inside another counts for itself only), into:

- queries: DuckDB, from the SQL to the DataFrame (queries.run_query);
- store version reads: store.store_version, which shell.version() runs for every figure a page asks for;
- figure lookups: the figure cache (st.cache_data hashes the arguments and copies the frame out) and the
  small-count rule (shell.figure, shell.query, shell.version);
- chart spec and table lookups: the caches of built chart specs and Data-tab tables, where the pages have them
  (shell.chart_spec, shell._table_view: st.cache_data hashes the frames they are given, every run);
- chart data (pandas): functions of dashboard/charts/ that return a frame;
- chart objects (Altair): functions of dashboard/charts/ that return a chart or a chart part;
- chart.to_dict: Altair's conversion with its schema validation (called by st.altair_chart, and for a PNG);
- chart element: the rest of Streamlit's chart element, st.altair_chart or st.vega_lite_chart (the data to
  Arrow, the spec to JSON, the message);
- st.dataframe, st.download_button, CSV bytes (downloads.csv_bytes, made before any click);
- the rest: the page's own code, other elements, the sign-in and sidebar, the script runner.

AppTest compiles the scripts again for every run, which a server does once: that time is left out.

Counted too: charts per page, CSV bytes made, PNGs made (a PNG is made on click only) and the size of
the chart specifications sent. cProfile is not used: it inflates Python-heavy parts (Altair) several fold.
Prints a table and, with --json, writes the numbers.
"""

from __future__ import annotations

import argparse
import copy
import functools
import inspect
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.measure import PROJECT

APP = PROJECT / "dashboard" / "app.py"
STORE_ENV = "PRIVACY_DASHBOARD_DB"
PAGES = {"overview": "views/overview.py", "consent": "views/consent.py", "requests": "views/requests.py",
         "policies": "views/policies.py", "ccpa": "views/ccpa.py"}
PARTS = ("queries", "store version reads", "figure lookups", "chart spec and table lookups", "chart data (pandas)",
         "chart objects (Altair)", "chart.to_dict", "chart element", "st.dataframe", "st.download_button", "CSV bytes",
         "the rest")
# AppTest compiles the entry file and the page afresh for every run (a new ScriptCache each time); a server
# compiles each once. That time is measured apart and left out of the run's total.
COMPILING = "compiling (AppTest only)"


class Ledger:
    """Exclusive time per part of a script run: a timed call inside another pauses the outer one's clocks.

    Two clocks: the wall clock, and the CPU time of the script's thread (time.thread_time), which other
    processes on the machine slow down far less; DuckDB's own worker threads are not in the latter.
    """

    def __init__(self) -> None:
        self.active = False
        self.reset()

    def reset(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu_seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter = Counter()
        self.facts: Counter = Counter()
        self._stack: list[list] = []

    def timed(self, part, function):
        """`function` timed under `part` (a name, or a function of the result that names it)."""

        @functools.wraps(function)
        def wrapper(*arguments, **keywords):
            if not self.active:
                return function(*arguments, **keywords)
            entry = [time.perf_counter(), time.thread_time(), 0.0, 0.0]
            self._stack.append(entry)
            result = None
            try:
                result = function(*arguments, **keywords)
                return result
            finally:
                elapsed, used = time.perf_counter() - entry[0], time.thread_time() - entry[1]
                self._stack.pop()
                name = part(result) if callable(part) else part
                self.seconds[name] += elapsed - entry[2]
                self.cpu_seconds[name] += used - entry[3]
                self.calls[name] += 1
                if self._stack:
                    self._stack[-1][2] += elapsed
                    self._stack[-1][3] += used

        wrapper.__wrapped_by_benchmark__ = True
        return wrapper


LEDGER = Ledger()


def _replace_everywhere(original, replacement) -> None:
    """Every module attribute of the project that is `original` (imported by name or not) becomes `replacement`."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "dashboard" or name.startswith("dashboard.")):
            continue
        for attribute, value in list(vars(module).items()):
            if value is original:
                setattr(module, attribute, replacement)


def _chart_part(result) -> str:
    import altair as alt
    import pandas as pd

    if isinstance(result, pd.DataFrame | pd.Series):
        return "chart data (pandas)"
    if isinstance(result, alt.SchemaBase | alt.TopLevelMixin):
        return "chart objects (Altair)"
    return "chart data (pandas)"


def install() -> None:
    """Timers around the parts above (in this process only: a measurement, not a change of the code)."""
    import altair as alt
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.elements import vega_charts
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    from dashboard import downloads, queries, shell, store
    from dashboard.charts import consent, policy, requests  # noqa: F401 - imported to be timed

    ScriptRunner._run_script = LEDGER.timed("the rest", ScriptRunner._run_script)
    ScriptCache.get_bytecode = LEDGER.timed(COMPILING, ScriptCache.get_bytecode)
    for module, name, part in ((queries, "run_query", "queries"), (store, "store_version", "store version reads")):
        original = getattr(module, name)
        _replace_everywhere(original, LEDGER.timed(part, original))
    for name in ("figure", "query", "total", "version"):
        original = getattr(shell, name)
        _replace_everywhere(original, LEDGER.timed("figure lookups", original))
    for name in ("chart_spec", "_table_view"):
        if hasattr(shell, name):
            original = getattr(shell, name)
            _replace_everywhere(original, LEDGER.timed("chart spec and table lookups", original))

    def counted_csv(*arguments, **keywords):
        made = original_csv(*arguments, **keywords)
        LEDGER.facts["csv_bytes"] += len(made)
        LEDGER.facts["csvs"] += 1
        return made

    original_csv = downloads.csv_bytes
    _replace_everywhere(original_csv, LEDGER.timed("CSV bytes", counted_csv))
    original_png = downloads.png_bytes

    def counted_png(chart, *arguments, **keywords):
        LEDGER.facts["pngs"] += 1
        return original_png(chart, *arguments, **keywords)

    _replace_everywhere(original_png, counted_png)
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("dashboard.charts."):
            for name, value in list(vars(module).items()):
                if (inspect.isfunction(value) and value.__module__ == module_name
                        and not getattr(value, "__wrapped_by_benchmark__", False)):
                    _replace_everywhere(value, LEDGER.timed(_chart_part, value))
    alt.Chart.to_dict = LEDGER.timed("chart.to_dict", alt.Chart.to_dict)
    alt.TopLevelMixin.to_dict = LEDGER.timed("chart.to_dict", alt.TopLevelMixin.to_dict)

    for name in ("altair_chart", "vega_lite_chart"):
        original_element = getattr(vega_charts.VegaChartsMixin, name)

        def counted_element(self, *arguments, __element=original_element, **keywords):
            LEDGER.facts["charts"] += 1
            return __element(self, *arguments, **keywords)

        setattr(vega_charts.VegaChartsMixin, name,
                LEDGER.timed("chart element", functools.wraps(original_element)(counted_element)))
    original_spec = vega_charts._stabilize_vega_json_spec

    def counted_spec(spec):
        stable = original_spec(spec)
        LEDGER.facts["spec_bytes"] += len(stable)
        return stable

    vega_charts._stabilize_vega_json_spec = counted_spec
    DeltaGenerator.altair_chart = vega_charts.VegaChartsMixin.altair_chart
    DeltaGenerator.vega_lite_chart = vega_charts.VegaChartsMixin.vega_lite_chart
    DeltaGenerator.dataframe = LEDGER.timed("st.dataframe", DeltaGenerator.dataframe)
    DeltaGenerator.download_button = LEDGER.timed("st.download_button", DeltaGenerator.download_button)
    # `st.altair_chart` and the like were bound to the main container when Streamlit was imported.
    for name in ("altair_chart", "vega_lite_chart", "dataframe", "download_button"):
        setattr(st, name, getattr(DeltaGenerator, name).__get__(st._main))


# What-ifs for the page side, applied in this process only, so that a recommendation's saving is measured:
VARIANTS = {
    "as-is": "the code as it stands",
    "no-validation": "Altair's JSON-schema validation skipped (when a chart is built and in chart.to_dict)",
    "cached-charts": "each chart built once per figure and kept, its Vega-Lite spec too (as st.cache_data of "
                     "the spec, keyed by the chart's data and arguments, would keep it)",
    "no-data-tabs": "no table in a chart's Data tab (shell.show_chart draws no st.dataframe): what those hidden "
                    "tables cost the server and the browser",
}


def apply_variant(name: str) -> None:
    if name == "no-validation":
        from altair.utils import schemapi

        schemapi.validate_jsonschema = lambda *arguments, **keywords: None
    elif name == "cached-charts":
        _cache_charts()
    elif name == "no-data-tabs":
        _no_data_tabs()
    elif name != "as-is":
        raise SystemExit(f"no variant {name!r}: {', '.join(VARIANTS)}")


def _argument_key(value):
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return ("frame", tuple(value.columns), int(pd.util.hash_pandas_object(value, index=False).sum()))
    if isinstance(value, list | tuple):
        return tuple(_argument_key(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _argument_key(item)) for key, item in value.items()))
    return repr(value)


def _cache_charts() -> None:
    """Chart functions return the chart they returned before for equal arguments, and Streamlit converts a
    chart it has converted before from its kept spec. Hashing the arguments is part of the time measured."""
    from streamlit.elements import vega_charts

    charts: dict = {}
    specs: dict[int, dict] = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("dashboard.charts."):
            continue
        for name, value in list(vars(module).items()):
            if inspect.isfunction(value) and value.__module__ == module_name and name.endswith("_chart"):
                def kept(*arguments, __function=value, **keywords):
                    key = (__function.__qualname__, _argument_key(arguments), _argument_key(keywords))
                    if key not in charts:
                        charts[key] = __function(*arguments, **keywords)
                    return charts[key]

                _replace_everywhere(value, functools.wraps(value)(kept))
    convert = vega_charts._convert_altair_to_vega_lite_spec

    def kept_spec(chart):
        if id(chart) not in specs:
            specs[id(chart)] = (chart, convert(chart))  # the chart too, so that its id is not reused
        # A copy, as st.cache_data hands out.
        return copy.deepcopy(specs[id(chart)][1])

    vega_charts._convert_altair_to_vega_lite_spec = kept_spec


def _no_data_tabs() -> None:
    import streamlit as st

    from dashboard import shell

    show_chart = shell.show_chart

    def without_table(*arguments, **keywords):
        table, st.dataframe = st.dataframe, lambda *_arguments, **_keywords: None
        try:
            return show_chart(*arguments, **keywords)
        finally:
            st.dataframe = table

    _replace_everywhere(show_chart, functools.wraps(show_chart)(without_table))


def sample_store(folder: Path) -> Path:
    """A new store holding the bundled sample, as the server makes one on first start."""
    from dashboard.shell import load_sample
    from dashboard.store import open_store

    path = folder / "sample.duckdb"
    connection = open_store(path)
    load_sample(connection)
    connection.close()
    return path


def copied_store(source: Path, folder: Path) -> Path:
    target = folder / "store.duckdb"
    shutil.copy(source, target)
    key = source.with_name(source.name + ".key")
    if key.exists():
        shutil.copy(key, target.with_name(target.name + ".key"))
    return target


def _one_run(page: str, query: dict | None = None) -> dict:
    from streamlit.testing.v1 import AppTest

    test = AppTest.from_file(str(APP), default_timeout=600)
    for name, value in (query or {}).items():
        test.query_params[name] = value
    LEDGER.reset()
    LEDGER.active = True
    started = time.perf_counter()
    try:
        test.switch_page(PAGES[page]).run()
    finally:
        LEDGER.active = False
    wall = time.perf_counter() - started
    if test.exception:
        raise RuntimeError(f"{page}: {test.exception[0].value}")
    script = sum(seconds for part, seconds in LEDGER.seconds.items() if part != COMPILING)
    return {"wall_ms": wall * 1000, "script_ms": script * 1000,
            "script_cpu_ms": sum(seconds for part, seconds in LEDGER.cpu_seconds.items() if part != COMPILING) * 1000,
            "compiling_ms": LEDGER.seconds.get(COMPILING, 0.0) * 1000,
            "parts_ms": {part: LEDGER.seconds.get(part, 0.0) * 1000 for part in PARTS},
            "parts_cpu_ms": {part: LEDGER.cpu_seconds.get(part, 0.0) * 1000 for part in PARTS},
            "calls": dict(LEDGER.calls), **dict(LEDGER.facts)}


def measure(store: Path, runs: int, query: dict | None = None, progress=print, variant: str = "as-is") -> dict:
    """Per page: the run with empty caches, and the median of `runs` later runs (new sessions, cached figures)."""
    import streamlit as st

    with tempfile.TemporaryDirectory(prefix="privacy-pages-") as folder:
        os.environ[STORE_ENV] = str(copied_store(store, Path(folder)))
        os.environ["PRIVACY_DASHBOARD_ENDPOINTS_CHECKED"] = "1"
        from dashboard import server_connection

        st.cache_data.clear()
        install()
        apply_variant(variant)
        results = {}
        try:
            for page in PAGES:
                first = _one_run(page, query)
                later = [_one_run(page, query) for _ in range(runs)]
                median = {
                    "script_ms": statistics.median(run["script_ms"] for run in later),
                    "script_cpu_ms": statistics.median(run["script_cpu_ms"] for run in later),
                    "parts_ms": {part: statistics.median(run["parts_ms"][part] for run in later) for part in PARTS},
                    "parts_cpu_ms": {part: statistics.median(run["parts_cpu_ms"][part] for run in later)
                                     for part in PARTS},
                }
                results[page] = {
                    "first": first, "later": median, "later_runs_script_ms": [run["script_ms"] for run in later],
                    "charts": later[-1].get("charts", 0), "csvs": later[-1].get("csvs", 0),
                    "csv_bytes": later[-1].get("csv_bytes", 0), "pngs": later[-1].get("pngs", 0),
                    "spec_bytes": later[-1].get("spec_bytes", 0), "calls": later[-1]["calls"],
                }
                progress(f"[pages] {page}: first run {first['script_ms']:,.0f} ms, later runs "
                         f"{median['script_ms']:,.0f} ms, of it {median['script_cpu_ms']:,.0f} ms CPU of the script's "
                         f"thread (median of {runs})")
        finally:
            server_connection.close_held()
    return results


def table(results: dict, clock: str = "wall") -> str:
    """Later runs' parts per page, in ms (wall clock, or "cpu": the script thread's), with the first run's
    total and the counts."""
    key = "parts_ms" if clock == "wall" else "parts_cpu_ms"
    total = "script_ms" if clock == "wall" else "script_cpu_ms"
    header = [f"part ({'wall clock' if clock == 'wall' else 'CPU of the script thread'}, ms)"] + list(results)
    lines = [header]
    lines.append(["script, first run (empty caches)"] + [f"{r['first'][total]:,.0f}" for r in results.values()])
    lines.append(["script, later run (median)"] + [f"{r['later'][total]:,.0f}" for r in results.values()])
    for part in PARTS:
        lines.append([f"  {part}"] + [f"{r['later'][key][part]:,.1f}" for r in results.values()])
    lines.append(["store version reads (count)"] + [str(r["calls"].get("store version reads", 0))
                                                     for r in results.values()])
    lines.append(["charts"] + [str(r["charts"]) for r in results.values()])
    lines.append(["chart specs sent (kB)"] + [f"{r['spec_bytes'] / 1000:,.0f}" for r in results.values()])
    lines.append(["CSVs made before a click"] + [str(r["csvs"]) for r in results.values()])
    lines.append(["CSV bytes made before a click (kB)"] + [f"{r['csv_bytes'] / 1000:,.1f}" for r in results.values()])
    lines.append(["PNGs made before a click"] + [str(r["pngs"]) for r in results.values()])
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    rendered = [" | ".join(cell.ljust(width) if column == 0 else cell.rjust(width)
                           for column, (cell, width) in enumerate(zip(line, widths, strict=True))) for line in lines]
    rendered.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(rendered)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a store to measure (copied first); default: the bundled sample")
    parser.add_argument("--runs", type=int, default=5, help="later runs per page (default 5)")
    parser.add_argument("--json", type=Path, help="write the numbers here")
    parser.add_argument("--filter", action="append", default=[], metavar="NAME=VALUE",
                        help="a sidebar filter in the link, e.g. channel=web (repeatable)")
    parser.add_argument("--variant", default="as-is", choices=list(VARIANTS),
                        help="; ".join(f"{name}: {text}" for name, text in VARIANTS.items()))
    arguments = parser.parse_args(argv)
    query = dict(item.split("=", 1) for item in arguments.filter)
    with tempfile.TemporaryDirectory(prefix="privacy-sample-") as folder:
        store = arguments.store or sample_store(Path(folder))
        results = measure(store, arguments.runs, query, variant=arguments.variant)
    print(table(results))
    print()
    print(table(results, "cpu"))
    if arguments.json:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
