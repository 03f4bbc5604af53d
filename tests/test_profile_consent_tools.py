"""Consent-tool exports read through their profiles (data/profiles/): Usercentrics, Didomi, Commanders Act.

Where each format comes from (the profile files name the same sources):

- Usercentrics consent history (tests/data/vendors/usercentrics_consent_history.csv, written by
  make_vendor_exports.py): the header from Usercentrics support, "How can I comply with a visitor's request for
  information" (https://support.usercentrics.com/hc/en-us/articles/15209263427740); the Consent Action values from
  the browser SDK's CONSENT_ACTION enumeration (https://docs.usercentrics.com/cmp_browser_sdk/4.20.1/enums/
  CONSENT_ACTION.html) and the consent_status page (https://usercentrics.com/beta-docs/consent-status); which of
  them are no click (IMPLICIT) from UsercentricsConsentAction.getType() in Usercentrics' Android SDK; service ids
  from Usercentrics' lists of template ids (https://docs.usercentrics.com/#/smart-data-protector,
  https://docs.usercentrics.com/#/consent-mode).
- Didomi batch export, users (tests/data/vendors/didomi/users-part-00000.json.gz): newline-delimited JSON in
  GZIP, one user a line (https://developers.didomi.io/integrations/generic-integrations/batch-export); the user
  record's fields (https://developers.didomi.io/api/consents/users) and `consents.purposes` items with id and
  enabled (https://support.didomi.io/understand-batch-export-content); purpose ids from
  https://support.didomi.io/purposes.
- Commanders Act consent export (tests/data/vendors/commanders_act_consent_export.csv): the fields and the
  privacy_action values V/1/0/-1 from the Exports page of Commanders Act's documentation
  (https://github.com/TagCommander/PlatformX/blob/master/features/consent-management/user-guides/exports.md). The
  separator of the `cookie` category list and the date_hit layout are not documented: the file uses a comma list
  (as the consent cookie does) and `YYYY-MM-DD HH:MM:SS`.

Every expected figure is worked out by hand from the files (the comments show the sums) and again below by a
small independent reading of the file with the profile's rules written out, never by calling project code.
Each test loads into its own fresh store, with no format given: the header must pick the profile.
"""

import csv
import gzip
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.ingest import ingest_file

VENDORS = Path(__file__).parent / "data" / "vendors"
PROJECT = Path(__file__).resolve().parent.parent
USERCENTRICS = VENDORS / "usercentrics_consent_history.csv"
DIDOMI = VENDORS / "didomi" / "users-part-00000.json.gz"
COMMANDERS_ACT = VENDORS / "commanders_act_consent_export.csv"

DECISIONS = {"true": "opt_in", "1": "opt_in", "false": "opt_out", "0": "opt_out"}


def rows(store, sql, parameters=None):
    return store.execute(sql, parameters or {}).fetchall()


def decisions_by_purpose(store) -> dict[str, Counter]:
    """purpose -> Counter of decisions, as the consent table holds them."""
    table: dict[str, Counter] = {}
    for purpose, decision, count in rows(store, "SELECT purpose, decision, count(*) FROM consent GROUP BY ALL"):
        table.setdefault(purpose, Counter())[decision] = count
    return table


def fold_purpose(text: str) -> str:
    return "_".join(word for word in re.split(r"[\W_]+", text.lower()) if word and word != "and")


def store_bytes(store, folder: Path) -> bytes:
    store.execute("CHECKPOINT")
    return b"".join(path.read_bytes() for path in folder.glob("store.duckdb*")
                    if path.is_file() and not path.name.endswith(".key"))


# --- Usercentrics consent history --------------------------------------------------------------------------

# Usercentrics' SDK types these consent actions IMPLICIT: no click of the visitor.
NO_CLICK = {"oninitialpageload", "onsessionrestored", "onmobilesessionrestore", "onnoneuregion", "onessentialchange"}


