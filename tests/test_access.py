"""Without sign-in the dashboard is safe by default: it listens on this computer only, every page says
sign-in is off, and serving the network without sign-in needs one explicit setting."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import streamlit as st

from tests.conftest import PROJECT
from tests.test_browser import SERVER, free_port

PAGES = ("views/overview.py", "views/consent.py", "views/requests.py", "views/policies.py", "views/ccpa.py",
         "views/data.py")


@pytest.fixture
def server_address():
    """Set the server's address option for one test, and put back what the project's config says."""
    before = st.get_option("server.address")
    yield lambda address: st.config.set_option("server.address", address)
    st.config.set_option("server.address", before)


def test_the_project_listens_on_this_computer_only():
    assert st.get_option("server.address") == "127.0.0.1"  # .streamlit/config.toml, read from this folder


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_sign_in_is_off(app, page):
    app.switch_page(page).run()
    assert not app.exception
    assert any("Sign-in is off: this dashboard is reachable from this computer only" in caption.value
               for caption in app.sidebar.caption)


def test_a_network_address_without_sign_in_is_refused(app, server_address, monkeypatch):
    monkeypatch.delenv("PRIVACY_DASHBOARD_OPEN_WITHOUT_SIGN_IN", raising=False)
    server_address("0.0.0.0")
    app.run()
    assert not app.exception
    assert any("Sign-in is off and this server listens on the network" in error.value for error in app.error)
    assert not app.get("vega_lite_chart")  # no figure shown
    assert not app.metric


def test_opening_the_network_without_sign_in_is_one_explicit_setting(app, server_address, monkeypatch):
    monkeypatch.setenv("PRIVACY_DASHBOARD_OPEN_WITHOUT_SIGN_IN", "1")
    server_address("0.0.0.0")
    app.run()
    assert not app.error
    assert app.metric
    assert any("open to the network on purpose" in caption.value for caption in app.sidebar.caption)


def test_with_sign_in_on_the_pages_alone_refuse_to_serve(app, monkeypatch):
    """`streamlit run dashboard/app.py` skips dashboard/server.py, whose check guards uploads and downloads."""
    monkeypatch.delenv("PRIVACY_DASHBOARD_ENDPOINTS_CHECKED")
    app.secrets["auth"] = {"redirect_uri": "http://localhost/oauth2callback", "cookie_secret": "x" * 32,
                           "client_id": "c", "client_secret": "s",
                           "server_metadata_url": "http://localhost/.well-known/openid-configuration"}
    app.user = {"is_logged_in": True, "email": "ana@retail.example"}
    app.run()
    assert not app.exception
    assert any("Start it with `streamlit run dashboard/server.py`" in error.value for error in app.error)
    assert not app.metric and not app.get("vega_lite_chart")


def _outward_address() -> str | None:
    """This machine's address on its network (no packet is sent), or None when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.slow
def test_the_readme_command_is_not_reachable_from_the_network(tmp_path, sample_store_file):
    """`streamlit run dashboard/server.py` as the README says (no address given): loopback answers, the
    machine's network address does not."""
    outward = _outward_address()
    if outward is None:
        pytest.skip("this machine has no network address besides loopback")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(SERVER), "--server.port", str(port), "--server.headless", "true"],
        cwd=PROJECT, env={**os.environ, "PRIVACY_DASHBOARD_DB": str(tmp_path / "store.duckdb")},
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "streamlit did not start"
                time.sleep(0.3)
        with pytest.raises(OSError):
            socket.create_connection((outward, port), timeout=2).close()
    finally:
        process.terminate()
        process.wait(timeout=20)
