"""The Streamlit entry file: `streamlit run dashboard/app.py`."""

import sys
from pathlib import Path

# `streamlit run` puts this file's folder on the path, not the project's; the package needs the latter.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from dashboard import metrics
from dashboard.store import StoreError, open_store, store_path

st.set_page_config(page_title="Privacy metrics", layout="wide")


@st.cache_resource
def connection():
    return open_store()


st.title("Privacy metrics")
try:
    store = connection()
except StoreError as error:
    st.error(str(error))
    st.stop()

filters = metrics.Filters.for_range(store)
document = metrics.metrics_document(store, filters)
st.caption(f"Store: {store_path()} · {filters.start} to {filters.end}")
if not document["consent"]["by_purpose"] and not document["requests"]["by_type"]:
    st.info(
        "The store is empty. Load exports with "
        "`python -m dashboard sample` and `python -m dashboard ingest consent sample/consent.csv`; "
        "the pages come next."
    )
else:
    st.subheader("Opt-in rates per purpose")
    st.dataframe(document["consent"]["by_purpose"], hide_index=True)
    st.subheader("Requests by type")
    st.dataframe(document["requests"]["by_type"], hide_index=True)
    st.metric("Overdue requests", document["requests"]["overdue"])