def usercentrics_expected() -> tuple[int, list[int], set[tuple]]:
    """(rows read, lines rejected, distinct stored decisions) by the profile's rules, written out again."""
    services = {row["service_id"]: row["purpose"]
                for row in csv.DictReader((PROJECT / "data" / "service_purposes.csv").open(encoding="utf-8"))}
    rejected, kept = [], set()
    records = list(csv.DictReader(USERCENTRICS.open(newline="", encoding="utf-8")))
    for line, row in enumerate(records, start=2):
        if row["Consent Action"].lower() in NO_CLICK:
            decision = "shown"
        elif row["Consent Given"].strip().lower() in DECISIONS:
            decision = DECISIONS[row["Consent Given"].strip().lower()]
        else:
            rejected.append(line)
            continue
        stamp = row["Timestamp"]
        moment = (datetime(1970, 1, 1) + timedelta(milliseconds=int(stamp)) if stamp.isdigit()
                  else datetime.fromisoformat(stamp).astimezone(UTC).replace(tzinfo=None))
        service = row["Data Processing Service ID"]
        # No event id in the file: the store's id comes from (subject, time, purpose, decision, version).
        kept.add((row["Controller ID"], moment, services.get(service, fold_purpose(service)), decision,
                  row["CMP Configuration Version"]))
    return len(records), rejected, kept


@pytest.fixture
def usercentrics(store):
    return ingest_file(store, "consent", USERCENTRICS)


def test_usercentrics_file_holds_the_documented_actions():
    actions = Counter(row["Consent Action"] for row in csv.DictReader(USERCENTRICS.open(newline="", encoding="utf-8")))
    # 18 page loads x 9 services, 7 restored sessions x 9, 2 visitors outside the EU x 9, 7 essential changes
    # x 2 essential services; 11 Accept All x 9, 4 Deny All x 9, 5 saved choices touching 14 service rows.
    assert actions == {"onInitialPageLoad": 162, "onSessionRestored": 63, "onNonEURegion": 18, "onEssentialChange": 14,
                       "onAcceptAllServices": 99, "onDenyAllServices": 36, "onUpdateServices": 14}
    with USERCENTRICS.open(encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n") == (
            "Controller ID,Timestamp,CMP Configuration ID,CMP Configuration Version,Consent Action,"
            "Data Processing Service ID,Data Processing Service Version,Consent Given,Consent String")


def test_usercentrics_counts(usercentrics):
    read, rejected, kept = usercentrics_expected()
    # 406 rows; 2 saved choices with Consent Given left empty are rejected; 404 kept rows fold into 276 distinct
    # (subject, time, purpose, decision, version): Google Analytics and Google Analytics 4 share
    # research_development, Google Ads, Facebook Pixel and YouTube Video share marketing, so one click gives one
    # decision per purpose and 128 rows repeat one already counted: folded into their purpose, not duplicates.
    assert (read, len(rejected), len(kept)) == (406, 2, 276)
    report = usercentrics
    assert report.format == "usercentrics"
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_folded, report.rows_rejected,
            report.rows_set_aside) == (406, 276, 0, 128, 2, 0)


def test_usercentrics_rejects_only_the_empty_consent_given(store, usercentrics):
    _read, rejected, _kept = usercentrics_expected()
    assert rows(store, "SELECT line, reason FROM rejected_rows ORDER BY line") == [
        (line, "decision is empty") for line in rejected]


def test_usercentrics_choices_and_shown_rows_per_purpose(store, usercentrics):
    _read, _rejected, kept = usercentrics_expected()
    expected: dict[str, Counter] = {}
    for _subject, _moment, purpose, decision, _version in kept:
        expected.setdefault(purpose, Counter())[decision] += 1
    # By hand: 27 shown rows per optional purpose = 18 page loads + 7 restored sessions + 2 outside the EU; the
    # two essential services (the CMP itself, Google Tag Manager) add the 7 essential changes: 34.
    assert expected == {
        "research_development": Counter(opt_in=13, opt_out=6, shown=27),
        "marketing": Counter(opt_in=14, opt_out=5, shown=27),
        "customer_service": Counter(opt_in=12, opt_out=5, shown=27),  # Intercom
        "tag_management": Counter(opt_in=15, shown=34),  # Google Tag Manager, essential: never refused
        "h1vl5nidjwx": Counter(opt_in=15, shown=34),  # Usercentrics CMP, not in the purpose map
        "s1pcej_jzx": Counter(opt_in=11, opt_out=4, shown=27),  # Google Maps, not in the purpose map
    }
    assert decisions_by_purpose(store) == expected
    # Choices (opt_in/opt_out) against rows that record no click.
    assert rows(store, "SELECT count(*) FILTER (WHERE decision IN ('opt_in', 'opt_out')), "
                       "count(*) FILTER (WHERE decision = 'shown') FROM consent") == [(100, 176)]


