"""Alerts (dashboard/alerts.py, the settings' [alerts] rules): each rule firing on a constructed change in a small
hand-made store, staying silent on seeded noise at the rate its test allows, the `alerts` command and API, and the
Overview's Alerts section.

tests/data/alerts/consent.csv, one choice a row (policy version 2023-06-01):

| purpose              | cell (channel = region)  | Jul, Aug, Sep 2024, each     | Oct 2024            |
|----------------------|--------------------------|------------------------------|---------------------|
| marketing            | app, DE                  | 20 choices, 16 opt-ins       | 30 choices, 12 opt-ins |
| marketing            | web, US-CA               | 20 choices, 16 opt-ins       | 30 choices, 24 opt-ins |
| research_development | web, US-CA               | 10 choices, 10 opt-ins       | 5 choices, 0 opt-ins   |

Checking October (month M) against April to September: marketing has choices in 3 of the 6 months (enough), its
baseline is 48 / 60 = 80% per cell and 96 / 120 in all. Fisher's exact test: of the 90 choices of app (and DE), 60
opt-ins, October's 30 drawn at random would hold 12 opt-ins or fewer with P (hypergeometric) about 0.0002: fires;
all: 36 of 60 against 96 of 120, P about 0.004: does not (the drop is diluted); web: 24 of 30 (80%, no change).
Research's 5 choices are under the 30 a test needs.

tests/data/alerts/requests.csv (no law: 30 calendar days to answer): April to September 2024, each month one access
request (the 10th) and two deletions (5th and 20th), closed within days; on 20 September one access and one deletion
request still open (due 20 October: overdue at the end of October); in October 12 access requests (1st to 12th) and
2 deletions. The first request is on 5 April, so April is not a month of data (it is not wholly after it): the
baseline is May to September, 153 days, holding 6 access requests (5 + the open one): expected in October's 31 days
6 / 153 * 31 = 1.2; 12 received. Given the 18 access requests of the 184 days, October's share would be
Binomial(18, 31 / 184) if nothing changed: P(X >= 12) about 0.000004.
"""

import json
import logging
import math
import random
import re
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import alerts, api, settings, watching
from dashboard.server_address import ServerAddress
from dashboard.settings import AlertRules, ConsentDropRule, RequestDeadlinesRule, RequestRiseRule
from tests.conftest import copy_store, dashboard, open_copy, open_page_for_range, store_with

DATA = Path(__file__).parent / "data" / "alerts"
OCTOBER_END = date(2024, 10, 31)


def hypergeometric_terms(n: int, opt_ins: int, total: int) -> list[Fraction]:
    """P(X = k), k = 0..n, for the opt-ins among n choices drawn from `total` holding `opt_ins`, in fractions."""
    return [Fraction(math.comb(opt_ins, k) * math.comb(total - opt_ins, n - k), math.comb(total, n))
            for k in range(n + 1)]


def binomial_upper_tail(x: int, n: int, p: Fraction) -> Fraction:
    """P(X >= x) for Binomial(n, p), exactly in fractions."""
    return sum((math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(x, n + 1)), Fraction(0))


def poisson_upper_tail(x: int, m: float) -> float:
    """P(X >= x) for Poisson(m): one minus the terms below x, in plain floats."""
    return 1 - sum(math.exp(-m) * m ** k / math.factorial(k) for k in range(x))


@pytest.fixture(scope="module")
def alerts_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("consent", DATA / "consent.csv"),
                      ("requests", DATA / "requests.csv"))


@pytest.fixture(scope="module")
def october(alerts_store_file, tmp_path_factory) -> dict:
    with open_copy(alerts_store_file, tmp_path_factory.mktemp("october")) as connection:
        fired = alerts.evaluate(connection, OCTOBER_END, AlertRules())
    return {(alert.rule, tuple(sorted(alert.what.items()))): alert for alert in fired}


