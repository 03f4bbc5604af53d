"""The bundled sample exports: a deterministic year and a half of a retailer's consent, requests and policy versions."""

from __future__ import annotations

import bisect
import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from dashboard.formats import CANONICAL_COLUMNS

FIRST_DAY = date(2023, 5, 1)
LAST_DAY = date(2024, 10, 31)
SUBJECT_COUNT = 3000
REQUEST_COUNT = 1500

# Seeds are strings so that each part of the story (and each subject) draws from its own stream:
# changing how requests are made never reshuffles the consent history.
SEED = "privacy-dashboard-sample-v1"

POLICY_VERSIONS = (
    ("2022-11-01", "Privacy Policy (November 2022)"),
    ("2023-06-01", "Privacy Policy (June 2023)"),
    ("2024-03-15", "Privacy Policy (March 2024): new marketing partners"),
    ("2024-09-01", "Privacy Policy (September 2024)"),
)
POLICY_URL = "https://example.com/privacy/{version}"
EFFECTIVE_DATES = tuple(date.fromisoformat(version) for version, _title in POLICY_VERSIONS)
# The March 2024 update names new marketing partners, so it asks for marketing consent again.
RECONSENT_UPDATE = date(2024, 3, 15)
RECONSENT_DIP_DAYS = 42

# The chance that a subject comes back after a policy update, and so acknowledges it.
RETURN_AFTER_UPDATE = 0.75
NECESSARY_PURPOSES = ("transaction_processing", "customer_service", "communications")

REGIONS = {
    "US-CA": 55, "US-TX": 8, "US-VA": 6, "US-CO": 5,
    "DE": 6, "FR": 5, "NL": 3, "IE": 2, "GB": 5, "CN": 5,
}
JURISDICTION_OF_REGION = {
    "US-CA": "CCPA", "US-VA": "VCDPA", "US-CO": "CPA", "US-TX": "unspecified",
    "DE": "GDPR", "FR": "GDPR", "NL": "GDPR", "IE": "GDPR", "GB": "UK_GDPR", "CN": "PIPL",
}
SIGNUP_CHANNELS = {"web": 50, "app": 30, "store": 15, "support": 5}

# Share of choices that are opt-ins, before anyone changes their mind. European shoppers see a
# stricter banner (no pre-ticked box), hence fewer marketing opt-ins there.
MARKETING_OPT_IN = {"US": 0.70, "EU": 0.58, "CN": 0.62}
MARKETING_OPT_IN_AT_RECONSENT = 0.40
# October 2024: a new website banner puts "Reject all" first, and marketing opt-ins on the web fall for the whole
# month. The dashboard's consent-drop alert (data/settings.toml [alerts]) is there to notice it.
BANNER_CHANGE = (date(2024, 10, 1), date(2024, 10, 31))
MARKETING_OPT_IN_AFTER_BANNER_CHANGE = 0.20
# How a choice was made (the consent tool's method): the banner on the website or in the app, the preference centre
# on a later visit, the e-mail's unsubscribe link; none is recorded in a store or by the support line. A US shopper's
# browser may send a Global Privacy Control signal: the banner then records their marketing opt-out as made by it.
# Whose browser sends one is drawn from a stream of its own, so no choice of the story changes.
GPC_SHARE = {"US-CA": 0.30, "US-CO": 0.25, "US-TX": 0.15, "US-VA": 0.15}
# Visitors shown the banner who leave without a choice (a consent tool records the view: a `shown` row), for
# every three shoppers who choose: the notice reach figures' "no choice".
BOUNCED_VISITORS = SUBJECT_COUNT // 3
RESEARCH_OPT_IN = 0.36
QUALITY_CONTROL_OPT_IN = 0.94

