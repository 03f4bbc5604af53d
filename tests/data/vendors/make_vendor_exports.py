"""Writes the vendor exports the vendor-format tests read: Fides requests, Fides consent, Usercentrics history.

Run it once (`python tests/data/vendors/make_vendor_exports.py [folder]`); the files stay beside it and
the tests read them as they are. The same seed always gives byte-identical files, which a test checks,
so change the seed or the rules only together with the tests' expectations.

The values follow what each tool writes: Fides' CSV writer puts Python's `str(datetime)` in its
timestamp cells and joins a policy's actions with `+`; Usercentrics writes one row per service of each
consent action. Every person, address and phone number is made up (example.com, 555-01xx numbers).
"""

from __future__ import annotations

import csv
import io
import random
import sys
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

SEED = 20240628
FOLDER = Path(__file__).resolve().parent
EXPORT_DAY = date(2024, 6, 28)  # the day the exports were taken: Fides' Deadline is computed from it
FIRST_DAY = date(2024, 1, 2)
EASTERN = timezone(timedelta(hours=-5))

FIRST_NAMES = (
    "ann", "bob", "carol", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jamal", "kim", "lucia", "mateo",
    "nadia", "oskar", "priya", "quinn", "rosa", "sven", "tariq", "uma", "viktor", "wen", "ximena", "yusuf", "zoe",
)
LAST_NAMES = (
    "lee", "okafor", "garcia", "novak", "rossi", "khan", "martin", "tanaka", "silva", "dubois", "meyer", "haddad",
    "olsen", "kowalski", "nguyen", "brennan", "costa", "fischer",
)

# --- Fides privacy requests ---------------------------------------------------------------------------------

FIDES_REQUEST_HEADER = (
    "Status", "Request Type", "Time Received", "Deadline", "Reviewed By", "Request ID", "Time Approved/Denied",
    "Denial Reason", "Last Updated", "Completed On", "email", "phone_number", "Custom Field Location",
)
FIDES_STATUSES = (  # (status, weight)
    ("complete", 40), ("pending", 12), ("approved", 8), ("denied", 8), ("in_processing", 6), ("canceled", 5),
    ("identity_unverified", 4), ("paused", 3), ("requires_input", 3), ("error", 3), ("awaiting_email_send", 2),
    ("requires_manual_finalization", 2),
)
# Statuses Fides reaches only after someone (or an auto-approval) approved the request.
REVIEWED_STATUSES = {
    "approved", "in_processing", "paused", "complete", "error", "awaiting_email_send",
    "requires_manual_finalization", "denied",
}
FIDES_REQUEST_TYPES = (("access", 34), ("erasure", 24), ("consent", 14), ("update", 10), ("access+erasure", 18))
LOCATIONS = (
    ("California", 24), ("US-CA", 10), ("Virginia", 12), ("France", 12), ("eu", 8), ("cn", 6), ("Texas", 3),
    ("", 25),
)
DENIAL_REASONS = (
    "Identity could not be verified",
    "Duplicate request, already answered under an earlier request",
    "Requester is not a resident of a covered jurisdiction",
    "",
)
DAYS_TO_RESPOND = 45

# --- Fides consent report -----------------------------------------------------------------------------------

FIDES_CONSENT_HEADER = (
    "id", "fides_user_device_id", "email", "external_id", "request_timestamp", "preference", "notice_name",
    "user_geography", "method", "request_origin", "privacy_notice_history_id", "url_recorded",
)
CONSENT_NOTICES = ("Marketing", "Analytics", "Research & Development", "Data Sales and Sharing")
NOTICE_ONLY = "Essential"
GEOGRAPHIES = (("us_ca", 30), ("us_va", 10), ("eea", 15), ("fr", 12), ("gb", 10), ("", 23))
TCF_NOTICE = "IAB TCF Purposes"
PAGES = ("", "pricing", "blog/privacy-week", "account/settings", "checkout")

# --- Usercentrics consent history ---------------------------------------------------------------------------

