"""Alerts: the rules of the settings file's [alerts] tables (settings.alert_rules) evaluated for the calendar month
holding a day, and what fired, as plain data (a sentence, the figures, a link to the filtered view).

Month M is the calendar month holding the day checked (the range's end); a month in progress counts up to that
day. Each rule compares M with the calendar months before it, and never tests or prints a count under min_cell.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

import pandas as pd

from dashboard import labels, metrics, small_counts
from dashboard.comparisons import month_end, months_back
from dashboard.queries import run_query
from dashboard.settings import DUE_SOON_DAYS_DEFAULT, AlertRules

CONSENT_DROP, REQUEST_DEADLINES, REQUEST_RISE = "consent_drop", "request_deadlines", "request_rise"
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")


@dataclass(frozen=True)
class Alert:
    """One rule that fired: about what (purpose, channel or region; request type), in which month (YYYY-MM), its
    figures, a sentence saying so and a link (relative to the dashboard's address) to the view it is about."""

    rule: str
    what: dict
    month: str
    figures: dict
    sentence: str
    link: str = field(default="")

    def as_dict(self) -> dict:
        return asdict(self)


# A named query's result for bound parameters, exact (no small count hidden): run_query on a connection, or the
# pages' cached shell.query.
Runner = Callable[[str, dict], pd.DataFrame]


def evaluate(connection, end: date, rules: AlertRules, *, min_cell: int = 0, run: Runner | None = None,
             due_soon_days: int = DUE_SOON_DAYS_DEFAULT) -> list[Alert]:
    """Every alert that fires for the month holding `end`, rule by rule, in a fixed order."""
    if run is None:
        def run(name: str, parameters: dict) -> pd.DataFrame:
            return run_query(connection, name, parameters)
    fired: list[Alert] = []
    if rules.consent_drop.enabled:
        fired += consent_drops(run, end, rules.consent_drop, min_cell)
    if rules.request_deadlines.enabled:
        fired += request_deadlines(run, end, rules.request_deadlines, min_cell, due_soon_days)
    if rules.request_rise.enabled:
        fired += request_rises(run, end, rules.request_rise, min_cell)
    return fired


def document(end: date, rules: AlertRules, fired: list[Alert], *, min_cell: int) -> dict:
    """The JSON document of `python -m dashboard alerts` and of the API's /alerts."""
    return {"month": month_key(end), "end": end.isoformat(), "min_cell": min_cell,
            "rules": {name: asdict(rule) for name, rule in rules_by_name(rules).items()},
            "alerts": [alert.as_dict() for alert in fired]}


def rules_by_name(rules: AlertRules) -> dict:
    return {CONSENT_DROP: rules.consent_drop, REQUEST_DEADLINES: rules.request_deadlines,
            REQUEST_RISE: rules.request_rise}


# --- Months --------------------------------------------------------------------------------------------------

def month_start(day: date) -> date:
    return day.replace(day=1)


def month_key(day: date) -> str:
    return f"{day:%Y-%m}"


def month_words(day: date) -> str:
    return f"{day:%b %Y}"


def baseline_months(end: date, count: int) -> list[str]:
    """The `count` calendar months before the one holding `end`, oldest first, as YYYY-MM."""
    return [month_key(months_back(end, back)) for back in range(count, 0, -1)]


def _number(count: int) -> str:
    return NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)


def link(page: str, end: date, **selections) -> str:
    """The dashboard's view of month M to `end` with the sidebar's filters set (app.py reads them from the URL)."""
    query = [("period", "Custom"), ("dates", month_start(end).isoformat()), ("dates", end.isoformat())]
    query += [(name, value) for name, value in selections.items() if value]
    return f"{page}?{urllib.parse.urlencode(query)}"


# --- Tests -----------------------------------------------------------------------------------------------------

def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _sum_of_logs(terms: list[float]) -> float:
    """The sum of numbers given by their logs, at most 1 (a probability)."""
    if not terms:
        return 0.0
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(term - top) for term in terms))


def hypergeometric_lower_tail(successes: int, draws: int, successes_in_all: int, total: int) -> float:
    """P(X <= successes) for X the successes among `draws` taken without replacement from `total` of which
    `successes_in_all` are successes (Fisher's exact test, one-sided), summed term by term in logs."""
    lowest = max(0, draws - (total - successes_in_all))
    highest = min(successes, draws, successes_in_all)
    denominator = _log_choose(total, draws)
    return _sum_of_logs([_log_choose(successes_in_all, k) + _log_choose(total - successes_in_all, draws - k)
                         - denominator for k in range(lowest, highest + 1)])