REQUEST_TYPES = {"access": 34, "deletion": 30, "opt_out": 17, "correction": 7, "limit": 5, "access+deletion": 7}
REQUEST_CHANNELS = {"web_form": 55, "email": 25, "app": 12, "phone": 8}
# The privacy team's working targets in calendar days, used only to shape how long the sample's
# requests take; the dashboard's own deadlines are data/deadlines.csv. CCPA's 15 business days for
# opt-outs and limits is about 21 calendar days.
TARGET_DAYS = {"CCPA": 45, "VCDPA": 45, "CPA": 45, "GDPR": 30, "UK_GDPR": 30, "PIPL": 30, "unspecified": 30}
FAST_TRACK_TYPES = ("opt_out", "limit")
EXTENSION_DAYS = {"CCPA": 45, "VCDPA": 45, "CPA": 45, "GDPR": 60, "UK_GDPR": 60}
# Requests that fell through the cracks: still open at the data's end, long past their deadline.
FORGOTTEN_REQUESTS = 10
# Why a denied request was denied, by its number within the year (no draw: the rest of the story is unchanged),
# out of 20: mostly an identity that could not be verified; some requesters are not residents, some records are
# exempt, one reason is none of these, and a tenth of the denials have no reason on record.
DENIAL_REASONS = (("Identity could not be verified: the verification link was not used", 12),
                  ("Not a resident of a state or country whose privacy law applies", 3),
                  ("Exempt: order records are kept under a legal obligation (tax law)", 2),
                  ("Manifestly unfounded: the same request sent every day", 1),
                  ("", 2))
FORGOTTEN_BETWEEN = (date(2023, 11, 1), date(2024, 6, 30))


@dataclass(frozen=True)
class Subject:
    subject_id: str
    region: str
    signup_channel: str
    first_visit: datetime

    @property
    def return_channel(self) -> str:
        # Shoppers who signed up in a store or by phone come back on the website.
        return self.signup_channel if self.signup_channel in ("web", "app") else "web"


@dataclass(frozen=True)
class Decision:
    subject: Subject
    occurred_at: datetime
    purpose: str
    decision: str
    channel: str
    method: str = ""