def test_a_consent_drop_fires_per_cell_with_its_fisher_exact_p_value(october):
    app_p = sum(hypergeometric_terms(30, 12 + 48, 90)[:13])
    all_p = sum(hypergeometric_terms(60, 36 + 96, 180)[:37])
    assert app_p < Fraction(1, 1000) < all_p  # app fires; all does not, nor web (24 of 30 at 80%)
    consent = {what: alert for (rule, what), alert in october.items() if rule == "consent_drop"}
    assert set(consent) == {(("channel", "app"), ("purpose", "marketing")), (("purpose", "marketing"), ("region", "DE"))}
    app = consent[(("channel", "app"), ("purpose", "marketing"))]
    assert app.figures["opt_in_rate"] == 0.4 and app.figures["choices"] == 30
    assert app.figures["baseline_opt_in_rate"] == 0.8 and app.figures["baseline_choices"] == 60
    assert app.figures["baseline_months"] == 3 and app.figures["direction"] == "drop"
    assert app.figures["p_value"] == pytest.approx(float(app_p), rel=1e-9)
    assert consent[(("purpose", "marketing"), ("region", "DE"))].figures["p_value"] == app.figures["p_value"]
    assert app.month == "2024-10"
    assert app.sentence == ("Marketing opt-in rate of choices on App fell to 40.0% in Oct 2024 (of 30 choices) from "
                            "80.0% over the three months with choices of the six before (p < 0.001)")
    assert app.link == ("consent?period=Custom&dates=2024-10-01&dates=2024-10-31&purpose=marketing&channel=app")


def test_overdue_requests_fire_at_the_ranges_end(october):
    overdue = october[("request_deadlines", (("health", "overdue"),))]
    # The two requests open since 20 September were due on 20 October.
    assert overdue.figures == {"overdue": 2, "threshold": 0, "at": "2024-10-31", "due_soon_days": 7}
    assert overdue.sentence == "2 open requests are overdue at the end of 31 Oct 2024 (the alert fires above 0)"
    assert ("request_deadlines", (("health", "due_soon"),)) not in october


def test_a_rise_in_a_request_type_fires_with_its_exact_p_value(october):
    expected = 6 / 153 * 31
    rise = october[("request_rise", (("request_type", "access"),))]
    assert rise.figures["received"] == 12 and rise.figures["expected"] == round(expected, 1) == 1.2
    assert rise.figures["baseline_months"] == 5 and rise.figures["days"] == 31
    assert rise.figures["p_value"] == pytest.approx(float(binomial_upper_tail(12, 18, Fraction(31, 184))), rel=1e-9)
    assert rise.link == "requests?period=Custom&dates=2024-10-01&dates=2024-10-31&type=access"
    # Deletions: 2 in October, under the 10 a test needs.
    assert ("request_rise", (("request_type", "deletion"),)) not in october


def test_the_rules_of_the_settings_file_apply(alerts_store_file, tmp_path):
    rules_file = tmp_path / "settings.toml"
    rules_file.write_text("[alerts.consent_drop]\nmin_choices = 31\np_value = 0.01\n[alerts.request_deadlines]\n"
                          "overdue_above = 2\n[alerts.request_rise]\nenabled = false\n", encoding="utf-8")
    rules = settings.alert_rules(rules_file)
    assert rules.consent_drop == ConsentDropRule(min_choices=31, p_value=0.01)
    with open_copy(alerts_store_file, tmp_path) as connection:
        fired = alerts.evaluate(connection, OCTOBER_END, rules)
    # App's 30 choices are now too few; all (60; P about 0.004) fires at 0.01; 2 overdue is not above 2; no rise is
    # checked.
    assert [(alert.rule, alert.what) for alert in fired] == [("consent_drop", {"purpose": "marketing"})]
    assert settings.alert_rules(tmp_path / "absent.toml") == AlertRules()


def test_small_counts_keep_cells_out_of_the_tests(alerts_store_file, tmp_path):
    with open_copy(alerts_store_file, tmp_path) as connection:
        fired = alerts.evaluate(connection, OCTOBER_END, AlertRules(consent_drop=ConsentDropRule(p_value=0.01)),
                                min_cell=31)
    # 30 choices per channel are under 31: app is not tested, only the 60 of all (P about 0.004: fires at 0.01); the
    # 2 overdue read <31; 12 access requests are under 31.
    assert [(alert.rule, alert.what, alert.figures.get("overdue")) for alert in fired] == [
        ("consent_drop", {"purpose": "marketing"}, None), ("request_deadlines", {"health": "overdue"}, "<31")]
    assert fired[1].sentence.startswith("<31 open requests are overdue")


