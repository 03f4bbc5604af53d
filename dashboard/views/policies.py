"""policies page (being built)."""

import streamlit as st

from dashboard import shell

filters = shell.current_filters()
st.title("policies")
st.write(filters)
