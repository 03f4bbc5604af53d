"""Sign-in for real: a local OpenID Connect provider on 127.0.0.1, a real `streamlit run` configured for it
through .streamlit/secrets.toml, and a browser signing in as an analyst, a viewer and a stranger."""

import pytest
from playwright.sync_api import expect

from tests.conftest import copy_store, free_port
from tests.test_browser import screenshot, start_streamlit, wait_for_app

# The local identity provider (the `provider` fixture of tests/conftest.py) knows ana, vic and eve.
ROLES = """
[analysts]
emails = ["ana@retail.example"]
[viewers]
domains = ["retail.example"]
"""


def write_sign_in_site(site, port: int, provider: str) -> None:
    """A folder to start the dashboard in, as the README's Security section configures it: .streamlit/secrets.toml
    with an [auth] section for the local provider, and roles.toml naming an analyst and a domain of viewers."""
    (site / ".streamlit").mkdir(exist_ok=True)
    (site / ".streamlit" / "secrets.toml").write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-test-secret-that-is-long-enough-0123456789"
client_id = "privacy-dashboard"
client_secret = "test-client-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"
""")
    (site / "roles.toml").write_text(ROLES)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, sample_store_file, provider):
    """The dashboard with sign-in configured as the README's example shows; its base URL."""
    site = tmp_path_factory.mktemp("site")
    port = free_port()
    write_sign_in_site(site, port, provider)
    process, base = start_streamlit(copy_store(sample_store_file, site), site / "streamlit.log", cwd=site, port=port,
                                    env={"PRIVACY_DASHBOARD_ROLES": str(site / "roles.toml")})
    yield base
    process.terminate()
    process.wait(timeout=20)


def signed_in(browser, dashboard, who: str):
    """A fresh browser session that signs in as `who` at the provider; its tab, back on the dashboard."""
    tab = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    tab.goto(f"{dashboard}/")
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_selector("input[name=sub]", timeout=15_000)
    tab.fill("input[name=sub]", who)
    tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_url(f"{dashboard}/**", timeout=15_000)
    return tab


def test_nothing_is_shown_before_sign_in(browser, dashboard):
    tab = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    tab.goto(f"{dashboard}/consent")
    tab.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    body = tab.inner_text("body")
    assert "Sign in with your company account" in body
    assert "Consent" not in tab.locator('[data-testid="stSidebarNav"]').all_inner_texts()
    assert tab.locator('[data-testid="stVegaLiteChart"], [data-testid="stMetric"]').count() == 0
    screenshot(tab, "sign-in")


def test_an_analyst_sees_the_charts_and_may_load(browser, dashboard):
    tab = signed_in(browser, dashboard, "ana")
    wait_for_app(tab)
    sidebar = tab.inner_text('[data-testid="stSidebar"]')
    assert "ana@retail.example (analyst)" in sidebar and "Sign-in is off" not in sidebar
    tab.get_by_role("link", name="Data").click()
    tab.wait_for_url(f"{dashboard}/data", timeout=15_000)
    tab.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached", timeout=30_000)
    tab.get_by_text("Upload history").wait_for(timeout=30_000)
    screenshot(tab, "signed-in-analyst-data")


def test_a_viewer_sees_the_charts_but_no_data_controls(browser, dashboard):
    tab = signed_in(browser, dashboard, "vic")
    wait_for_app(tab)
    assert "vic@retail.example (viewer)" in tab.inner_text('[data-testid="stSidebar"]')
    assert tab.get_by_role("link", name="Data").count() == 0
    assert tab.locator('[data-testid="stMetric"]').count() > 0  # the overview's figures
    # Typing the Data page's address does not reach its controls either.
    tab.goto(f"{dashboard}/data")
    # The page says why, rather than that it does not exist; once the run that said so has finished, all
    # it draws is on the page.
    expect(tab.locator('[data-testid="stMain"]')).to_contain_text(
        "Loading, mapping and undoing uploads is for analysts", timeout=30_000)
    wait_for_app(tab)
    assert tab.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
    assert "Upload history" not in tab.inner_text("body")
    assert "Loading, mapping and undoing uploads is for analysts" in tab.inner_text('[data-testid="stMain"]')
    screenshot(tab, "signed-in-viewer-data-address")


def test_someone_the_roles_file_does_not_name_is_turned_away(browser, dashboard):
    tab = signed_in(browser, dashboard, "eve")
    tab.wait_for_selector("text=may not use this dashboard", timeout=30_000)
    assert tab.locator('[data-testid="stVegaLiteChart"], [data-testid="stMetric"]').count() == 0
    screenshot(tab, "signed-in-stranger")