def binomial_upper_tail(successes: int, trials: int, rate: float) -> float:
    """P(X >= successes) for X ~ Binomial(trials, rate), summed term by term in logs."""
    if successes <= 0 or rate >= 1.0:
        return 1.0
    if successes > trials or rate <= 0.0:
        return 0.0
    log_rate, log_rest = math.log(rate), math.log1p(-rate)
    return _sum_of_logs([_log_choose(trials, k) + k * log_rate + (trials - k) * log_rest
                         for k in range(successes, trials + 1)])


# --- Rule: consent drop ----------------------------------------------------------------------------------------

def consent_drops(run: Runner, end: date, rule, min_cell: int) -> list[Alert]:
    """The purposes and cells (all, per channel, per region) whose opt-in rate of choices in month M is unlikely
    if M's choices were like those of its baseline months (settings [alerts.consent_drop]): x opt-ins of n choices
    in M, b of m in the baseline; under "nothing changed" M's opt-ins are those of n choices drawn at random from
    the n + m, so P(X <= x) is hypergeometric (Fisher's exact test, one-sided). Exact whatever the rate, which the
    baseline only estimates."""
    months = baseline_months(end, rule.baseline_months)
    this_month = month_key(end)
    monthly = run("alerts_consent_monthly", {"start": months_back(end, rule.baseline_months), "end": end})
    least = max(rule.min_choices, min_cell, 1)
    fired = []
    for (purpose, breakdown, value), cell in monthly.groupby(["purpose", "breakdown", "value"], sort=True):
        by_month = cell.set_index("month")
        if this_month not in by_month.index:
            continue
        choices, opt_ins = int(by_month.at[this_month, "choices"]), int(by_month.at[this_month, "opt_ins"])
        before = by_month.loc[[month for month in months if month in by_month.index]]
        before = before[before["choices"] > 0]
        baseline_choices = int(before["choices"].sum())
        if choices < least or len(before) < rule.min_baseline_months or baseline_choices < least:
            continue
        baseline_opt_ins = int(before["opt_ins"].sum())
        baseline_rate, rate = baseline_opt_ins / baseline_choices, opt_ins / choices
        # Fisher's exact test: of all the choices of M and its baseline, M's n drawn at random.
        total, total_opt_ins = choices + baseline_choices, opt_ins + baseline_opt_ins
        p_drop = hypergeometric_lower_tail(opt_ins, choices, total_opt_ins, total)
        p_rise = (hypergeometric_lower_tail(choices - opt_ins, choices, total - total_opt_ins, total)
                  if rule.direction == "both" else 1.0)
        if min(p_drop, p_rise) >= rule.p_value:
            continue
        fell = p_drop < rule.p_value
        what = {"purpose": purpose} | ({breakdown: value} if breakdown != "all" else {})
        fired.append(Alert(
            rule=CONSENT_DROP, what=what, month=this_month,
            figures={"direction": "drop" if fell else "rise", "opt_in_rate": round(rate, 4), "choices": choices,
                     "baseline_opt_in_rate": round(baseline_rate, 4), "baseline_choices": baseline_choices,
                     "baseline_months": len(before), "p_value": p_drop if fell else p_rise,
                     "p_value_threshold": rule.p_value},
            sentence=(f"{_consent_subject(purpose, breakdown, value)} {'fell' if fell else 'rose'} to "
                      f"{rate:.1%} in {month_words(end)} (of {choices:,} choices) from {baseline_rate:.1%} over the "
                      + (f"{_number(len(before))} months before" if len(before) == rule.baseline_months else
                         f"{_number(len(before))} months with choices of the {_number(rule.baseline_months)} before")
                      + f" (p < {rule.p_value:g})"),
            link=link("consent", end, purpose=purpose, **({breakdown: value} if breakdown != "all" else {})),
        ))
    return fired


def _consent_subject(purpose: str, breakdown: str, value: str) -> str:
    subject = f"{labels.name('purpose', purpose)} opt-in rate of choices"
    if breakdown == "all":
        return subject
    if value == "unknown":
        return f"{subject} with no {breakdown} recorded"
    return f"{subject} {'on' if breakdown == 'channel' else 'in'} {labels.name(breakdown, value)}"