USERCENTRICS_HEADER = (
    "Controller ID", "Timestamp", "CMP Configuration ID", "CMP Configuration Version", "Consent Action",
    "Data Processing Service ID", "Data Processing Service Version", "Consent Given", "Consent String",
)
# (service id, version, essential). Ids are Usercentrics' own template ids, named as its documentation names
# them (docs.usercentrics.com, "Smart Data Protector" list of supported technologies and "Google Consent Mode"
# list of template ids); data/service_purposes.csv folds all but the first and the last into the policy's
# purposes, two or three services to a purpose.
SERVICES = (
    ("H1Vl5NidjWX", "40.15.35", True),  # Usercentrics Consent Management Platform
    ("BJ59EidsWQ", "25.5.20", True),  # Google Tag Manager
    ("HkocEodjb7", "52.10.26", False),  # Google Analytics
    ("87JYasXPF", "14.2.3", False),  # Google Analytics 4
    ("S1_9Vsuj-Q", "23.4.11", False),  # Google Ads
    ("ko1w5PpFl", "11.8.2", False),  # Facebook Pixel
    ("BJz7qNsdj-7", "15.7.10", False),  # YouTube Video
    ("ryDQcVoOoZQ", "9.1.5", False),  # Intercom
    ("S1pcEj_jZX", "18.3.7", False),  # Google Maps
)
ESSENTIAL_SERVICES = [service for service in SERVICES if service[2]]
OPTIONAL_SERVICES = [service for service in SERVICES if not service[2]]
# The CMP configuration (the settings id the script tag carries) and its published versions.
CMP_CONFIGURATION_ID = "Tq7rW2xKfL9bVn"
CMP_VERSIONS = ((date(2024, 1, 1), "2.4.0"), (date(2024, 4, 2), "2.5.0"), (date(2024, 5, 21), "2.5.1"))
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in choices], weights=[weight for _, weight in choices])[0]


def random_moment(rng: random.Random, first: date, last: date) -> datetime:
    """A UTC moment between the two days, with milliseconds as Fides' database keeps them."""
    day = first + timedelta(days=rng.randrange((last - first).days + 1))
    moment = datetime.combine(day, time(rng.randrange(24), rng.randrange(60), rng.randrange(60)), UTC)
    return moment.replace(microsecond=rng.randrange(1, 1000) * 1000)


def before_export(rng: random.Random, start: datetime, wait: timedelta) -> datetime:
    """`start + wait`, or a moment between start and the export when that would be after it."""
    export_moment = datetime.combine(EXPORT_DAY, time(9, 0), UTC)
    if start + wait < export_moment:
        return start + wait
    milliseconds = (export_moment - start) // timedelta(milliseconds=1)
    return start + timedelta(milliseconds=int(milliseconds * rng.uniform(0.2, 0.9)))


def fides_time(moment: datetime | None, style: str) -> str:
    """`str(datetime)` as Fides' CSV writer leaves it, in one of the styles found in real exports."""
    if moment is None:
        return ""
    if style == "eastern":
        return str(moment.astimezone(EASTERN))
    if style == "whole_seconds":
        return str(moment.replace(microsecond=0))
    return str(moment)


def make_people(rng: random.Random, count: int) -> list[dict[str, str]]:
    people, seen = [], set()
    while len(people) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        if rng.random() < 0.85:
            phone = f"+1 {rng.choice(('415', '212', '703', '312', '206'))} 555 01{rng.randrange(100):02d}"
        else:
            phone = f"+44 20 7946 0{rng.randrange(1000):03d}"
        people.append({"email": f"{first}.{last}@example.com", "phone": phone})
    return people


