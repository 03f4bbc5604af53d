"""The dashboard's server with one of benchmarks/pages.py's what-ifs applied in its process, so that a change
to the page side can be measured under load before anyone makes it:

    BENCHMARK_VARIANT=cached-charts streamlit run benchmarks/variant_server.py

(`python -m benchmarks.sessions --variant cached-charts` starts it so.) The same app, endpoint checks and
store lifetime as dashboard/server.py; only the named what-if differs.
"""

import os
import sys
from pathlib import Path

# `streamlit run` puts this file's folder on the path, not the project's.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st
from starlette.middleware import Middleware

from benchmarks.pages import apply_variant
from dashboard import server
from dashboard.charts import consent, policy, requests  # noqa: F401 - loaded before the what-if patches them

apply_variant(os.environ.get("BENCHMARK_VARIANT", "as-is"))

app = st.App(Path(server.__file__).resolve().with_name("app.py"), middleware=[Middleware(server.OnlyPeopleWhoMay)],
             lifespan=server._store_for_the_servers_life)