@pytest.mark.parametrize(("text", "key"), [
    ("[alerts.consent_drop]\np_value = 2\n", "alerts.consent_drop.p_value"),
    ("[alerts.request_rise]\nmin_count = -1\n", "alerts.request_rise.min_count"),
    ("[alerts.consent_drop]\ndirection = \"up\"\n", "alerts.consent_drop.direction"),
    ("[alerts.request_deadlines]\noverdue = 3\n", "alerts.request_deadlines.overdue"),
    ("[alerts.consent_drop]\nbaseline_months = 2\n", "alerts.consent_drop.min_baseline_months"),
])
def test_an_unusable_rule_is_refused_with_one_line_naming_the_file_and_key(tmp_path, text, key):
    rules_file = tmp_path / "settings.toml"
    rules_file.write_text(text, encoding="utf-8")
    with pytest.raises(settings.SettingError) as refused:
        settings.alert_rules(rules_file)
    assert str(refused.value).startswith(f"{rules_file}: {key}") and "\n" not in str(refused.value)


# --- The command line and the API ------------------------------------------------------------------------------

def test_alerts_exits_1_with_the_fired_alerts_as_json_and_0_when_quiet(alerts_store_file, tmp_path):
    quiet_settings = tmp_path / "none.toml"  # no [alerts]: the defaults
    env = {"PRIVACY_DASHBOARD_SETTINGS": str(quiet_settings), "PRIVACY_DASHBOARD_MIN_CELL": None}
    fired = dashboard("alerts", "--end", "2024-10-31", db=alerts_store_file, env=env)
    assert fired.returncode == 1, fired.stderr
    document = json.loads(fired.stdout)
    assert (document["month"], document["end"]) == ("2024-10", "2024-10-31")
    assert document["rules"]["consent_drop"] == {"enabled": True, "baseline_months": 6, "min_baseline_months": 3,
                                                 "min_choices": 30, "p_value": 0.001, "direction": "drop"}
    assert [alert["rule"] for alert in document["alerts"]] == ["consent_drop"] * 2 + ["request_deadlines",
                                                                                      "request_rise"]
    app = document["alerts"][0]
    assert (app["what"], app["figures"]["opt_in_rate"], app["figures"]["choices"]) == (
        {"purpose": "marketing", "channel": "app"}, 0.4, 30)
    # September: marketing has choices in only 2 months before it, nothing is overdue, 2 access requests.
    quiet = dashboard("alerts", "--end", "2024-09-30", db=alerts_store_file, env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert json.loads(quiet.stdout)["alerts"] == []
    # Without --end: the newest data day, 28 October (the last choice of October).
    assert json.loads(dashboard("alerts", db=alerts_store_file, env=env).stdout)["end"] == "2024-10-28"


def test_alerts_exits_2_on_an_unusable_setting(alerts_store_file, tmp_path):
    bad = tmp_path / "settings.toml"
    bad.write_text("[alerts.request_rise]\np_value = \"small\"\n", encoding="utf-8")
    result = dashboard("alerts", db=alerts_store_file, env={"PRIVACY_DASHBOARD_SETTINGS": str(bad)})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (f"{bad}: alerts.request_rise.p_value must be a number between 0 and 1 (0.001), "
                             "not 'small'\n")


# Starlette's test client says it will want another HTTP package one day; the one installed is used today.
@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_the_api_answers_the_same_document(alerts_store_file, tmp_path, monkeypatch):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    monkeypatch.setenv("PRIVACY_DASHBOARD_SETTINGS", str(tmp_path / "none.toml"))
    monkeypatch.delenv("PRIVACY_DASHBOARD_MIN_CELL", raising=False)
    with open_copy(alerts_store_file, tmp_path) as connection:
        routes = api.Api(lambda: connection, lambda between: None)
        routes.address = ServerAddress("http://127.0.0.1:8501", 1, "start", "the-secret")
        with TestClient(Starlette(routes=routes.routes()), base_url="http://127.0.0.1:8501") as client:
            answer = client.get("/api/v1/alerts", params={"end": "2024-10-31"},
                                headers={"Authorization": "Bearer the-secret"})
            wrong = client.get("/api/v1/alerts", params={"end": "31/10/2024"},
                               headers={"Authorization": "Bearer the-secret"})
    command = dashboard("alerts", "--end", "2024-10-31", db=alerts_store_file,
                        env={"PRIVACY_DASHBOARD_SETTINGS": str(tmp_path / "none.toml")})
    assert answer.status_code == 200 and answer.json() == json.loads(command.stdout)
    assert wrong.status_code == 400 and wrong.json() == {"error": "end=31/10/2024: not a date (YYYY-MM-DD)",
                                                         "exit_code": 2}


# --- Silent on noise: a seeded store -----------------------------------------------------------------------------

SEED = 17
MONTHS = [date(2023 + (index // 12), index % 12 + 1, 1) for index in range(24)]  # Jan 2023 to Dec 2024
OPT_IN = {"marketing": 0.7, "research_development": 0.4}
CHOICES_A_MONTH = 100
REQUESTS_A_DAY = {"access": 1.0, "deletion": 0.5}


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: count uniform draws until their product falls under e^-mean."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _seeded_exports(folder: Path) -> tuple[Path, Path, list, list]:
    """24 months of choices at a constant opt-in rate per purpose (channel web or app and region DE or US-CA at
    random), and requests at a constant daily rate per type: the rows as written, and the files."""
    rng = random.Random(SEED)
    choices, requests = [], []
    for first in MONTHS:
        for purpose, rate in OPT_IN.items():
            for number in range(CHOICES_A_MONTH):
                choices.append((first, purpose, rng.choice(("web", "app")), rng.choice(("DE", "US-CA")),
                                rng.random() < rate, number))
        for request_type, daily in REQUESTS_A_DAY.items():
            for day in range(_month_end(first).day):
                requests += [(first + timedelta(days=day), request_type)] * _poisson(rng, daily)
    consent_file, requests_file = folder / "consent.csv", folder / "requests.csv"
    lines = ["event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region"]
    for index, (first, purpose, channel, region, opted_in, number) in enumerate(choices):
        lines.append(f"e{index},p{index},{first + timedelta(days=number % 28)}T12:00:00Z,{purpose},"
                     f"{'opt_in' if opted_in else 'opt_out'},2023-06-01,{channel},{region}")
    consent_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["request_id,request_type,received_at,status,closed_at,jurisdiction"]
    for index, (day, request_type) in enumerate(requests):
        lines.append(f"Q{index},{request_type},{day}T09:00:00Z,completed,{day + timedelta(days=2)}T09:00:00Z,")
    requests_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return consent_file, requests_file, choices, requests


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, empty_store_file):
    folder = tmp_path_factory.mktemp("seeded-exports")
    consent_file, requests_file, choices, requests = _seeded_exports(folder)
    store_file = store_with(tmp_path_factory, empty_store_file, ("consent", consent_file), ("requests", requests_file))
    return store_file, choices, requests


QUIET_RULES = AlertRules(request_deadlines=RequestDeadlinesRule(enabled=False))


def test_seeded_noise_fires_as_rarely_as_the_tests_allow(seeded, tmp_path):
    """Each test the rules make is computed here from the rows as generated. Consent, per cell and month M: n choices
    of which x opt-ins, against the six months before (m choices, b opt-ins); given those totals, if nothing changed
    M's opt-ins are hypergeometric, so the largest x* with P(X <= x*) < 0.001 is the firing line, and P(X <= x*)
    the chance that the cell fires by chance: at most 0.001 whatever the true rate (the test is exact given the
    totals, and conservative as X moves in steps). Requests, per type and month: x in M's d days, b in the D days
    before; given x + b, X ~ Binomial(x + b, d / (d + D)) if nothing changed, the firing line is the least x* of at
    least 10 with P(X >= x*) < 0.001. Their sum is the number of false alarms to expect; the alerts must be exactly
    the tests whose p-value is under 0.001, and no more than that expectation makes plausible."""
    store_file, choices, requests = seeded
    rule, rise = ConsentDropRule(), RequestRiseRule()
    threshold = Fraction(1, 1000)
    # Counts per (month, purpose, cell): opt-ins and choices.
    counts: dict = {}
    for first, purpose, channel, region, opted_in, _number in choices:
        for cell in (("all", ""), ("channel", channel), ("region", region)):
            opt_ins, made = counts.get((first, purpose, cell), (0, 0))
            counts[(first, purpose, cell)] = (opt_ins + opted_in, made + 1)
    expected_consent, consent_tests, should_fire = Fraction(0), 0, set()
    for index, first in enumerate(MONTHS):
        before = MONTHS[max(0, index - 6):index]
        if len(before) < rule.min_baseline_months:
            continue
        for purpose, cell in {(purpose, cell) for (_m, purpose, cell) in counts}:
            x, n = counts.get((first, purpose, cell), (0, 0))
            base_in = sum(counts.get((month, purpose, cell), (0, 0))[0] for month in before)
            base_n = sum(counts.get((month, purpose, cell), (0, 0))[1] for month in before)
            if n < rule.min_choices or base_n < rule.min_choices:
                continue
            consent_tests += 1
            # In whole numbers over the common denominator C(n + m, n), which is quicker than fractions.
            opt_ins, total = x + base_in, n + base_n
            denominator, lower_tail, firing = math.comb(total, n), 0, 0
            for k in range(n + 1):
                lower_tail += math.comb(opt_ins, k) * math.comb(total - opt_ins, n - k)
                if lower_tail * 1000 >= denominator:
                    break
                firing = lower_tail
                if k == x:
                    should_fire.add((first, purpose, cell))
            expected_consent += Fraction(firing, denominator)
    received: dict = {}
    for day, request_type in requests:
        key = (day.replace(day=1), request_type)
        received[key] = received.get(key, 0) + 1
    expected_rise, rise_tests, should_rise = Fraction(0), 0, set()
    for index, first in enumerate(MONTHS):
        # The six months before, all wholly after the first request (1 January 2023); at least three needed.
        before = MONTHS[max(0, index - 6):index]
        if len(before) < rise.min_baseline_months:
            continue
        share = Fraction(_month_end(first).day, _month_end(first).day + (first - before[0]).days)
        for request_type in REQUESTS_A_DAY:
            x = received.get((first, request_type), 0)
            both = x + sum(received.get((month, request_type), 0) for month in before)
            # P(X >= k) in whole numbers over the common denominator (d + D) ** (x + b), from k = x + b down.
            denominator, upper_tail, firing = share.denominator ** both, 0, 0
            for k in range(both, rise.min_count - 1, -1):
                upper_tail += (math.comb(both, k) * share.numerator ** k
                               * (share.denominator - share.numerator) ** (both - k))
                if upper_tail * 1000 >= denominator:
                    break
                firing = upper_tail
                if k == x:
                    should_rise.add((first, request_type))
            rise_tests += x >= rise.min_count
            expected_rise += Fraction(firing, denominator)

    fired_consent, fired_rise = set(), set()
    with open_copy(store_file, tmp_path) as connection:
        for first in MONTHS:
            for alert in alerts.evaluate(connection, _month_end(first), QUIET_RULES):
                what = alert.what
                if alert.rule == "consent_drop":
                    cell = next(((key, value) for key, value in what.items() if key != "purpose"), ("all", ""))
                    fired_consent.add((first, what["purpose"], cell))
                else:
                    fired_rise.add((first, what["request_type"]))
    assert fired_consent == should_fire and fired_rise == should_rise
    # 2 purposes x 5 cells x 21 months, each cell with 30 choices or more: 210 tests; requests: 2 types x 21 months,
    # some under the 10 requests a test needs.
    assert consent_tests == 210 and 0 < rise_tests <= 42
    # Each test fires by chance at most 0.001 of the time, so at most 0.21 and 0.042 false alarms in all are to be
    # expected.
    assert expected_consent <= 210 * threshold and expected_rise <= 42 * threshold
    # What fired is no more than that expectation makes plausible: under Poisson(expected), P(N >= fired) >= 0.001.
    for fired, expected in ((len(fired_consent), expected_consent), (len(fired_rise), expected_rise)):
        assert poisson_upper_tail(fired, float(expected)) >= 0.001, (fired, float(expected))


# --- The Overview ------------------------------------------------------------------------------------------------

@pytest.fixture
def app_store(alerts_store_file, tmp_path, monkeypatch):
    """The AppTest dashboard (conftest.app) on a copy of the alerts store, with the default rules."""
    monkeypatch.setenv("PRIVACY_DASHBOARD_SETTINGS", str(tmp_path / "none.toml"))
    monkeypatch.delenv("PRIVACY_DASHBOARD_MIN_CELL", raising=False)
    monkeypatch.setenv("PRIVACY_DASHBOARD_STALE_AFTER_DAYS", "0")  # no freshness warning among the alerts
    return copy_store(alerts_store_file, tmp_path)


def test_the_overview_lists_the_alerts_of_the_ranges_end_month_with_links(app):
    open_page_for_range(app, "views/overview.py", date(2024, 10, 1), date(2024, 10, 31))
    assert app.subheader[0].value == "Alerts"
    # As the page reads: Markdown's escapes taken away.
    lines = [re.sub(r"\\(.)", r"\1", warning.value) for warning in app.warning]
    assert len(lines) == 4
    assert lines[0].startswith("Marketing opt-in rate of choices on App fell to 40.0% in Oct 2024 (of 30 choices)")
    assert lines[0].endswith("[Open the view](consent?period=Custom&dates=2024-10-01&dates=2024-10-31"
                             "&purpose=marketing&channel=app)")
    open_page_for_range(app, "views/overview.py", date(2024, 9, 1), date(2024, 9, 30))
    assert [success.value for success in app.success] == ["No alert for September 2024."]


def test_an_alerts_link_opens_the_view_with_its_filters_set(app, october):
    address = urlsplit(october[("consent_drop", (("channel", "app"), ("purpose", "marketing")))].link)
    for name, values in parse_qs(address.query).items():
        app.query_params[name] = values
    app.run()
    app.switch_page(f"views/{address.path}.py").run()
    assert not app.exception
    assert app.sidebar.selectbox(key="period").value == "Custom"
    assert app.sidebar.date_input(key="dates").value == (date(2024, 10, 1), date(2024, 10, 31))
    assert app.sidebar.multiselect(key="purpose").value == ["marketing"]
    assert app.sidebar.multiselect(key="channel").value == ["app"]


# --- Watched folders ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def requests_only_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("requests", DATA / "requests.csv"))


def test_a_watched_folder_round_that_loads_a_file_checks_the_alerts(requests_only_store_file, tmp_path, monkeypatch,
                                                                   caplog):
    folder = tmp_path / "drop"
    folder.mkdir()
    settings_toml = tmp_path / "settings.toml"
    settings_toml.write_text(f"[[watch]]\nname = \"Consent\"\nfolder = '{folder}'\nkind = \"consent\"\n"
                             "settle_seconds = 0\n", encoding="utf-8")
    monkeypatch.setenv("PRIVACY_DASHBOARD_SETTINGS", str(settings_toml))
    monkeypatch.delenv("PRIVACY_DASHBOARD_MIN_CELL", raising=False)
    with open_copy(requests_only_store_file, tmp_path) as connection:
        watcher = watching.Watcher(lambda: connection)
        assert watcher.check_now() == [] and watching.alerts_after_last_load(connection) is None
        (folder / "consent.csv").write_bytes((DATA / "consent.csv").read_bytes())
        with caplog.at_level(logging.WARNING, logger="dashboard.watching"):
            [loaded] = watcher.check_now()
        _at, sentences = watching.alerts_after_last_load(connection)
    assert loaded.outcome == "loaded"
    # The newest data is now 28 October: the three consent drops, the two requests overdue since 20 October, and
    # the access requests of 1 to 12 October against 6 / 153 * 28 expected.
    assert [sentence.split(" ")[0:3] for sentence in sentences] == [
        ["Marketing", "opt-in", "rate"]] * 2 + [["2", "open", "requests"], ["Access", "requests", "rose"]]
    assert [record.getMessage() for record in caplog.records] == [f"alert: {sentence}" for sentence in sentences]