def hex_id(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def fides_requests(rng: random.Random) -> list[list[str]]:
    people = make_people(rng, 140)
    reviewers = [f"fid_{random_uuid(rng)}" for _ in range(3)]
    statuses = [status for status, _ in FIDES_STATUSES]  # every status at least once
    statuses += [weighted(rng, FIDES_STATUSES) for _ in range(300 - len(statuses))]
    rng.shuffle(statuses)
    rows = []
    for status in statuses:
        received = random_moment(rng, FIRST_DAY, EXPORT_DAY - timedelta(days=1))
        style = rng.choices(("utc", "eastern", "whole_seconds"), weights=(60, 25, 15))[0]
        reviewed = completed = None
        if status in REVIEWED_STATUSES:
            wait = timedelta(hours=rng.randrange(1, 96), milliseconds=rng.randrange(1000))
            reviewed = before_export(rng, received, wait)
        if status == "complete":
            wait = timedelta(days=rng.randrange(0, 40), hours=rng.randrange(1, 20), milliseconds=rng.randrange(1000))
            completed = before_export(rng, reviewed, wait)
        # Fides writes created_at + days_left, and days_left counts from the day of the export; 0 is left out.
        days_left = (received.date() + timedelta(days=DAYS_TO_RESPOND) - EXPORT_DAY).days
        deadline = received + timedelta(days=days_left) if days_left else None
        updated = max(moment for moment in (received, reviewed, completed) if moment is not None)
        if status in ("canceled", "error", "paused", "requires_input", "identity_unverified"):
            updated = before_export(rng, updated, timedelta(days=rng.randrange(1, 6), seconds=rng.randrange(3600)))
        person = rng.choice(people)
        identity = rng.choices(("both", "email", "phone"), weights=(60, 25, 15))[0]
        email = person["email"] if identity != "phone" else ""
        if email and rng.random() < 0.08:
            email = email.title().replace("@Example.Com", "@Example.com")  # as the person typed it
        rows.append((received, [
            status,
            weighted(rng, FIDES_REQUEST_TYPES),
            fides_time(received, style),
            fides_time(deadline, style),
            rng.choice(reviewers) if reviewed and rng.random() < 0.9 else "",  # auto-approved: no reviewer
            f"pri_{hex_id(rng, 24)}",
            fides_time(reviewed, style),
            rng.choice(DENIAL_REASONS) if status == "denied" else "",
            fides_time(updated, style),
            fides_time(completed, style),
            email,
            person["phone"] if identity != "email" else "",
            weighted(rng, LOCATIONS),
        ]))
    rows.sort(key=lambda pair: pair[0], reverse=True)  # newest first, as the admin UI lists them
    return [row for _, row in rows]


def fides_consent(rng: random.Random) -> list[list[str]]:
    people = make_people(rng, 60)
    history_ids = {notice: f"pri_{random_uuid(rng)}" for notice in (*CONSENT_NOTICES, NOTICE_ONLY, TCF_NOTICE)}
    devices = []
    for index in range(150):
        kind = rng.choices(("device", "device_and_email", "email", "external_id"), weights=(70, 15, 10, 5))[0]
        person = people[index % len(people)]
        devices.append({
            "device": random_uuid(rng) if kind.startswith("device") else "",
            "email": person["email"] if "email" in kind else "",
            "external_id": f"cust-{rng.randrange(10**6):06d}" if kind == "external_id" else "",
            "geography": weighted(rng, GEOGRAPHIES),
        })
    rows = []
    while len(rows) < 392:
        device = rng.choice(devices)
        moment = random_moment(rng, date(2024, 1, 1), EXPORT_DAY - timedelta(days=1))
        method = rng.choices(("accept", "reject", "save", "button", "individual_notice", "gpc", "dismiss"),
                             weights=(30, 15, 20, 10, 10, 8, 7))[0]
        origin = "privacy_center" if method in ("save", "button", "individual_notice") else "overlay"
        if method == "save" and rng.random() < 0.3:
            origin = "api"
        if method in ("accept", "reject", "dismiss"):
            notices = [*CONSENT_NOTICES, NOTICE_ONLY]
        elif method == "gpc":
            notices = ["Data Sales and Sharing", "Marketing"]
        elif method == "save":
            notices = rng.sample(CONSENT_NOTICES, rng.randrange(2, 5))
        else:
            notices = [rng.choice(CONSENT_NOTICES)]
        email = device["email"]
        if email and rng.random() < 0.1:
            email = email.upper()
        url = "" if origin == "api" else "https://www.example.com/" + rng.choice(PAGES)
        for notice in notices:
            if notice == NOTICE_ONLY:
                preference = "acknowledge"
            elif method in ("accept",):
                preference = "opt_in"
            elif method in ("reject", "gpc", "dismiss"):
                preference = "opt_out"
            else:
                preference = rng.choice(("opt_in", "opt_out"))
            rows.append([
                f"pri_{random_uuid(rng)}", device["device"], email, device["external_id"], str(moment), preference,
                notice, device["geography"], method, origin, history_ids[notice], url,
            ])
    # The TCF overlay records a whole TC string, not a decision on one notice: the dashboard refuses these.
    for _ in range(5):
        device = rng.choice([device for device in devices if device["device"]])
        moment = random_moment(rng, date(2024, 3, 1), EXPORT_DAY - timedelta(days=1))
        rows.append([
            f"pri_{random_uuid(rng)}", device["device"], "", "", str(moment), "tcf", TCF_NOTICE, "eea", "save",
            "tcf_overlay", history_ids[TCF_NOTICE], "https://www.example.com/",
        ])
    # Two broken rows: nobody to attach the decision to, and a decision left empty.
    moment = random_moment(rng, date(2024, 2, 1), EXPORT_DAY - timedelta(days=1))
    rows.append([f"pri_{random_uuid(rng)}", "", "", "", str(moment), "opt_in", "Marketing", "us_ca", "button",
                 "api", history_ids["Marketing"], ""])
    device = rng.choice(devices)
    rows.append([f"pri_{random_uuid(rng)}", device["device"], device["email"], device["external_id"], str(moment), "",
                 "Analytics", device["geography"], "save", "privacy_center", history_ids["Analytics"],
                 "https://www.example.com/account/settings"])
    rows.sort(key=lambda row: row[4])
    # An overlapping page of the report repeats one line verbatim.
    repeated = rows[len(rows) // 2]
    rows.insert(len(rows) // 2 + 1, list(repeated))
    return rows


def controller_id(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return hex_id(rng, 64)
    return rng.choice("abcdefghijklmnopqrstuvwxyz") + "".join(rng.choice(BASE64URL[:62]) for _ in range(21))


def usercentrics_time(moment: datetime, epoch: bool) -> str:
    if epoch:
        return str(int(moment.timestamp()) * 1000 + moment.microsecond // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def cmp_version(moment: datetime) -> str:
    return [version for since, version in CMP_VERSIONS if moment.date() >= since][-1]


def later(rng: random.Random, moment: datetime, days: int) -> datetime:
    wait = timedelta(days=rng.randrange(1, days), seconds=rng.randrange(86400), milliseconds=rng.randrange(1000))
    return moment + wait


def usercentrics(rng: random.Random) -> list[list[str]]:
    """The consent histories of 20 visitors, one after the other as a support download joins them.

    Each consent action (Usercentrics' CONSENT_ACTION values) writes one row per service it touches, all with
    the action's timestamp: a page load, a restored session, the automatic consent outside the EU and a click
    on Accept/Deny All every service, a saved choice in the second layer the services changed, an essential
    change the essential services. The first four and the last are no click of the visitor (the SDK types
    them implicit). Consent String is left empty: what Usercentrics writes there for a configuration without
    TCF is not documented.
    """
    events = []
    last = datetime.combine(EXPORT_DAY - timedelta(days=3), time(0), UTC)
    for _ in range(20):
        controller = controller_id(rng)
        moment = random_moment(rng, date(2024, 1, 2), EXPORT_DAY - timedelta(days=60))
        if rng.random() < 0.15:
            # A visitor outside the EU: every service consented automatically, no banner.
            events.append((controller, moment, "onNonEURegion", {service: True for service, _, _ in SERVICES}))
            continue
        state = {service: essential for service, _, essential in SERVICES}
        events.append((controller, moment, "onInitialPageLoad", dict(state)))
        if rng.random() < 0.85:
            moment += timedelta(seconds=rng.randrange(5, 600), milliseconds=rng.randrange(1000))
            action = rng.choices(("onAcceptAllServices", "onDenyAllServices"), weights=(60, 40))[0]
            state = {service: essential or action == "onAcceptAllServices" for service, _, essential in SERVICES}
            events.append((controller, moment, action, dict(state)))
        if rng.random() < 0.35:
            moment = min(later(rng, moment, 30), last)
            changed = {service: rng.random() < 0.5
                       for service, _, _ in rng.sample(OPTIONAL_SERVICES, rng.randrange(1, 4))}
            state.update(changed)
            events.append((controller, moment, "onUpdateServices", changed))
        if rng.random() < 0.25:
            # Back on another of the company's domains: the consents come across (cross-domain sharing).
            moment = min(later(rng, moment, 30), last)
            events.append((controller, moment, "onSessionRestored", dict(state)))
        if moment.date() < CMP_VERSIONS[1][0] and rng.random() < 0.5:
            # Back after the configuration changed its essential services.
            moment = min(later(rng, datetime.combine(CMP_VERSIONS[1][0], time(0), UTC), 20), last)
            events.append((controller, moment, "onEssentialChange",
                           {service: True for service, _, _ in ESSENTIAL_SERVICES}))
    versions = {service: version for service, version, _ in SERVICES}
    rows = []
    for controller, moment, action, consents in events:
        epoch = rng.random() < 0.5
        for service, given in consents.items():
            rows.append([controller, usercentrics_time(moment, epoch), CMP_CONFIGURATION_ID, cmp_version(moment),
                         action, service, versions[service], "true" if given else "false", ""])
    # Spellings of Consent Given seen in hand-edited exports, and two cells left empty (rejected).
    update_rows = [index for index, row in enumerate(rows) if row[4] == "onUpdateServices"]
    for index, spelling in zip(rng.sample(update_rows, 5), ("TRUE", "TRUE", "1", "", "")):
        rows[index][7] = spelling
    return rows


def csv_bytes(header: tuple[str, ...], rows: list[list[str]], line_end: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_exports(folder: Path = FOLDER) -> list[Path]:
    """Write the three exports into `folder`; return their paths."""
    rng = random.Random(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        # Fides writes with Python's csv module (CRLF); the Usercentrics download ends lines with LF.
        "fides_privacy_requests.csv": csv_bytes(FIDES_REQUEST_HEADER, fides_requests(rng), "\r\n"),
        "fides_consent_report.csv": csv_bytes(FIDES_CONSENT_HEADER, fides_consent(rng), "\r\n"),
        "usercentrics_consent_history.csv": csv_bytes(USERCENTRICS_HEADER, usercentrics(rng), "\n"),
    }
    paths = []
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_exports(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER):
        print(written)