def test_usercentrics_reports_the_rows_kept_as_shown(usercentrics):
    # 162 + 63 + 18 + 14 rows of actions with no click.
    assert "257 rows: rows of a consent action with no click (page load, restored session, outside the EU, " \
           "essential change) kept as shown, not as choices" in usercentrics.warnings


def test_usercentrics_policy_versions(store, usercentrics):
    _read, _rejected, kept = usercentrics_expected()
    assert Counter(version for *_rest, version in kept) == {"2.4.0": 193, "2.5.0": 83}
    assert dict(rows(store, "SELECT policy_version, count(*) FROM consent GROUP BY 1")) == {"2.4.0": 193, "2.5.0": 83}


# --- Didomi batch export (users) ---------------------------------------------------------------------------

DIDOMI_PURPOSES = {
    "select_basic_ads": "marketing", "create_ads_profile": "marketing", "select_personalized_ads": "marketing",
    "measure_ad_performance": "marketing", "market_research": "research_development",
    "improve_products": "research_development", "measure_content_performance": "research_development",
    "analytics": "research_development",
}


def didomi_records() -> list[dict]:
    with gzip.open(DIDOMI, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def didomi_expected() -> tuple[int, int, set[tuple]]:
    """(purpose items, items with enabled null, distinct stored decisions)."""
    items, empty, kept = 0, 0, set()
    for record in didomi_records():
        for purpose in record["consents"]["purposes"]:
            items += 1
            if purpose["enabled"] is None:
                empty += 1
                continue
            kept.add((record["organization_user_id"].lower(), record["updated_at"],
                      DIDOMI_PURPOSES.get(purpose["id"], purpose["id"]), "opt_in" if purpose["enabled"] else "opt_out",
                      record["last_seen_country"] or record["country"]))
    return items, empty, kept


@pytest.fixture
def didomi(store):
    return ingest_file(store, "consent", DIDOMI)


def test_didomi_counts(didomi):
    items, empty, kept = didomi_expected()
    # 12 users: 4 with the six CMP purposes (24), 2 with those and `analytics` (14), 6 with a few purposes
    # (4 + 4 + 3 + 4 + 3 + 4 = 22): 60 items; one `enabled: null` (no choice for improve_products) leaves the
    # decision empty: rejected.
    # 59 rows fold into 38 decisions: several ad purposes of one user at one time are one marketing decision
    # (21 folded into their purpose, none a duplicate).
    assert (len(didomi_records()), items, empty, len(kept)) == (12, 60, 1, 38)
    assert didomi.format == "didomi"
    assert (didomi.rows_read, didomi.rows_loaded, didomi.rows_duplicate, didomi.rows_folded, didomi.rows_rejected,
            didomi.rows_set_aside) == (60, 38, 0, 21, 1, 0)


def test_didomi_decisions_per_purpose(store, didomi):
    _items, _empty, kept = didomi_expected()
    expected: dict[str, Counter] = {}
    for _subject, _moment, purpose, decision, _region in kept:
        expected.setdefault(purpose, Counter())[decision] += 1
    assert expected == {
        "cookies": Counter(opt_in=8, opt_out=4),  # not a purpose of the policy: kept under its own key
        "marketing": Counter(opt_in=5, opt_out=8),
        "research_development": Counter(opt_in=8, opt_out=5),
    }
    assert decisions_by_purpose(store) == expected
    assert rows(store, "SELECT count(DISTINCT subject_id) FROM consent") == [(12,)]
    assert dict(rows(store, "SELECT coalesce(region, '-'), count(*) FROM consent GROUP BY 1")) == Counter(
        region or "-" for *_rest, region in kept)


def test_didomi_keeps_no_address_in_the_store(store, tmp_path, didomi):
    identities = [record["organization_user_id"] for record in didomi_records()]
    addresses = {identity for identity in identities if "@" in identity}
    assert len(addresses) == 9
    pseudonym = "p_[0-9a-f]{32}"
    not_pseudonyms = "SELECT count(*) FROM consent WHERE NOT regexp_full_match(subject_id, $p)"
    assert rows(store, not_pseudonyms, {"p": pseudonym}) == [(0,)]
    raw = store_bytes(store, tmp_path)
    spellings = {spelling for address in addresses for spelling in (address, address.lower())}
    assert [spelling for spelling in sorted(spellings) if spelling.encode() in raw] == []


# --- Commanders Act consent export -------------------------------------------------------------------------

CATEGORIES = {"1": "research_development", "2": "marketing", "3": "customer_service"}


def commanders_act_expected() -> list[tuple]:
    """One (tcpid, date_hit, purpose, decision) per stored row: a view is one shown row under `notice`, a click
    one decision per category of the account, opt_in for those `cookie` lists and opt_out for the rest."""
    expected = []
    for row in csv.DictReader(COMMANDERS_ACT.open(newline="", encoding="utf-8")):
        if row["privacy_action"] == "V":
            expected.append((row["tcpid"], row["date_hit"], "notice", "shown"))
            continue
        accepted = {item.strip() for item in row["cookie"].split(",") if item.strip()}
        for category, purpose in CATEGORIES.items():
            expected.append((row["tcpid"], row["date_hit"], purpose, "opt_in" if category in accepted else "opt_out"))
    return expected


@pytest.fixture
def commanders_act(store):
    return ingest_file(store, "consent", COMMANDERS_ACT)


def test_commanders_act_counts(commanders_act):
    # 13 hits: 6 banner views (one row each) and 7 clicks (opt-in x4, opt-out x2, refuse-all -1 x1) of 3
    # categories each: 6 + 21 = 27 rows, all distinct.
    expected = commanders_act_expected()
    assert (len(expected), len(set(expected))) == (27, 27)
    assert commanders_act.format == "commanders_act"
    assert (commanders_act.rows_read, commanders_act.rows_loaded, commanders_act.rows_duplicate,
            commanders_act.rows_rejected, commanders_act.rows_set_aside) == (27, 27, 0, 0, 0)
    assert "6 rows: banner views (privacy_action V) kept as shown under the purpose notice" in commanders_act.warnings


def test_commanders_act_decisions_per_purpose(store, commanders_act):
    expected: dict[str, Counter] = {}
    for _subject, _moment, purpose, decision in commanders_act_expected():
        expected.setdefault(purpose, Counter())[decision] += 1
    # Category 1 accepted by hits 104212, 104306, 104378, 104620; refused by 104231 (refuse all), 104702 (-1),
    # 104804 (only 2). Category 2 accepted by 104212, 104378, 104804. Category 3 by 104212, 104306, 104378.
    assert expected == {
        "notice": Counter(shown=6),
        "research_development": Counter(opt_in=4, opt_out=3),
        "marketing": Counter(opt_in=3, opt_out=4),
        "customer_service": Counter(opt_in=3, opt_out=4),
    }
    assert decisions_by_purpose(store) == expected


def test_commanders_act_versions_and_channels(store, commanders_act):
    # Views: 4 at banner version 14, 2 at 15. Clicks: 4 at 14, 2 at 15, 1 at 1 (the refuse-all of version 1.0).
    assert dict(rows(store, "SELECT policy_version, count(*) FROM consent GROUP BY 1")) == {
        "14": 4 + 4 * 3, "15": 2 + 2 * 3, "1": 3}
    # Privacy-center clicks: 104306, 104620, 104804 (3 categories each); every other hit came from the banner.
    assert dict(rows(store, "SELECT channel, count(*) FROM consent GROUP BY 1")) == {"banner": 27 - 9, "pc": 9}
    assert rows(store, "SELECT min(occurred_at), max(occurred_at) FROM consent") == [
        (datetime(2024, 5, 2, 9, 14, 3), datetime(2024, 5, 20, 15, 18, 2))]