def write_sample(out_dir: Path) -> list[Path]:
    """Write consent.csv, requests.csv and policies.csv into out_dir; return their paths in that order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    subjects = _subjects()
    paths = [out_dir / "consent.csv", out_dir / "requests.csv", out_dir / "policies.csv"]
    _write(paths[0], "consent", _consent_rows(subjects))
    _write(paths[1], "requests", _request_rows(subjects))
    _write(paths[2], "policies", _policy_rows())
    return paths


def _write(path: Path, kind: str, rows: list[list[str]]) -> None:
    # An explicit line terminator keeps the bytes the same on Windows.
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow([column for column, _required in CANONICAL_COLUMNS[kind]])
        writer.writerows(rows)


# Drawing. Only random() and randrange() are used: integer and comparison arithmetic gives the same
# draws on every platform, where math.log and friends may differ in the last bit.

def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    ticket = rng.randrange(sum(weights.values()))
    for value, weight in weights.items():
        if ticket < weight:
            return value
        ticket -= weight
    raise AssertionError("unreachable")


def _days_until(rng: random.Random, mean_days: int) -> int:
    """Days until something happens that, until it does, has the same chance every day (a geometric wait)."""
    days = 0
    while rng.random() >= 1 / mean_days:
        days += 1
    return days


def _moment(rng: random.Random, day: date, first_hour: int = 7, last_hour: int = 23) -> datetime:
    """A time on that day when people shop (UTC, so roughly daytime across the US and Europe)."""
    seconds = rng.randrange(first_hour * 3600, last_hour * 3600)
    return datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def policy_in_force(day: date) -> str:
    """The latest policy version whose effective date is on or before the day."""
    index = bisect.bisect_right(EFFECTIVE_DATES, day) - 1
    return POLICY_VERSIONS[index][0]


# Subjects.

def _subjects() -> list[Subject]:
    rng = random.Random(f"{SEED}:subjects")
    window_days = (LAST_DAY - FIRST_DAY).days + 1
    subjects = []
    for number in range(1, SUBJECT_COUNT + 1):
        # About a third are existing customers who meet the new consent banner on their next visit
        # after it went live on the first day; the rest sign up over the whole period.
        if rng.random() < 0.30:
            day = FIRST_DAY + timedelta(days=min(_days_until(rng, 25), window_days - 1))
        else:
            day = FIRST_DAY + timedelta(days=rng.randrange(window_days))
        subjects.append(Subject(
            subject_id=f"s{number:06d}",
            region=_pick(rng, REGIONS),
            signup_channel=_pick(rng, SIGNUP_CHANNELS),
            first_visit=_moment(rng, day),
        ))
    return subjects


def _region_group(region: str) -> str:
    if region.startswith("US-"):
        return "US"
    return "CN" if region == "CN" else "EU"


# Consent.

def _marketing_opt_in_chance(subject: Subject, day: date, channel: str | None = None) -> float:
    if channel == "web" and BANNER_CHANGE[0] <= day <= BANNER_CHANGE[1]:
        return MARKETING_OPT_IN_AFTER_BANNER_CHANGE
    usual = MARKETING_OPT_IN[_region_group(subject.region)]
    days_since_update = (day - RECONSENT_UPDATE).days
    if 0 <= days_since_update < RECONSENT_DIP_DAYS:
        # The re-consent prompt of the March 2024 update wins fewer opt-ins; shoppers warm up again
        # over six weeks as the new partners' offers become familiar.
        recovered = days_since_update / RECONSENT_DIP_DAYS
        return MARKETING_OPT_IN_AT_RECONSENT + (usual - MARKETING_OPT_IN_AT_RECONSENT) * recovered
    return usual


def _choice(rng: random.Random, opt_in_chance: float) -> str:
    return "opt_in" if rng.random() < opt_in_chance else "opt_out"


def _signup(rng: random.Random, subject: Subject) -> list[Decision]:
    at, channel = subject.first_visit, subject.signup_channel
    # The consent banner is shown a few seconds before the choices it asks for (not in a store or on the phone).
    decisions = [Decision(subject, at - timedelta(seconds=5), "notice", "shown", channel, "banner")] if channel in (
        "web", "app") else []
    method = "banner" if channel in ("web", "app") else ""
    decisions += [Decision(subject, at, purpose, "acknowledge", channel, method) for purpose in NECESSARY_PURPOSES]
    marketing = _choice(rng, _marketing_opt_in_chance(subject, at.date(), channel))
    decisions.append(Decision(subject, at, "marketing", marketing, channel,
                              "gpc" if marketing == "opt_out" and _sends_gpc(subject) else method))
    decisions.append(Decision(subject, at, "research_development", _choice(rng, RESEARCH_OPT_IN), channel, method))
    decisions.append(Decision(subject, at, "quality_control", _choice(rng, QUALITY_CONTROL_OPT_IN), channel, method))
    return decisions


def _sends_gpc(subject: Subject) -> bool:
    """Whether the shopper's browser sends a Global Privacy Control signal (on the website only)."""
    share = GPC_SHARE.get(subject.region, 0) if subject.signup_channel == "web" else 0
    return share > 0 and random.Random(f"{SEED}:gpc:{subject.subject_id}").random() < share


def _policy_updates(rng: random.Random, subject: Subject) -> list[Decision]:
    """Re-acknowledgements of each policy update, on the subject's next visit after it took effect."""
    decisions = []
    seen_version = policy_in_force(subject.first_visit.date())
    for effective in EFFECTIVE_DATES:
        if effective <= subject.first_visit.date() or rng.random() >= RETURN_AFTER_UPDATE:
            continue
        day = effective + timedelta(days=_days_until(rng, 24))
        version = policy_in_force(day)
        if day > LAST_DAY or version <= seen_version:
            continue
        seen_version = version
        at, channel = _moment(rng, day), subject.return_channel
        decisions += [Decision(subject, at, purpose, "acknowledge", channel, "banner") for purpose in NECESSARY_PURPOSES]
        if effective == RECONSENT_UPDATE:
            # The update asks for marketing consent again: its notice, then the choice.
            decisions.append(Decision(subject, at - timedelta(seconds=5), "marketing", "shown", channel, "banner"))
            marketing = _choice(rng, _marketing_opt_in_chance(subject, day))
            decisions.append(Decision(subject, at, "marketing", marketing, channel,
                                      "gpc" if marketing == "opt_out" and _sends_gpc(subject) else "banner"))
    return decisions


