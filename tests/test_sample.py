"""The bundled sample exports: reproducible to the byte, committed as generated, and telling their story.

The story, as designed in dashboard/sample.py: 3,000 shoppers from 2023-05-01 to 2024-10-31, shown the banner on
the website and in the app, and 1,000 visitors shown it who leave without a choice; the necessary purposes are
acknowledged, marketing wins about 60% of choices and research about 38%; the 2024-03-15 policy update asks for
marketing consent again and opt-ins dip for some weeks; in October 2024 a new website banner halves marketing
opt-ins on the web; some US browsers send a Global Privacy Control signal, which makes their marketing opt-out;
about 1,500 requests, mostly CCPA, with some denied, some extended and ten forgotten, long overdue.
"""

import calendar
import csv
import filecmp
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.formats import CANONICAL_COLUMNS
from dashboard.sample import write_sample

COMMITTED = Path(__file__).parent.parent / "data" / "sample"
FILE_NAMES = ["consent.csv", "requests.csv", "policies.csv"]
FIRST_DAY, LAST_DAY = date(2023, 5, 1), date(2024, 10, 31)
NECESSARY = {"transaction_processing", "customer_service", "communications"}
CHOICES = {"marketing", "research_development", "quality_control"}


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    out_dir = tmp_path_factory.mktemp("sample")
    write_sample(out_dir)
    return out_dir