# --- Rule: request deadlines -----------------------------------------------------------------------------------

def request_deadlines(run: Runner, end: date, rule, min_cell: int, due_soon_days: int) -> list[Alert]:
    """Requests open at `end` overdue, or due soon, above the rule's numbers (the Requests page's deadline health,
    queries/requests_health.sql). The count is compared exact and printed as every count is (<min_cell)."""
    filters = metrics.Filters(start=month_start(end), end=end, due_soon_days=due_soon_days)
    health = run("requests_health", filters.parameters())
    whole = health[health["breakdown"] == "all"]
    if whole.empty:
        return []
    row = whole.iloc[0]
    fired = []
    for column, above, words in (("overdue", rule.overdue_above, "overdue"),
                                 ("due_soon", rule.due_soon_above, f"due within {due_soon_days} days")):
        counted = int(row[column])
        if counted <= above:
            continue
        hidden = small_counts.on(min_cell) and 0 < counted < min_cell
        shown = f"<{min_cell}" if hidden else f"{counted:,}"
        fired.append(Alert(
            rule=REQUEST_DEADLINES, what={"health": column}, month=month_key(end),
            figures={column: shown if hidden else counted,
                     "threshold": above, "at": end.isoformat(), "due_soon_days": due_soon_days},
            sentence=(f"{shown} open {'request is' if counted == 1 else 'requests are'} {words} at the end of "
                      f"{end:%d %b %Y} (the alert fires above {above})"),
            link=link("requests", end),
        ))
    return fired


# --- Rule: request rise ----------------------------------------------------------------------------------------

def request_rises(run: Runner, end: date, rule, min_cell: int) -> list[Alert]:
    """Request types received in month M (to `end`) far more often than their baseline months' daily rate makes
    likely (settings [alerts.request_rise]): x received in M's d days to `end`, b in the baseline's D days; under
    "nothing changed" both are Poisson at one daily rate, and given x + b, x ~ Binomial(x + b, d / (d + D)); the rule
    fires when P(X >= x) is under p_value (the exact conditional test of two Poisson counts)."""
    start = months_back(end, rule.baseline_months)
    monthly = run("alerts_requests_monthly", {"start": start, "end": end})
    if monthly.empty:
        return []
    first = pd.Timestamp(monthly["first_received"].iloc[0]).date()
    # Months wholly after the store's first request: before it, a month holds no data rather than no requests.
    usable = [months_back(end, back) for back in range(rule.baseline_months, 0, -1)
              if months_back(end, back) >= first]
    if len(usable) < rule.min_baseline_months:
        return []
    baseline_days = (month_start(end) - usable[0]).days
    days_of_m = end.day
    this_month = month_key(end)
    least = max(rule.min_count, min_cell, 1)
    fired = []
    for request_type, rows in monthly.groupby("request_type", sort=True):
        counts = dict(zip(rows["month"], rows["received"].astype(int), strict=True))
        received = counts.get(this_month, 0)
        if received < least:
            continue
        baseline = sum(counts.get(month_key(month), 0) for month in usable)
        expected = baseline / baseline_days * days_of_m
        # Two Poisson counts compared: given their sum, M's share of it is binomial, at M's share of the days.
        p = binomial_upper_tail(received, received + baseline, days_of_m / (days_of_m + baseline_days))
        if p >= rule.p_value:
            continue
        # The expected count is an average of counts: left out while their total is a small count.
        hidden = small_counts.on(min_cell) and 0 < baseline < min_cell
        fired.append(Alert(
            rule=REQUEST_RISE, what={"request_type": request_type}, month=this_month,
            figures={"received": received, "expected": None if hidden else round(expected, 1),
                     "baseline_months": len(usable), "days": days_of_m, "p_value": p,
                     "p_value_threshold": rule.p_value},
            sentence=(f"{labels.name('request_type', request_type)} requests rose to {received:,} in "
                      f"{month_words(end)}" + (f" to {end.day} {end:%b}" if end != month_end(end) else "")
                      + (" from a handful" if hidden else f" against {expected:,.1f} expected")
                      + f" from the {_number(len(usable))} months before (p < {rule.p_value:g})"),
            link=link("requests", end, type=request_type),
        ))
    return fired