def _changes_of_mind(rng: random.Random, subject: Subject, history: list[Decision]) -> list[Decision]:
    """Later unsubscribes (mostly from a newsletter's link), some re-subscribes, and a few other changes."""
    decisions = []
    latest_marketing = max((d for d in history if d.purpose == "marketing"), key=lambda d: d.occurred_at)
    if latest_marketing.decision == "opt_in" and rng.random() < 0.16:
        day = latest_marketing.occurred_at.date() + timedelta(days=7 + _days_until(rng, 150))
        channel = "email" if rng.random() < 0.75 else subject.return_channel
        decisions.append(Decision(subject, _moment(rng, day), "marketing", "opt_out", channel,
                                  "email_link" if channel == "email" else "preference_centre"))
        if rng.random() < 0.35:
            day += timedelta(days=14 + _days_until(rng, 90))
            decisions.append(Decision(subject, _moment(rng, day), "marketing", "opt_in", subject.return_channel,
                                      "preference_centre"))
    if rng.random() < 0.05:
        first_research = next(d for d in history if d.purpose == "research_development")
        reversed_choice = "opt_out" if first_research.decision == "opt_in" else "opt_in"
        day = subject.first_visit.date() + timedelta(days=30 + _days_until(rng, 120))
        decisions.append(Decision(subject, _moment(rng, day), "research_development", reversed_choice,
                                  subject.return_channel, "preference_centre"))
    if rng.random() < 0.03:
        # Objections to call recording for staff training are raised with customer support.
        day = subject.first_visit.date() + timedelta(days=10 + _days_until(rng, 120))
        decisions.append(Decision(subject, _moment(rng, day), "quality_control", "opt_out", "support"))
    return [d for d in decisions if d.occurred_at.date() <= LAST_DAY]


def _bounced_visitors() -> list[Decision]:
    """Visitors shown the banner on the website or in the app who left without choosing: a banner view each."""
    rng = random.Random(f"{SEED}:visitors")
    window_days = (LAST_DAY - FIRST_DAY).days + 1
    views = []
    for number in range(1, BOUNCED_VISITORS + 1):
        channel = "web" if rng.random() < 0.6 else "app"
        visitor = Subject(f"v{number:06d}", _pick(rng, REGIONS), channel,
                          _moment(rng, FIRST_DAY + timedelta(days=rng.randrange(window_days))))
        views.append(Decision(visitor, visitor.first_visit, "notice", "shown", channel, "banner"))
    return views


def _consent_rows(subjects: list[Subject]) -> list[list[str]]:
    decisions = []
    for subject in subjects:
        rng = random.Random(f"{SEED}:consent:{subject.subject_id}")
        history = _signup(rng, subject) + _policy_updates(rng, subject)
        decisions += history + _changes_of_mind(rng, subject, history)
    decisions += _bounced_visitors()
    purpose_order = {purpose: i for i, purpose in enumerate(
        ("notice",) + NECESSARY_PURPOSES + ("quality_control", "marketing", "research_development"))}
    decisions.sort(key=lambda d: (d.occurred_at, d.subject.subject_id, purpose_order[d.purpose]))
    return [
        [f"ev{number:07d}", d.subject.subject_id, _timestamp(d.occurred_at), d.purpose, d.decision,
         policy_in_force(d.occurred_at.date()), d.channel, d.subject.region, d.method]
        for number, d in enumerate(decisions, start=1)
    ]


# Requests.

def _request_volume(day: date) -> int:
    """Relative number of requests arriving on a day."""
    volume = 100 + 40 * (day - FIRST_DAY).days // (LAST_DAY - FIRST_DAY).days  # awareness grows
    if day.month == 1:
        volume = volume * 17 // 10  # New Year clean-ups: people close accounts and ask what is kept
    if RECONSENT_UPDATE <= day <= RECONSENT_UPDATE + timedelta(days=45):
        volume = volume * 16 // 10  # the update's e-mail to every customer prompts questions
    if day.weekday() >= 5:
        volume = volume * 45 // 100
    return volume