def read(folder: Path, name: str) -> list[dict]:
    with (folder / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def consent(sample_dir) -> list[dict]:
    return read(sample_dir, "consent.csv")


@pytest.fixture(scope="module")
def requests(sample_dir) -> list[dict]:
    return read(sample_dir, "requests.csv")


@pytest.fixture(scope="module")
def policies(sample_dir) -> list[dict]:
    return read(sample_dir, "policies.csv")


def day_of(timestamp: str) -> date:
    return date.fromisoformat(timestamp[:10])


def opt_in_share(rows: list[dict]) -> float:
    decisions = Counter(row["decision"] for row in rows)
    return decisions["opt_in"] / (decisions["opt_in"] + decisions["opt_out"])


# Reproducible and committed.

def test_two_runs_write_the_same_bytes(tmp_path):
    first = write_sample(tmp_path / "first")
    second = write_sample(tmp_path / "second")
    assert [path.name for path in first] == FILE_NAMES
    for one, other in zip(first, second):
        assert one.read_bytes() == other.read_bytes(), one.name


def test_committed_sample_is_a_fresh_run(sample_dir):
    # Fails when the generator changed and data/sample was not regenerated:
    # python -c "from pathlib import Path; from dashboard.sample import write_sample; write_sample(Path('data/sample'))"
    for name in FILE_NAMES:
        assert filecmp.cmp(COMMITTED / name, sample_dir / name, shallow=False), f"data/sample/{name} is stale"


def test_headers_are_the_canonical_columns(sample_dir):
    for kind in ("consent", "requests", "policies"):
        with (sample_dir / f"{kind}.csv").open(encoding="utf-8") as file:
            header = file.readline().rstrip("\n")
        assert header == ",".join(column for column, _required in CANONICAL_COLUMNS[kind])


def test_small_enough_to_bundle(sample_dir):
    # 3.6 MB with the banner views and the method column.
    assert sum((sample_dir / name).stat().st_size for name in FILE_NAMES) < 4_000_000


# Consent.

def test_three_thousand_shoppers_over_eighteen_months(consent):
    assert 25_000 <= len(consent) <= 40_000
    assert len(shoppers(consent)) == 3000
    # Visitors who only saw the banner: one view each.
    visitors = {row["subject_id"] for row in consent} - shoppers(consent)
    assert len(visitors) == 1000
    assert all(row["decision"] == "shown" for row in consent if row["subject_id"] in visitors)
    days = [day_of(row["occurred_at"]) for row in consent]
    assert min(days) == FIRST_DAY and max(days) <= LAST_DAY
    assert all(row["occurred_at"].endswith("Z") for row in consent)
    assert len({row["event_id"] for row in consent}) == len(consent)


def shoppers(consent: list[dict]) -> set[str]:
    """The people who chose or acknowledged something (not those who only saw the banner)."""
    return {row["subject_id"] for row in consent if row["decision"] != "shown"}


def test_all_six_purposes_and_how_each_is_decided(consent):
    decisions_by_purpose = {}
    for row in consent:
        decisions_by_purpose.setdefault(row["purpose"], set()).add(row["decision"])
    # The banner itself is the notice shown; the March 2024 update shows the marketing notice again.
    assert set(decisions_by_purpose) == NECESSARY | CHOICES | {"notice"}
    assert decisions_by_purpose["notice"] == {"shown"}
    for purpose in NECESSARY:
        assert decisions_by_purpose[purpose] == {"acknowledge"}
    for purpose in CHOICES:
        assert decisions_by_purpose[purpose] == {"opt_in", "opt_out"} | ({"shown"} if purpose == "marketing" else set())


def test_gpc_opt_outs_come_from_us_browsers_on_the_website(consent):
    gpc = [row for row in consent if row["method"] == "gpc"]
    assert len(gpc) >= 100
    assert {(row["purpose"], row["decision"], row["channel"]) for row in gpc} == {("marketing", "opt_out", "web")}
    assert {row["region"] for row in gpc} <= {"US-CA", "US-CO", "US-TX", "US-VA"}
    assert {row["method"] for row in consent} == {"", "banner", "gpc", "preference_centre", "email_link"}


def test_marketing_opt_ins_on_the_web_fall_in_october_2024(consent):
    def web_share(month: str) -> float:
        return opt_in_share([row for row in consent if row["purpose"] == "marketing" and row["channel"] == "web"
                             and row["occurred_at"].startswith(month) and row["decision"] != "shown"])

    assert web_share("2024-10") <= 0.35
    assert all(web_share(month) >= 0.55 for month in ("2024-06", "2024-07", "2024-08", "2024-09"))


def test_marketing_wins_most_choices_research_few(consent):
    marketing = opt_in_share([row for row in consent if row["purpose"] == "marketing"])
    research = opt_in_share([row for row in consent if row["purpose"] == "research_development"])
    quality_control = opt_in_share([row for row in consent if row["purpose"] == "quality_control"])
    assert 0.55 <= marketing <= 0.75
    assert 0.25 <= research <= 0.45
    assert quality_control >= 0.85


def test_marketing_opt_ins_dip_after_the_march_2024_update_then_recover(consent):
    marketing = [row for row in consent if row["purpose"] == "marketing"]

    def share_between(first: date, last: date) -> float:
        return opt_in_share([row for row in marketing if first <= day_of(row["occurred_at"]) <= last])

    before = share_between(date(2024, 1, 1), date(2024, 3, 14))
    dip = share_between(date(2024, 3, 15), date(2024, 4, 14))
    after = share_between(date(2024, 5, 1), date(2024, 6, 30))
    assert before >= 0.6
    assert dip <= before - 0.15
    assert after >= dip + 0.1


def test_some_shoppers_change_their_mind(consent):
    marketing_decisions = Counter(
        (row["subject_id"], row["decision"]) for row in consent if row["purpose"] == "marketing")
    subjects_both_ways = {subject for subject, decision in marketing_decisions if decision == "opt_in"} & {
        subject for subject, decision in marketing_decisions if decision == "opt_out"}
    assert len(subjects_both_ways) >= 300
    unsubscribes = [row for row in consent
                    if row["purpose"] == "marketing" and row["decision"] == "opt_out" and row["channel"] == "email"]
    assert len(unsubscribes) >= 100


# Policy versions.

def test_four_policy_versions_including_june_2023(policies):
    assert [row["policy_version"] for row in policies] == ["2022-11-01", "2023-06-01", "2024-03-15", "2024-09-01"]
    assert all(row["url"] == f"https://example.com/privacy/{row['policy_version']}" for row in policies)


def test_every_decision_carries_the_version_in_force(consent, policies):
    effective = sorted((date.fromisoformat(row["effective_date"]), row["policy_version"]) for row in policies)
    for row in consent:
        in_force = [version for since, version in effective if since <= day_of(row["occurred_at"])][-1]
        assert row["policy_version"] == in_force, row["event_id"]


def test_returning_shoppers_adopt_the_march_2024_version_over_weeks(consent):
    update = date(2024, 3, 15)
    known_before = {row["subject_id"] for row in consent if day_of(row["occurred_at"]) < update} & shoppers(consent)
    first_seen_on_it = {}
    for row in consent:
        if row["policy_version"] == "2024-03-15" and row["subject_id"] in known_before:
            first_seen_on_it.setdefault(row["subject_id"], day_of(row["occurred_at"]))
    waits = [(day - update).days for day in first_seen_on_it.values()]
    assert len(waits) >= 0.6 * len(known_before)
    within_a_week = sum(wait < 7 for wait in waits) / len(waits)
    within_two_months = sum(wait < 61 for wait in waits) / len(waits)
    assert 0.1 <= within_a_week <= 0.5
    assert within_two_months >= 0.85


# Requests.

def test_requests_over_the_period(requests):
    assert 1400 <= len(requests) <= 1600
    assert len({row["request_id"] for row in requests}) == len(requests)
    assert requests[0]["request_id"] == "DSR-2023-00001" and requests[-1]["request_id"].startswith("DSR-2024-")
    days = [day_of(row["received_at"]) for row in requests]
    assert min(days) >= FIRST_DAY and max(days) <= LAST_DAY
    assert {row["request_type"] for row in requests} >= {"access", "deletion", "correction", "opt_out", "limit",
                                                        "access+deletion"}


def test_more_requests_in_january_and_after_the_policy_update(requests):
    per_month = Counter(row["received_at"][:7] for row in requests)
    usual = sorted(per_month.values())[len(per_month) // 2]
    assert per_month["2024-01"] >= 1.2 * usual
    assert per_month["2024-04"] >= 1.2 * usual


def test_mostly_ccpa_with_gdpr_and_pipl(requests):
    jurisdictions = Counter(row["jurisdiction"] for row in requests)
    assert {"CCPA", "GDPR", "PIPL", "VCDPA"} <= set(jurisdictions)
    assert jurisdictions.most_common(1)[0][0] == "CCPA"
    assert jurisdictions["CCPA"] >= 0.45 * len(requests)


def test_outcomes_denied_withdrawn_extended(requests):
    statuses = Counter(row["status"] for row in requests)
    assert set(statuses) == {"completed", "denied", "withdrawn", "open"}
    assert 0.05 <= statuses["denied"] / len(requests) <= 0.11
    assert 0.01 <= statuses["withdrawn"] / len(requests) <= 0.05
    assert statuses["completed"] >= 0.8 * len(requests)
    extended = sum(row["extended"] == "true" for row in requests)
    assert 0.03 <= extended / len(requests) <= 0.07


def test_closed_after_received_open_without_closed_at(requests):
    for row in requests:
        if row["status"] == "open":
            assert row["closed_at"] == "", row["request_id"]
        else:
            received = datetime.fromisoformat(row["received_at"])
            closed = datetime.fromisoformat(row["closed_at"])
            assert received < closed and closed.date() <= LAST_DAY, row["request_id"]


def months_after(day: date, months: int) -> date:
    """The same day number that many months later, or that month's last day when it has no such day."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month_index + 1, min(day.day, calendar.monthrange(year, month_index + 1)[1]))


def due_date(row: dict) -> date:
    """CCPA and the other US laws 45 days (+45 extended), GDPR one month (+2 extended), else 30 days."""
    received, extended = day_of(row["received_at"]), row["extended"] == "true"
    if row["jurisdiction"] in ("CCPA", "VCDPA", "CPA"):
        return received + timedelta(days=90 if extended else 45)
    if row["jurisdiction"] in ("GDPR", "UK_GDPR"):
        return months_after(received, 3 if extended else 1)
    return received + timedelta(days=30)


def test_ten_requests_forgotten_long_past_their_deadline(requests):
    open_requests = [row for row in requests if row["status"] == "open"]
    long_overdue = [row for row in open_requests if (LAST_DAY - due_date(row)).days > 60]
    assert len(long_overdue) == 10
    assert all(row["extended"] == "false" for row in long_overdue)
    # The rest of the open requests are mostly recent ones, still within their deadline.
    recent = [row for row in open_requests if (LAST_DAY - day_of(row["received_at"])).days <= 60]
    assert len(recent) >= 30