def _arrivals(rng: random.Random) -> list[datetime]:
    """When each request arrives, in order."""
    days = [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    cumulative, total = [], 0
    for day in days:
        total += _request_volume(day)
        cumulative.append(total)
    arrivals = []
    for _ in range(REQUEST_COUNT):
        day = days[bisect.bisect_right(cumulative, rng.randrange(total))]
        arrivals.append(_moment(rng, day, 6, 22))
    return sorted(arrivals)


def _requester(rng: random.Random, subjects: list[Subject], received: date) -> Subject:
    while True:
        subject = subjects[rng.randrange(len(subjects))]
        if subject.first_visit.date() <= received:
            return subject


def _days_to_close(rng: random.Random, request_type: str, jurisdiction: str) -> tuple[str, int, bool]:
    """The request's final status, how many days it takes to get there, and whether it was extended."""
    target = 21 if jurisdiction == "CCPA" and request_type in FAST_TRACK_TYPES else TARGET_DAYS[jurisdiction]
    outcome = rng.random()
    if outcome < 0.08:
        return "denied", 3 + rng.randrange(25), False  # identity could not be verified
    if outcome < 0.11:
        return "withdrawn", 1 + rng.randrange(14), False
    extendable = jurisdiction in EXTENSION_DAYS and request_type not in FAST_TRACK_TYPES
    if extendable and rng.random() < 0.08:
        return "completed", target + 1 + rng.randrange(EXTENSION_DAYS[jurisdiction] - 5), True
    if rng.random() < 0.06:
        return "completed", target + 1 + rng.randrange(25), False  # late
    return "completed", 1 + rng.randrange(target * 3 // 4), False


def _request_rows(subjects: list[Subject]) -> list[list[str]]:
    rng = random.Random(f"{SEED}:requests")
    arrivals = _arrivals(rng)
    forgotten = _forgotten(rng, arrivals)
    rows, numbers = [], {}
    for index, received_at in enumerate(arrivals):
        received_day = received_at.date()
        numbers[received_day.year] = numbers.get(received_day.year, 0) + 1
        subject = _requester(rng, subjects, received_day)
        jurisdiction = JURISDICTION_OF_REGION[subject.region]
        request_type = _pick(rng, REQUEST_TYPES)
        status, days, extended = _days_to_close(rng, request_type, jurisdiction)
        closed_day = received_day + timedelta(days=days)
        closed_at = _timestamp(_moment(rng, closed_day, 8, 18))
        if index in forgotten:
            status, closed_at, extended = "open", "", False
        elif closed_day > LAST_DAY:
            status, closed_at = "open", ""
            # An extension is only on record once the original deadline has passed.
            extended = extended and received_day + timedelta(days=TARGET_DAYS[jurisdiction]) < LAST_DAY
        rows.append([
            f"DSR-{received_day.year}-{numbers[received_day.year]:05d}", request_type, _timestamp(received_at),
            status, closed_at, subject.subject_id, _exported_jurisdiction(jurisdiction),
            "true" if extended else "false",
            _pick(rng, REQUEST_CHANNELS),
            _denial_reason(numbers[received_day.year]) if status == "denied" else "",
        ])
    return rows


def _denial_reason(number: int) -> str:
    ticket = number % sum(share for _reason, share in DENIAL_REASONS)
    for reason, share in DENIAL_REASONS:
        if ticket < share:
            return reason
        ticket -= share
    raise AssertionError("unreachable")


def _exported_jurisdiction(jurisdiction: str) -> str:
    # The request tool leaves the field blank where no listed law applies (Texas here); the
    # dashboard reads a blank as unspecified.
    return "" if jurisdiction == "unspecified" else jurisdiction


def _forgotten(rng: random.Random, arrivals: list[datetime]) -> set[int]:
    """Positions of the requests nobody closed."""
    candidates = [i for i, at in enumerate(arrivals) if FORGOTTEN_BETWEEN[0] <= at.date() <= FORGOTTEN_BETWEEN[1]]
    chosen = set()
    while len(chosen) < FORGOTTEN_REQUESTS:
        chosen.add(candidates[rng.randrange(len(candidates))])
    return chosen


# Policies.

def _policy_rows() -> list[list[str]]:
    return [[version, version, title, POLICY_URL.format(version=version)] for version, title in POLICY_VERSIONS]
