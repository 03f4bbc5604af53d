"""What every figure and column is called and means: the Definitions page, the tooltips and the Data tabs
all read their words here (spec/metrics.md in a reader's words).

- `COLUMNS`: each column a metric query or a chart helper returns, with its heading, its kind of number and
  its meaning.
- `FIGURES`: each figure the pages show (tiles and charts), page by page, with its definition, its
  denominator and its small-count rule.
- `help_text(key, end=..., min_cell=...)`: the tooltip of a figure or a column, dates and min_cell filled in.
- `readable(frame)`: a figure's frame as a person reads it in a Data tab or a CSV: names, not keys; headings,
  not column names; numbers kept as numbers.

A text may hold the placeholders {at_end}, {range}, {end}, {year} and {min_cell}; `fill` puts in the values
given, or words that read right without them ("at the end of the range").
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard import formatting, labels, small_counts

KINDS = ("percent", "points", "days", "count", "date", "text", "key")


@dataclass(frozen=True)
class Column:
    """One column of a figure's frame as a reader sees it."""

    heading: str   # "Opt-in rate of choices"
    # How its values read: "percent" (a rate from 0 to 1), "points" (a rate's change, in percentage points: +2.1
    # pts), "days" (a median or mean of days, one decimal),
    # "count" (a whole number: people, requests, or a whole number of days), "date", "text", or "key"
    # (a key shown by its name from dashboard/labels.py; the column's name is the labels field).
    kind: str
    help: str = ""  # one or two sentences: what it counts, over which rows, its denominator


@dataclass(frozen=True)
class Figure:
    """One figure a page shows: a tile, a chart, or a table of them."""

    key: str                     # the chart's download key where it is a chart ("consent-by-purpose")
    page: str                    # "Overview", "Consent", "Requests", "Policy versions", "CCPA report"
    name: str                    # the tile's label or the chart's title, as the page writes it
    definition: str              # what is counted, over which rows, at which date
    denominator: str | None      # what a rate is divided by (a noun phrase); None for counts and dates
    counts: tuple[str, ...]      # the columns (COLUMNS keys) it is made of
    small_counts: str = ""       # what the small-count rule hides of it


# --- Columns -------------------------------------------------------------------------------------------

COLUMNS: dict[str, Column] = {
    # Keys, shown by their names.
    "purpose": Column("Purpose", "key", "The purpose a choice is about, by its name in the purpose catalogue."),
    "request_type": Column("Request type", "key",
                           "What the person asked for. A combined request (access and deletion) counts once "
                           "for each of its types."),
    "status": Column("Status", "key",
                     "The request's latest known status (completed, denied, withdrawn or open), as the newest "
                     "export gives it."),
    "jurisdiction": Column("Jurisdiction", "key", "The law the request was made under; it sets the deadline."),
    "channel": Column("Channel", "key",
                      "The channel a choice or a request came through; Unknown where none is recorded."),
    "region": Column("Region", "key", "The region of the person making the choice; Unknown where none is recorded."),
    "policy_version": Column("Policy version", "key", "The privacy policy version, by its key in the catalogue."),
    # Names the chart helpers put beside the keys (readable() keeps the key's name instead).
    "purpose_label": Column("Purpose", "text", "The purpose's name in the purpose catalogue."),
    "request_type_label": Column("Request type", "text", "The request type's name."),
    "status_label": Column("Status", "text", "The request status's name."),
    "month_label": Column("Month", "text", "The calendar month in words."),
    "label": Column("Request type", "text",
                    "The request type in the words of the CCPA regulations (title 11, section 7102)."),
    "rate_label": Column("Label", "text", "The rate and its denominator in words, as the chart labels a bar."),
    # Consent.
    "month": Column("Month", "text",
                    "The calendar month (YYYY-MM). Standing figures are taken at its last day, or at the range's "
                    "last day for a partial last month."),
    "opt_ins": Column("Opt-ins", "count",
                      "Opt-in choices made {range}. Acknowledgements of necessary purposes do not count."),
    "opt_outs": Column("Opt-outs", "count", "Opt-out choices made {range}."),
    "choices": Column("Choices", "count",
                      "Opt-ins plus opt-outs made {range}: the denominator of the opt-in rate of choices."),
    "decision_opt_in_rate": Column("Opt-in rate of choices", "percent",
                                   "The share of the choices made {range} that were opt-ins: opt-ins ÷ choices. "
                                   "Empty when no choice was made."),
    "standing_subjects": Column("People with a choice", "count",
                                "People with an opt-in or opt-out for the purpose on record {at_end} (in a "
                                "monthly table, at the month's end): the denominator of the standing opt-in "
                                "rate."),
    "standing_opt_ins": Column("Opted in at end", "count",
                               "Of the people with a choice, those whose latest choice is an opt-in (an opt-out "
                               "wins a tie at the same instant)."),
    "standing_opt_in_rate": Column("Standing opt-in rate", "percent",
                                   "Opted in at end ÷ people with a choice: the share of the people with a "
                                   "choice on record {at_end} whose latest choice is an opt-in."),
    # Notice reach (consent_reach).
    "people_shown": Column("People shown a notice", "count",
                           "People with a notice shown for the purpose {range} (a banner view or a default applied, "
                           "without a choice): the denominator of the no-choice rate."),
    "people_chose": Column("Of them, chose", "count",
                           "Of the people shown a notice, those who made an opt-in or opt-out choice for the purpose "
                           "{range} (for the banner itself, for any purpose)."),
    "no_choice_rate": Column("No-choice rate", "percent",
                             "(People shown − of them, chose) ÷ people shown: the share shown a notice {range} who "
                             "made no choice."),
    # Opt-outs by method (consent_by_method, consent_by_method_region).
    "method": Column("How chosen", "key",
                     "How the choice was made, as the export records it: a Global Privacy Control (GPC) signal the "
                     "person's browser sent, the consent banner, the preference centre, an e-mail link, an API, ...; "
                     "Not recorded where the export gave none."),
    "all_opt_outs": Column("Opt-outs of the purpose", "count",
                           "Every opt-out made for the purpose {range}, whatever the method, those with none recorded "
                           "too: the denominator of the GPC share."),
    "gpc_opt_outs": Column("By GPC signal", "count",
                           "Of the purpose's opt-outs {range}, those made by a Global Privacy Control signal."),
    "gpc_share": Column("Share by GPC signal", "percent",
                        "By GPC signal ÷ opt-outs of the purpose: the share of the opt-outs made {range} that a "
                        "Global Privacy Control signal made. Empty when no opt-out was made."),
    # The Overview's tiles (overview_consent): standing consent at the end of the day before the range began.
    "standing_subjects_before": Column("People with a choice before", "count",
                                       "People with an opt-in or opt-out for the purpose on record at the end of "
                                       "the day before the range began."),
    "standing_opt_ins_before": Column("Opted in before", "count",
                                      "Of them, those whose latest choice then was an opt-in."),
    "standing_opt_in_rate_before": Column("Standing opt-in rate before", "percent",
                                          "Opted in before ÷ people with a choice before: the standing opt-in rate "
                                          "at the end of the day before the range began."),
    "standing_opt_in_change": Column("Change of the standing opt-in rate", "percent",
                                     "Standing opt-in rate at the end of the range minus the same rate at the end "
                                     "of the day before it began (in percentage points on the page)."),
    # The consent page's two rates side by side (charts.consent.rates_side_by_side).
    "measure": Column("Measure", "text",
                      "Which opt-in rate: of the choices made in the range, or standing at its end."),
    "opt_in_rate": Column("Opt-in rate", "percent", "The measure's rate: opted in ÷ out of."),
    "opted_in": Column("Opted in", "count",
                       "Opt-ins made in the range, or people opted in at its end, as the measure says."),
    "denominator": Column("Out of", "count",
                          "The rate's denominator: the choices made in the range, or the people with a choice "
                          "on record at its end."),
    "denominator_unit": Column("Counted in", "text", "What the denominator counts: choices or people."),
    # Requests.
    "received": Column("Received", "count",
                       "Requests received in the range, or in the row's month or year; in the overdue list, the "
                       "date received. A combined request counts once for each of its types."),
    "completed": Column("Completed", "count",
                        "Of the requests received {range}, those completed (in whole or in part), even where "
                        "that happened after the range."),
    "denied": Column("Denied", "count", "Of the requests received, those denied."),
    "withdrawn": Column("Withdrawn", "count", "Of the requests received, those withdrawn by the person."),
    "open": Column("Open", "count", "Of the requests received, those not closed yet, as the newest export says."),
    "closed": Column("Closed with a date", "count",
                     "Completed and denied requests received {range} that have a closing date: the denominator of "
                     "the day figures and of the on-time rate."),
    "median_days_to_close": Column("Median days to close", "days",
                                   "Calendar days from the date received to the date closed: the median over "
                                   "the completed and denied requests received {range} that have a closing "
                                   "date."),
    "mean_days_to_close": Column("Mean days to close", "days", "The same requests' average days to close."),
    "on_time_rate": Column("Closed on time", "percent",
                           "Completed and denied requests with a closing date that closed on or before their due "
                           "date ÷ all of them, among those received {range}."),
    "month_total": Column("All types that month", "count", "Requests of every type received that month."),
    # The Overview's requests tile (overview_requests).
    "received_before": Column("Received the 12 months before", "count",
                              "Requests received in the twelve calendar months to the same day a year earlier."),
    "received_change": Column("Change on the 12 months before", "count",
                              "Requests received in the twelve months to {end} minus those received in the twelve "
                              "months before them; empty where none were received before."),
    "requests": Column("Requests", "count",
                       "The requests of the row: of the type with that status, or of the type closed after that "
                       "many days."),
    "days_to_close": Column("Days to close", "count",
                            "Calendar days from the date received to the date closed."),
    "deadline_days": Column("Deadline (days)", "count",
                            "The type's deadline in calendar days, without extension, where all its requests "
                            "have the same one; empty under business-day or month deadlines."),
    "type_on_time_rate": Column("Closed by the deadline", "percent",
                                "Of the type's completed and denied requests with a closing date, those closed on "
                                "or before their due date."),
    "type_closed": Column("Closed of the type", "count",
                          "Completed and denied requests of the type received {range} that have a closing date."),
    "request_id": Column("Request ID", "text", "The request's ID in the exports."),
    "due_date": Column("Due", "date",
                       "The date received plus the deadline of the request's law and type, with the extension "
                       "when the request was extended."),
    "days_overdue": Column("Days overdue", "count", "Days from the due date to {end}."),
    "overdue_total": Column("Overdue in all", "count",
                            "Every request overdue {at_end}; the list holds the longest overdue (up to 1,000)."),
    "denial_category": Column("Reason for denial", "key",
                              "The denial's ground among those of 11 CCR § 7102(a)(2): identity could not be "
                              "verified, not a consumer, exempt, or other grounds; put from the denial reason by "
                              "data/words.toml's [denial_reason] phrases. No reason recorded where the export gave "
                              "none."),
    "denial_reason": Column("Denial reason", "text",
                            "Why the request was denied, as the export wrote it (an e-mail address or phone number "
                            "in it masked)."),
    "type_denied": Column("Denied of the type", "count", "Requests of the type received {range} that were denied."),
    # Deadline health (requests_health, requests_due_soon, requests_forecast, requests_by_jurisdiction).
    "breakdown": Column("Breakdown", "text",
                        "Which rows: all requests together, per request type, or per jurisdiction."),
    "value": Column("Type or jurisdiction", "text", "The request type or jurisdiction of the row."),
    # The deadline-health chart's rows (charts.deadlines.health_long).
    "breakdown_name": Column("Breakdown", "text", "Whether the row is a request type or a jurisdiction."),
    "name": Column("Type or jurisdiction", "text", "The request type's or the law's name."),
    "health": Column("Deadline", "key",
                     "Overdue (due before {end}), due soon (due within the due-soon days of {end}) or on track."),
    "open_at_end": Column("Open at the end", "count",
                          "Requests received on or before {end} and still open {at_end} (closed later, or not "
                          "closed), wherever in time they were received."),
    "overdue": Column("Overdue", "count", "Of the requests open {at_end}, those whose due date is before {end}."),
    "due_soon": Column("Due soon", "count",
                       "Of the requests open {at_end}, those due from {end} to the due-soon setting's number of "
                       "days after it, both included."),
    "on_track": Column("On track", "count",
                       "Of the requests open {at_end}, those due later than the due-soon days after {end}."),
    "days_left": Column("Days left", "count", "Days from {end} to the due date; 0 when it is due that day."),
    "due_soon_total": Column("Due soon in all", "count",
                             "Every request due soon {at_end}; the list holds the soonest due (up to 1,000)."),
    "closed_last_30_days": Column("Closed in the last 30 days", "count",
                                  "Requests completed, denied or withdrawn in the 30 days ending {end}: the pace "
                                  "of the forecast."),
    "projected_late": Column("Projected late", "count",
                             "Of the requests open {at_end}, those that would close after their due date if "
                             "requests kept closing at the last 30 days' pace, taken in order of due date."),
    "projected_clear_date": Column("All closed by", "date",
                                   "The day the last open request would close at that pace; empty when nothing "
                                   "closed in the last 30 days."),
    # CCPA report.
    "complied": Column("Complied with in whole or in part", "count",
                       "Requests received in {year} whose latest status is completed."),
    "median_days": Column("Median days to respond", "days",
                          "Calendar days from the date received to the date closed: the median over the requests "
                          "of {year} complied with or denied that have a closing date."),
    "mean_days": Column("Mean days to respond", "days", "The same requests' average days to respond."),
    "open_at_year_end": Column("Open on 31 December", "count",
                               "Requests received in {year} not closed by the end of the year: closed later, "
                               "whatever their final status, or still open."),
    "denied_identity_not_verified": Column("Denied: identity could not be verified", "count",
                                           "Denials whose reason says the request could not be verified."),
    "denied_not_a_consumer": Column("Denied: not a consumer", "count",
                                    "Denials whose reason says the request was not made by a consumer."),
    "denied_exempt": Column("Denied: exempt", "count",
                            "Denials whose reason says an exemption or exception applies."),
    "denied_other": Column("Denied: other grounds", "count",
                           "Denials whose reason fits none of the other three."),
    "denied_without_reason": Column("Denied: no reason recorded", "count", "Denials the export gave no reason for."),
    "requests_in_report": Column("Requests in the report", "count",
                                 "The report's requests (one per type) whose current version the upload holds."),
    # The record-keeping check (records_check).
    "requests_on_record": Column("Requests on record", "count",
                                 "Every request the store holds, whatever the dates and filters; a request of "
                                 "several types counts once."),
    "without_channel": Column("Without how it was made", "count",
                              "Requests with no channel recorded: § 7101 asks for the manner in which a request "
                              "was made."),
    "closed_without_date": Column("Closed without a response date", "count",
                                  "Completed or denied requests with no closing date: § 7101 asks for the date of "
                                  "the response."),
    "denied_requests": Column("Denied", "count", "Requests denied (in whole or in part)."),
    "first_received": Column("Records from", "date", "The date the oldest stored request was received."),
    "newest_data_day": Column("Newest data", "date", "The newest consent or request date in the store."),
    "months_held": Column("Months held", "count",
                          "Whole months from the oldest stored request to the newest data; the rules ask for 24."),
    "responded": Column("Responded with a date", "count",
                        "Requests complied with or denied that have a closing date: those the day figures are "
                        "taken over."),
    # Policy versions.
    "effective_date": Column("Effective date", "date",
                             "The date the version took effect: from the policy catalogue, or for a version "
                             "missing from it the date of its earliest consent record."),
    "title": Column("Title", "text", "The version's title in the policy catalogue."),
    "url": Column("Published text", "text", "Where the version's text is published."),
    "subjects_current": Column("People on it", "count",
                               "People whose current version it is {at_end} (in a monthly table, at the month's "
                               "end): the version on their latest consent record."),
    "share_current": Column("Share of people with a version", "percent",
                            "People on it ÷ people with a current version at the same date."),
    "people_with_version": Column("People with a version", "count",
                                  "People whose consent records up to that date name a known policy version: the "
                                  "denominator of the share."),
    "is_latest": Column("Latest", "text",
                        "Yes for the version with the latest effective date on or before {end}."),
    "days_since_effective": Column("Days since effective", "count", "Days from the version's effective date."),
    "as_of": Column("Date", "date", "The day the share is taken at: the effective date plus the days since."),
    "subjects_adopted": Column("People on it or later", "count",
                               "People whose current version that day is this version or a later one."),
    "subjects_with_version": Column("People with a version that day", "count",
                                    "People with a current version that day: the denominator of the share "
                                    "adopted."),
    "adoption_share": Column("Share adopted", "percent",
                             "People on it or a later version ÷ people with a version that day."),
    # charts.policy.adoption_checkpoints.
    "after_30_days": Column("After 30 days", "percent", "The share adopted 30 days after the effective date."),
    "after_60_days": Column("After 60 days", "percent", "The share adopted 60 days after the effective date."),
    "after_90_days": Column("After 90 days", "percent", "The share adopted 90 days after the effective date."),
    "days_in_force": Column("Days in force", "count", "Days from the effective date to {end}."),
    "now": Column("At the end of the range", "percent", "The share adopted {at_end}."),
    # Comparisons (comparisons.changes): a figure over the range compared with, and the change on it.
    "decision_opt_in_rate_earlier": Column("Opt-in rate of choices, earlier", "percent",
                                           "The opt-in rate of the choices made in the range compared with."),
    "decision_opt_in_rate_vs_earlier": Column("Change of the opt-in rate of choices", "points",
                                          "Opt-in rate of choices minus the earlier one, in percentage points."),
    "standing_opt_in_rate_earlier": Column("Standing opt-in rate, earlier", "percent",
                                           "The standing opt-in rate at the end of the range compared with."),
    "standing_opt_in_rate_vs_earlier": Column("Change of the standing opt-in rate", "points",
                                          "Standing opt-in rate minus the earlier one, in percentage points."),
    "received_earlier": Column("Received, earlier", "count", "Requests received in the range compared with."),
    "received_vs_earlier": Column("Change of received", "count", "Received minus received in the range compared with."),
    "on_time_rate_earlier": Column("Closed on time, earlier", "percent",
                                   "The share closed on time in the range compared with."),
    "on_time_rate_vs_earlier": Column("Change of closed on time", "points",
                                  "Closed on time minus the earlier share, in percentage points."),
    "median_days_to_close_earlier": Column("Median days to close, earlier", "days",
                                           "The median days to close in the range compared with."),
    "median_days_to_close_vs_earlier": Column("Change of median days", "days",
                                          "Median days to close minus the earlier median."),
    "earlier_opt_in_rate": Column("Opt-in rate, earlier", "percent", "The measure's rate in the range compared with."),
    "opt_in_rate_change": Column("Change of the opt-in rate", "points",
                                 "Opt-in rate minus the earlier one, in percentage points."),
    "people_shown_earlier": Column("People shown a notice, earlier", "count",
                                   "People shown a notice for the purpose in the range compared with."),
    "people_shown_vs_earlier": Column("Change of people shown", "count",
                                      "People shown a notice minus those shown in the range compared with."),
    "no_choice_rate_earlier": Column("No-choice rate, earlier", "percent",
                                     "The no-choice rate in the range compared with."),
    "no_choice_rate_vs_earlier": Column("Change of the no-choice rate", "points",
                                        "No-choice rate minus the earlier one, in percentage points."),
    "month_from": Column("Compared month", "text", "The month of the earlier range a row comes from."),
}

# A column whose values are dates where the same name elsewhere is a count (requests_overdue.received).
DATE_COLUMNS: dict[str, Column] = {
    "received": Column("Received", "date", "The date the request was received (UTC)."),
}
# A column that means something narrower in one figure, by (query name, column name).
FIGURE_COLUMNS: dict[tuple[str, str], Column] = {
    ("consent_by_method", "opt_ins"): Column("Opt-ins", "count", "Opt-in choices made {range} by this method."),
    ("consent_by_method", "opt_outs"): Column("Opt-outs", "count", "Opt-out choices made {range} by this method."),
    ("consent_by_method_region", "opt_ins"): Column("Opt-ins", "count",
                                                    "Opt-in choices made {range} by this method in the region."),
    ("consent_by_method_region", "opt_outs"): Column("Opt-outs", "count",
                                                     "Opt-out choices made {range} by this method in the region."),
    ("requests_overdue", "received"): DATE_COLUMNS["received"],
    ("overview_requests", "received"): Column(
        "Received", "count",
        "Requests of every type received in the twelve calendar months ending with the month of {end}, up to {end}."),
    ("requests_trailing_12_months", "received"): Column(
        "Received", "count", "Requests of the type received that month (up to {end} in its last month)."),
    ("ccpa_report", "received"): Column(
        "Requests received", "count",
        "Requests received in {year} under the report's scope (the CCPA, every US state law, or every law). A "
        "combined request counts once for each of its types."),
    ("ccpa_report", "denied"): Column("Denied", "count", "Requests received in {year} whose latest status is denied."),
    ("ccpa_report", "withdrawn"): Column("Withdrawn", "count",
                                         "Requests received in {year} whose latest status is withdrawn."),
    ("ccpa_report", "open"): Column("Still open", "count",
                                    "Requests received in {year} neither complied with, denied nor withdrawn yet."),
    ("requests_due_soon", "received"): DATE_COLUMNS["received"],
    ("requests_by_jurisdiction", "received"): Column(
        "Received", "count", "Requests received {range} under the law. A combined request counts once for each of its "
        "types."),
    ("requests_by_jurisdiction", "overdue"): Column(
        "Overdue", "count", "The law's requests open {at_end} whose due date is before {end}, wherever in time they "
        "were received."),
}

# Name columns the chart helpers add beside a key; readable() keeps the key's catalogue name instead.
NAME_OF = {f"{key}_label": key for key, column in COLUMNS.items() if column.kind == "key"}
# The CCPA report's request type in the regulation's words: kept, and the key beside it dropped.
REGULATION_NAME = ("label", "request_type")


# --- Figures, page by page ------------------------------------------------------------------------------

_STANDING = (
    "the share of the people with an opt-in or opt-out for the purpose on record {at_end} whose latest choice "
    "is an opt-in (where two choices share a timestamp, the opt-out wins). Acknowledgements do not count."
)
_STANDING_DENOMINATOR = "People with an opt-in or opt-out for the purpose on record {at_end}."
_STANDING_HIDDEN = "The rate is left out when fewer than {min_cell} people have a choice on record."
_CHOICES_DENOMINATOR = "Choices (opt-ins plus opt-outs) made {range}."
_ON_TIME = (
    "Of the requests received {range} that were completed or denied and have a closing date, the share closed "
    "on or before their due date: the date received plus the deadline of the request's law and type, with the "
    "extension when the request was extended."
)
_CLOSED_DENOMINATOR = "Completed and denied requests received {range} that have a closing date."
_CLOSED_HIDDEN = "Left out when fewer than {min_cell} such requests closed."
_OVERDUE = (
    "Requests received on or before {end} and still open {at_end} (closed later, or not closed) whose due date "
    "is before {end}, wherever in time they were received. A combined request counts once for each of its types."
)
_COUNT_HIDDEN = "A count under {min_cell} reads <{min_cell}."
_OPEN_AT_END = (
    "Requests received on or before {end} and still open {at_end} (closed later whatever the final status, or "
    "open without a closing date), wherever in time they were received. A combined request counts once for each "
    "of its types."
)
_CURRENT_VERSION = (
    "A person's current version is the one on their latest consent record (any purpose, any decision) that "
    "names a known version."
)
_MIX = (
    "For each month of the range, the share of the people with a current version at the month's end (the "
    "range's last day for a partial last month) who are on each version. " + _CURRENT_VERSION
)
_MIX_DENOMINATOR = "People with a current version at the month's end."
_MIX_HIDDEN = ("A month's shares are left out when fewer than {min_cell} people had a current version then; "
               "a number of people under {min_cell} reads <{min_cell}.")
_VOLUME = (
    "Requests received per calendar month and request type over the twelve months ending with the month of "
    "{end}, up to {end} in that month; a month without requests has an empty bar. This window ignores the "
    "start of the range. A combined request counts once for each of its types."
)
_VOLUME_HIDDEN = ("A type's part of a bar is not drawn when its count is under {min_cell}; the month's total is "
                  "still shown when it is {min_cell} or more.")

FIGURES: tuple[Figure, ...] = (
    # Overview.
    Figure("overview-opted-in", "Overview", "‹Purpose›: opted in",
           "For each purpose people consent to, standing consent: " + _STANDING + " The change beside it is "
           "in percentage points against the same rate at the end of the day before the range began.",
           _STANDING_DENOMINATOR, ("standing_opt_ins", "standing_subjects"),
           _STANDING_HIDDEN + " So is the change, when either rate is left out."),
    Figure("overview-consent-trend", "Overview", "Standing opt-in rate by month",
           "For each purpose people consent to, the standing opt-in rate at each month's last day (the range's "
           "last day for a partial last month): the share of the people with a choice on record then whose "
           "latest choice is an opt-in.",
           "People with an opt-in or opt-out for the purpose on record at the month's end.",
           ("standing_opt_ins", "standing_subjects"),
           "A month's point is left out when fewer than {min_cell} people had a choice on record then."),
    Figure("overview-requests-received", "Overview", "Requests, 12 months to ‹month›",
           "Requests of every type received in the twelve calendar months ending with the month of {end}, up "
           "to {end} in that month. This window ignores the start of the range. A combined request counts once "
           "for each of its types. The change is against the twelve months before them.",
           None, ("received",),
           "The total reads <{min_cell} when it is under {min_cell}, and the change is then left out."),
    Figure("overview-on-time", "Overview", "Closed on time", _ON_TIME, _CLOSED_DENOMINATOR, ("closed",),
           _CLOSED_HIDDEN),
    Figure("overview-overdue", "Overview", "Overdue at ‹end of the range›", _OVERDUE, None, ("overdue_total",), _COUNT_HIDDEN),
    Figure("overview-requests-volume", "Overview", "Requests received per month", _VOLUME, None,
           ("received", "month_total"), _VOLUME_HIDDEN),
    Figure("overview-latest-version", "Overview", "On the latest policy",
           "The share of the people with a current version {at_end} who are on the latest version in force "
           "then: the version with the latest effective date on or before {end}. " + _CURRENT_VERSION,
           "People with a current version {at_end}.", ("subjects_current", "people_with_version"),
           "Left out when fewer than {min_cell} people have a current version; the people on it read "
           "<{min_cell} when they are fewer than {min_cell}."),
    Figure("overview-version-mix", "Overview", "Policy version mix by month", _MIX, _MIX_DENOMINATOR,
           ("subjects_current", "people_with_version"), _MIX_HIDDEN),
    Figure("overview-alert-consent-drop", "Overview", "Alert: a consent rate falls",
           "The Alerts section, `python -m dashboard alerts` and each watched-folder load check the calendar month "
           "holding {end} (month M, counted to that day) against the 6 calendar months before it, every filter "
           "aside. Per purpose, in all, per channel and per region, with x opt-ins of n choices in M and b opt-ins "
           "of m choices in the months before (those with choices in the cell: at least 3 are needed): a cell is "
           "tested when n and m are each at least 30. If nothing changed, M's choices would be n drawn at random "
           "from all n + m, and the chance of x opt-ins or fewer is hypergeometric (Fisher's exact test, one-sided); "
           "the alert fires when it is under 0.001. On steady data a cell fires by chance at most 0.001 of the time, "
           "whatever its rate. The numbers are the settings' defaults ([alerts.consent_drop] in "
           "data/settings.toml); direction = \"both\" also fires on a rise. Example: 48 opt-ins of 60 choices in "
           "July to September (80.0%), then 12 of 30 in October (40.0%): of the 90 choices, 60 opt-ins, 30 drawn at "
           "random hold 12 or fewer with a chance of about 0.0002, so the alert fires.",
           "Choices (opt-ins plus opt-outs) made in month M in the cell, and in the months before it.",
           ("opt_ins", "choices"),
           "A cell with fewer than {min_cell} choices in M or in its months before is not tested."),
    Figure("overview-alert-request-deadlines", "Overview", "Alert: requests overdue or due soon",
           "At the end of {end}, the requests open and overdue, and those due within the due-soon days, as on the "
           "Requests page (deadline health). The alert fires when more than overdue_above are overdue (0 by "
           "default: any overdue request), or more than due_soon_above are due soon (10 by default; "
           "[alerts.request_deadlines] in data/settings.toml). Example: 3 requests overdue at the end of 31 Oct "
           "2024 fire the overdue alert; 8 due soon do not fire the due-soon alert.",
           None, ("overdue", "due_soon"), _COUNT_HIDDEN),
    Figure("overview-alert-request-rise", "Overview", "Alert: a sudden rise in requests of a type",
           "Per request type, the requests received in month M up to {end} (x, in its d days) against the 6 calendar "
           "months before it (b, in their D days; only months wholly after the first request in the store count, "
           "and at least 3 are needed). If requests kept one daily rate, then given x + b, x would be binomial "
           "with x + b trials at d ÷ (d + D) (the exact test of two Poisson counts); the alert fires when x is at "
           "least 10 and the chance of x or more is under 0.001 ([alerts.request_rise] in data/settings.toml). It "
           "shows the expected count b ÷ D × d. Example: 6 access requests from May to September (153 days), 12 in "
           "October's 31 days: 1.2 expected; of the 18, October's share would be binomial at 31 ÷ 184, and 12 or "
           "more has a chance of about 0.000004: the alert fires.",
           None, ("received",),
           "A type with fewer than {min_cell} requests in M is not tested; the expected count is left out when the "
           "months before hold fewer than {min_cell}."),
    # Consent.
    Figure("consent-standing", "Consent", "Opted in at the end of the range (one tile per purpose)",
           "Standing consent: " + _STANDING + " Below it, the number of people with a choice; the line is the "
           "same rate at each month's end.",
           _STANDING_DENOMINATOR, ("standing_opt_ins", "standing_subjects"), _STANDING_HIDDEN),
    Figure("consent-by-purpose", "Consent", "Opt-in rate by purpose",
           "Two rates per purpose side by side. Choices made in the range: the share of the opt-in and opt-out "
           "choices made {range} that were opt-ins, counted by the date of each choice. Standing at the end: "
           + _STANDING,
           "Choices made {range} for the first bar; people with an opt-in or opt-out on record {at_end} for the "
           "second.",
           ("opt_ins", "choices", "standing_opt_ins", "standing_subjects"),
           "A bar is left out, and labelled too few to show, when its denominator is under {min_cell}."),
    Figure("consent-monthly-trend", "Consent", "Opt-in rate by month and purpose",
           "Per purpose and calendar month of the range, either rate: standing at the month's last day (the "
           "range's last day for a partial last month), or of the choices made that month.",
           "People with a choice on record at the month's end (standing), or choices made that month.",
           ("standing_opt_ins", "standing_subjects", "opt_ins", "choices"),
           "A point is left out when its denominator is under {min_cell}."),
    Figure("consent-by-channel", "Consent", "Opt-in rate by purpose and channel",
           "Per purpose and channel, the share of the opt-in and opt-out choices made {range} through that "
           "channel that were opt-ins. A choice with no channel recorded counts under Unknown.",
           "Choices (opt-ins plus opt-outs) made {range} for the purpose through the channel.",
           ("opt_ins", "opt_outs", "choices"),
           "A cell is left out when fewer than {min_cell} choices were made in it."),
    Figure("consent-by-region", "Consent", "Opt-in rate by purpose and region",
           "Per purpose and region, the share of the opt-in and opt-out choices made {range} by people of that "
           "region that were opt-ins. A choice with no region recorded counts under Unknown.",
           "Choices (opt-ins plus opt-outs) made {range} for the purpose by people of the region.",
           ("opt_ins", "opt_outs", "choices"),
           "A cell is left out when fewer than {min_cell} choices were made in it."),
    Figure("consent-reach", "Consent", "Who was shown a notice",
           "Per purpose, the people shown a notice {range}: a consent tool's record of a banner displayed, or of a "
           "default applied at page load, without the person choosing (`shown` rows; a banner view that names no "
           "purpose counts under Notice). Of them, those who made an opt-in or opt-out choice for the purpose in "
           "the same range (for Notice, a choice for any purpose), and the no-choice rate: those who made none ÷ "
           "those shown. A person shown several times counts once. Shown only where the exports hold `shown` rows. "
           "Example: 4 people shown the marketing notice in March, 2 of whom opted in or out of marketing in March: "
           "a no-choice rate of 50%.",
           "People shown a notice for the purpose {range}.", ("people_shown", "people_chose"),
           "The rate is left out when fewer than {min_cell} people were shown a notice."),
    Figure("consent-by-method", "Consent", "Opt-outs by how they were made, by purpose",
           "Per purpose, the opt-outs (and opt-ins) made {range}, by how each was made as the export records it (its "
           "`method`): a Global Privacy Control (GPC) signal the person's browser sent, the consent banner, the "
           "preference centre, an e-mail link, an API; Not recorded where the export gave none. And the share of the "
           "purpose's opt-outs made by GPC signal: opt-outs by GPC signal ÷ every opt-out of the purpose, those with no "
           "method recorded included (so the share is a floor where methods are missing). Each opt-out counts, as for "
           "the opt-in rate of choices: a person whose browser sent the signal on three visits counts three times. "
           "Shown only where some choice in the range records a method (Fides' consent report does; Commanders Act's "
           "export says banner or privacy center). Example: 5 marketing opt-outs in March, 2 of them by GPC signal, "
           "1 from the banner, 1 from the preference centre and 1 with no method: a GPC share of 40%.",
           "Every opt-out made for the purpose {range}.", ("opt_ins", "opt_outs", "all_opt_outs", "gpc_opt_outs"),
           "A method's count is left out when under {min_cell}, and the GPC share when the purpose has fewer than "
           "{min_cell} opt-outs."),
    Figure("consent-by-method-region", "Consent", "GPC share of opt-outs by region",
           "The same per purpose and region of the person choosing (Unknown where none is recorded): the opt-outs by "
           "method in the region {range} and the share made by GPC signal. Example: of 3 marketing opt-outs in "
           "California in March, 2 by GPC signal: 66.7%; of 2 in the EU, none: 0%.",
           "Every opt-out made for the purpose {range} in the region.",
           ("opt_ins", "opt_outs", "all_opt_outs", "gpc_opt_outs"),
           "A method's count is left out when under {min_cell}, and the GPC share when the purpose has fewer than "
           "{min_cell} opt-outs in the region."),
    # Requests.
    Figure("requests-received", "Requests", "Received in the range",
           "Requests received {range}, every type together. A combined request counts once for each of its types.",
           None, ("received",), _COUNT_HIDDEN),
    Figure("requests-on-time", "Requests", "Closed on time", _ON_TIME, _CLOSED_DENOMINATOR, ("closed",),
           _CLOSED_HIDDEN),
    Figure("requests-median-days", "Requests", "Median days to close",
           "Calendar days from the date received to the date closed, median over the completed and denied "
           "requests received {range} that have a closing date; the mean beside it is their average. A closed "
           "request with no closing date is left out.",
           _CLOSED_DENOMINATOR, ("closed",), _CLOSED_HIDDEN),
    Figure("requests-overdue", "Requests", "Overdue at ‹end of the range›",
           _OVERDUE + " The overdue list shows them, the longest overdue first.",
           None, ("overdue_total",),
           _COUNT_HIDDEN + " While fewer than {min_cell} are overdue, only analysts see the list."),
    Figure("requests-open-at-end", "Requests", "Open at ‹end of the range›",
           _OPEN_AT_END + " Each is overdue, due soon or on track; the three add up to it.",
           None, ("open_at_end",), _COUNT_HIDDEN),
    Figure("requests-due-soon", "Requests", "Due in the next ‹n› days",
           "Of the requests open {at_end}, those due from {end} to the due-soon setting's number of days after it "
           "(both included; due_soon_days in data/settings.toml, 7 unless changed). The list beside the overdue list "
           "shows them, the soonest due first.",
           None, ("due_soon", "due_soon_total"),
           _COUNT_HIDDEN + " While fewer than {min_cell} are due soon, only analysts see the list."),
    Figure("requests-on-track", "Requests", "On track",
           "Of the requests open {at_end}, those due after the due-soon days, or without a due date.",
           None, ("on_track",), _COUNT_HIDDEN),
    Figure("requests-forecast", "Requests", "Projected late",
           "A projection, not a prediction: of the requests open {at_end}, how many would close after their due "
           "date if requests kept closing at the pace of the 30 days to {end}. The pace is the requests completed, "
           "denied or withdrawn in those 30 days (c); the open requests are taken in order of due date, and the "
           "k-th closes ceil(k × 30 ÷ c) days after {end}. An overdue request is late at any pace; when nothing "
           "closed in the 30 days, every open request is. Example: 9 open, 10 closed in 30 days: the k-th closes "
           "3k days after {end}, so a request third in line and due 7 days after {end} closes on day 9, late.",
           None, ("projected_late", "closed_last_30_days"), _COUNT_HIDDEN),
    Figure("requests-health", "Requests", "Open requests by deadline health",
           "Per request type and per jurisdiction, the requests open {at_end}, split into overdue, due soon and on "
           "track.",
           None, ("requests", "open_at_end"),
           "A part is not drawn when its count is under {min_cell}; the figure beside the bar still counts it."),
    Figure("requests-by-jurisdiction", "Requests", "By jurisdiction",
           "One row per law: the requests received {range} under it by latest status, their median and mean days to "
           "close and on-time rate (as per request type above), and of the law's requests open {at_end} those "
           "overdue and due soon, wherever in time they were received. The rows add up to the per-type table's "
           "totals.",
           _CLOSED_DENOMINATOR + " (for the day figures and the on-time rate)",
           ("received", "completed", "denied", "withdrawn", "open", "closed", "overdue", "due_soon"),
           _COUNT_HIDDEN + " A law's day figures and on-time rate are left out when fewer than {min_cell} of its "
           "requests closed."),
    Figure("requests-denials", "Requests", "Denials by reason",
           "The requests received {range} whose latest status is denied, per type and per ground of 11 CCR § "
           "7102(a)(2): identity could not be verified, not a consumer, exempt, other grounds, or no reason "
           "recorded. Each denial's reason, as the export wrote it, is put in a ground by the phrases of "
           "data/words.toml ([denial_reason]): the longest phrase found decides; a reason with none of them is other "
           "grounds. Example: \"We were unable to verify your identity\" is identity could not be verified.",
           None, ("requests", "type_denied"),
           "A ground's count under {min_cell} reads <{min_cell} and is not drawn."),
    Figure("requests-trailing-12-months", "Requests", "Requests received per month by type", _VOLUME, None,
           ("received", "month_total"), _VOLUME_HIDDEN),
    Figure("requests-by-status", "Requests", "Requests by status and type",
           "Requests received {range}, per type, by their latest known status (completed, denied, withdrawn, "
           "open), even where that status was reached after the range.",
           None, ("requests", "received"),
           "A status's part of a bar is not drawn when its count is under {min_cell}; the type's total is still "
           "shown when it is {min_cell} or more."),
    Figure("requests-days-to-close", "Requests", "Days to close by request type",
           "Completed and denied requests received {range} that have a closing date, by calendar days from the "
           "date received to the date closed. The dashed line is the type's deadline without extension, where "
           "all its requests have the same one in calendar days. Each type's heading gives its share closed by "
           "the deadline (its on-time rate, extensions included), which every type has, business-day and "
           "month deadlines too.",
           None, ("requests", "type_closed"),
           "While small counts are hidden the days are grouped by week, and a week with fewer than {min_cell} "
           "requests is not drawn."),
    # Policy versions.
    Figure("policies-latest-version", "Policy versions", "Latest policy version",
           "The version with the latest effective date on or before {end}. A version missing from the policy "
           "catalogue takes the date of its earliest consent record as its effective date.",
           None, ()),
    Figure("policies-on-latest", "Policy versions", "On the latest version",
           "The share of the people with a current version {at_end} whose current version is the latest one. "
           + _CURRENT_VERSION,
           "People with a current version {at_end}.", ("subjects_current", "people_with_version"),
           "Left out when fewer than {min_cell} people have a current version."),
    Figure("policies-people-with-version", "Policy versions", "People with a current version",
           "People with a current version {at_end}: those whose consent records up to then name a known "
           "policy version. Everyone counted here is on exactly one version.",
           None, ("people_with_version",), _COUNT_HIDDEN),
    Figure("policy-version-mix", "Policy versions", "Policy version mix by month", _MIX, _MIX_DENOMINATOR,
           ("subjects_current", "people_with_version"), _MIX_HIDDEN),
    Figure("policy-adoption", "Policy versions", "Policy version adoption",
           "For each version, by days since its effective date up to {end}: the share of the people with a "
           "current version that day whose current version is this one or a later one (later by effective "
           "date). The table beside it reads the same share 30 and 60 days after the effective date.",
           "People with a current version that day.", ("subjects_adopted", "subjects_with_version"),
           "A day's share is left out when fewer than {min_cell} people had a current version that day."),
    Figure("policies-catalogue", "Policy versions", "Catalogue",
           "Every version of the policy catalogue with its effective date and the people on it {at_end}. A "
           "version missing from the catalogue takes the date of its earliest consent record.",
           "People with a current version {at_end} (for the share).", ("subjects_current", "people_with_version"),
           _COUNT_HIDDEN + " A share over fewer than {min_cell} people is left out."),
    # CCPA report.
    Figure("ccpa-received", "CCPA report", "Requests received",
           "Requests received in {year} under the report's scope, one row per type in the regulation's order: to "
           "delete, to correct, to know, to opt out of sale or sharing, to limit. The scope is California (requests "
           "under the CCPA), every US state law, or every law. A type without requests keeps its row. The sidebar's "
           "dates and filters do not apply.",
           None, ("received",), _COUNT_HIDDEN),
    Figure("ccpa-complied", "CCPA report", "Complied with in whole or in part",
           "Requests received in {year} in scope whose latest status is completed: complied with in whole or in "
           "part, even where that happened after the year.",
           None, ("complied",), _COUNT_HIDDEN),
    Figure("ccpa-denied", "CCPA report", "Denied",
           "Requests received in {year} in scope whose latest status is denied.",
           None, ("denied",), _COUNT_HIDDEN),
    Figure("ccpa-withdrawn-open", "CCPA report", "Withdrawn and still open",
           "Requests received in {year} in scope whose latest status is withdrawn, or still open: neither complied "
           "with nor denied. Requests received = complied with + denied + withdrawn + still open. A note under the "
           "table says how many were open on 31 December of {year} (closed later, or not yet), and how many of them "
           "have been closed since. Example: 10 received, 6 completed, 2 denied, 1 withdrawn, 1 open; 3 were open "
           "on 31 December, of which 2 closed in January: the note says 3 were open, 2 closed since.",
           None, ("withdrawn", "open", "open_at_year_end"), _COUNT_HIDDEN),
    Figure("ccpa-denial-reasons", "CCPA report", "Denied, by reason",
           "The denied requests of {year} in scope by the grounds of section 7102(a)(2): the request could not be "
           "verified, was not made by a consumer (for example not a California resident, or an agent without "
           "authorisation), called for information exempt from disclosure, or was denied on other grounds. Each "
           "denial's reason as the request tool recorded it is put in a category by the phrases of data/words.toml "
           "([denial_reason]): the longest phrase found decides, and a reason with none of them is other grounds. "
           "A denial without a reason is counted as no reason recorded, so the columns add up to Denied. Shown when "
           "any denial of the year has a reason. Example: \"Unable to verify identity\" is identity could not be "
           "verified; \"Requester is not a California resident\" is not a consumer; \"Retained under a legal "
           "obligation\" is exempt.",
           None, ("denied_identity_not_verified", "denied_not_a_consumer", "denied_exempt", "denied_other",
                  "denied_without_reason"), _COUNT_HIDDEN),
    Figure("ccpa-records", "CCPA report", "Records an auditor asks for",
           "Of every request the store holds (not only the year's; a request of several types counts once), those "
           "missing a field that the CCPA regulations (11 CCR § 7101(b)) and Colorado rule 6.11 ask a business to "
           "keep for 24 months: how the request was made (its channel), the date of the response of a completed or "
           "denied request, and the basis of a denial (its reason). The date received, the type and the response "
           "every stored request has. Beside them, how far back the records go: whole months from the oldest "
           "request's date received to the newest data, against the 24 months the rules ask for. Example: requests "
           "from 1 May 2023 with data to 31 October 2024 are 17 months held.",
           None, ("requests_on_record", "without_channel", "closed_without_date", "denied_requests",
                  "denied_without_reason"), _COUNT_HIDDEN),
    Figure("ccpa-days", "CCPA report", "Median and mean days to respond",
           "Calendar days from the date received to the date closed, median and average over the requests of "
           "{year} in scope complied with or denied that have a closing date.",
           "Requests of {year} complied with or denied that have a closing date.", ("responded",),
           "Left out when fewer than {min_cell} requests were responded to."),
)

PAGES = ("Overview", "Consent", "Requests", "Policy versions", "CCPA report")

# The sidebar's "Compare with" (dashboard/comparisons.py), in the Definitions page's words.
COMPARISONS = (
    ("**Previous range**: the range of the same length just before the range. A range of whole calendar months (from "
    "a 1st to a month's last day) is set against as many whole months before it: March 2024 against February 2024 "
    "(29 days), January to October 2024 against March to December 2023. Any other range is set against as many days "
    "ending the day before it starts: 10–20 March 2024 (11 days) against 28 February – 9 March 2024 (11 days)."),
    ("**Same range a year earlier**: each date one year back; 29 February becomes 28 February, and a range ending on "
    "a month's last day is set against one ending on that month's last day: February 2025 against February 2024 (29 "
    "days), 29 February – 5 March 2024 against 28 February – 5 March 2023."),
    ("**Change**: the range's figure minus the earlier range's, with the same filters. A rate's change is in "
    "percentage points (75.0% of choices opt-ins in February, 40.0% in March: −35.0 pts); a count's in its unit "
    "(received 3 against 2: +1); a day figure's in days. Figures taken at the range's end (standing consent, open "
    "and overdue requests) are set against the same figures at the earlier range's end. No change is given where "
    "either figure is missing or hidden by the small-count rule, nor when the data starts after the earlier range "
    "ends; where the data starts within it, the page says so."),
    ("**In the monthly charts** the earlier range's months are laid over the range's own, each beside the month it is "
    "compared with (12 months on for a year earlier, the range's length in months for the previous range), as faded "
    "dashed lines; a tooltip names the month a point comes from. A range of days ending in the same month as its "
    "earlier range has no months to lay over."),
)
_BY_KEY = {figure.key: figure for figure in FIGURES}

SMALL_COUNTS = (
    "A count of at least 1 and under {min_cell} reads <{min_cell} in tiles, tables and downloads and is not "
    "drawn in charts, and a rate or average taken over fewer than {min_cell} is left out."
)


# Markers on the trend charts (queries/chart_markers.sql, the events file of dashboard/events.py).
MARKERS = (
    "The trend charts (opt-in rate by month, requests received per month, policy version mix) carry a thin "
    "vertical line on each day something changed, its words at the top of the plot and in the chart's tooltip and "
    "description. A dashed grey line is a policy version taking effect: the effective date of the policies file "
    "(a version only seen in consent records has none, so no line). A solid dark line is a team event from the "
    "events file (data/events.csv: date, label, and an optional purpose, channel and region), which an analyst "
    "edits under \"Events on the charts\" on the Data page. An event with a purpose, channel or region is marked "
    "while the sidebar shows every value of that filter or has it chosen; on the request charts only its channel "
    "counts, against the request channels. On a chart with a bar per month the line sits in its month's bar, as far "
    "across it as the day is into the month; for example, 15 March 2024 is drawn just under halfway across March "
    "2024 ((15 − 0.5) / 31 of its width)."
)

# --- Texts with the view's values ------------------------------------------------------------------------

def _values(start=None, end=None, min_cell=None, year=None) -> dict[str, str]:
    return {
        "end": formatting.day(end) if end is not None else "the range's last day",
        "at_end": f"at the end of {formatting.day(end)}" if end is not None else "at the end of the range",
        "range": (f"from {formatting.day(start)} to {formatting.day(end)}" if start is not None and end is not None
                  else "in the range"),
        "year": str(year) if year is not None else "the chosen calendar year",
        "min_cell": str(min_cell) if min_cell is not None else "min_cell",
    }


def fill(text: str, *, start: date | None = None, end: date | None = None, min_cell: int | None = None,
         year: int | None = None) -> str:
    """A text with its placeholders filled: the view's dates and min_cell, or words for those not given."""
    values = _values(start, end, min_cell, year)
    return string.Formatter().vformat(text, (), values)


def figure_by_key(key: str) -> Figure:
    """The figure of a key (KeyError for an unknown one)."""
    return _BY_KEY[key]


def figures(page: str) -> tuple[Figure, ...]:
    """A page's figures, in the page's order."""
    return tuple(item for item in FIGURES if item.page == page)


def column(name: str, figure: str | None = None, values=None) -> Column | None:
    """The Column of a frame's column: the figure's own meaning where it has one, the date meaning where
    the values are dates (requests_overdue's `received`), else COLUMNS'; None for a name not known."""
    if figure is not None and (figure, name) in FIGURE_COLUMNS:
        return FIGURE_COLUMNS[(figure, name)]
    if name in DATE_COLUMNS and values is not None and _are_dates(values):
        return DATE_COLUMNS[name]
    return COLUMNS.get(name)


def help_text(key: str, *, start: date | None = None, end: date | None = None, min_cell: int | None = None,
              year: int | None = None, figure: str | None = None) -> str:
    """The tooltip of a figure (by its key, e.g. "consent-by-purpose") or a column (by its name, e.g.
    "standing_opt_in_rate"): the same words the Definitions page shows.

    A figure's text is its definition, then "Denominator: ...", then, when `min_cell` is given and hides
    anything, its small-count rule. `figure` picks a column's narrower meaning in one query
    ("requests_trailing_12_months"). Unknown keys raise KeyError.
    """
    values = {"start": start, "end": end, "min_cell": min_cell, "year": year}
    if key in _BY_KEY:
        item = _BY_KEY[key]
        parts = [fill(item.definition, **values)]
        if item.denominator:
            parts.append("Denominator: " + fill(item.denominator, **values))
        if item.small_counts and min_cell is not None and small_counts.on(min_cell):
            parts.append(fill(item.small_counts, **values))
        return " ".join(parts)
    spec = column(key, figure)
    if spec is None:
        raise KeyError(f"no figure or column named {key!r}")
    return fill(spec.help, **values)


def small_count_rule(min_cell: int | None = None) -> str:
    """The rule every figure follows, for the current setting."""
    return fill(SMALL_COUNTS, min_cell=min_cell)


# --- Frames as a person reads them -----------------------------------------------------------------------

def _are_dates(values) -> bool:
    series = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    present = series.dropna()
    return not present.empty and all(isinstance(value, (date, pd.Timestamp)) for value in present)


def _guessed_kind(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return "text"
    if _are_dates(values):
        return "date"
    if pd.api.types.is_integer_dtype(values):
        return "count"
    if pd.api.types.is_float_dtype(values):
        return "days"
    return "text"


def _with_hidden_counts(values: pd.Series, min_cell: int) -> pd.Series:
    """A count column with each hidden (missing) count as "<min_cell"; untouched when none is hidden."""
    if not small_counts.on(min_cell) or not values.isna().any():
        return values
    return pd.Series([f"<{min_cell}" if small_counts.is_hidden(value) else value for value in values],
                     index=values.index, dtype=object)


def readable(frame: pd.DataFrame, *, keep_keys: bool = False, figure: str | None = None,
             min_cell: int = 0) -> pd.DataFrame:
    """A figure's frame as a person reads it in a Data tab or a CSV.

    - A key column (purpose, request_type, status, jurisdiction, channel, region, policy_version) holds
      its names from dashboard/labels.py under the key's heading; the chart helpers' `<key>_label` beside
      it is dropped (one name column). `keep_keys` adds the keys too, as "<heading> key" after the names.
      The CCPA report keeps its `label` (the regulation's words) and drops the key beside it.
    - Columns are renamed to their headings and kept in the frame's order; internal columns (a leading
      "_"), chart label columns (`*_label`, `rate_label`) are left out.
    - Values stay numbers and dates, so the table sorts; True/False read Yes/No. While `min_cell` hides
      counts, a hidden count reads "<min_cell" (that column then holds text beside numbers).
    - `figure` (a query's name) picks a column's narrower meaning where one has it.

    `column_kinds(result)` gives each heading's kind, to pick number formats.
    """
    present = {str(name) for name in frame.columns}
    regulation_names = set(REGULATION_NAME) <= present
    columns: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}

    def add(heading: str, values: pd.Series, kind: str) -> None:
        while heading in columns:  # two columns, one heading: never lose one
            heading += " (2)"
        columns[heading] = values.reset_index(drop=True)
        kinds[heading] = kind

    for raw in frame.columns:
        name = str(raw)
        values = frame[raw]
        if name.startswith("_") or name == "rate_label":
            continue
        if name.endswith("_label"):
            key = NAME_OF.get(name)
            if key is None or key in present:
                continue  # a count's or month's label for a chart, or a name its key column gives
            add(COLUMNS[key].heading, values, "key")
            continue
        spec = column(name, figure, values)
        if spec is None:
            add(labels.words(name), values, _guessed_kind(values))
            continue
        if spec.kind == "key":
            if not (name == REGULATION_NAME[1] and regulation_names):
                add(spec.heading, pd.Series([labels.name(name, value) for value in values], index=values.index,
                                            dtype=object), "key")
            if keep_keys:
                add(f"{spec.heading} key", values, "text")
            continue
        if pd.api.types.is_bool_dtype(values):
            values = values.map({True: "Yes", False: "No"})
        elif spec.kind == "count" and name in small_counts.COUNT_COLUMNS:
            values = _with_hidden_counts(values, min_cell)
        add(spec.heading, values, spec.kind)

    result = pd.DataFrame(columns) if columns else pd.DataFrame(index=range(len(frame)))
    result.attrs["kinds"] = dict(kinds)
    return result


# Each heading's kind, for a frame that lost readable()'s record of them (the first column of a heading wins).
_HEADING_KINDS: dict[str, str] = {}
for _column in (*COLUMNS.values(), *FIGURE_COLUMNS.values()):
    _HEADING_KINDS.setdefault(_column.heading, _column.kind)
for _column in COLUMNS.values():
    if _column.kind == "key":
        _HEADING_KINDS.setdefault(f"{_column.heading} key", "text")


def column_kinds(frame_readable: pd.DataFrame) -> dict[str, str]:
    """Each heading of a readable() frame with its kind ("percent", "days", "count", "date", "text",
    "key"), so that a page can pick each column's number format."""
    recorded = frame_readable.attrs.get("kinds") or {}
    kinds = {}
    for heading in frame_readable.columns:
        values = frame_readable[heading]
        if heading in recorded:
            kinds[heading] = recorded[heading]
        elif _are_dates(values):
            kinds[heading] = "date"
        else:
            kinds[heading] = _HEADING_KINDS.get(heading) or _guessed_kind(values)
    return kinds


# --- The deadline rules (data/deadlines.csv) in words --------------------------------------------------------------

DEADLINES_FILE = labels.DATA_DIR / "deadlines.csv"
_UNITS = {"calendar_days": "calendar day", "business_days": "business day", "months": "month"}


def deadline_rules() -> pd.DataFrame:
    """data/deadlines.csv as the Definitions page lists it: per law (by name) and types, the deadline and its
    extension in words, and the rule's source."""
    rules = pd.read_csv(DEADLINES_FILE, dtype=str, keep_default_na=False, encoding="utf-8-sig")

    specific = {law for law, value in zip(rules["jurisdiction"], rules["request_types"], strict=True)
                if value.strip() not in ("", "*")}

    def types(law: str, value: str) -> str:
        value = value.strip()
        if value in ("", "*"):
            return "Every other type" if law in specific else "Every type"
        return ", ".join(labels.name("request_type", key) for key in value.split("|"))

    def period(number: str, unit: str) -> str:
        return formatting.plural(int(number), _UNITS.get(unit.strip(), unit.strip()))

    return pd.DataFrame({
        "Law": [labels.name("jurisdiction", key) for key in rules["jurisdiction"]],
        "Request types": [types(law, value) for law, value in zip(rules["jurisdiction"], rules["request_types"],
                                                                   strict=True)],
        "Deadline": [period(number, unit) for number, unit in zip(rules["deadline"], rules["deadline_unit"],
                                                                   strict=True)],
        "Extension": [period(number, unit) if int(number or 0) else "None"
                      for number, unit in zip(rules["extension"], rules["extension_unit"], strict=True)],
        "Source": rules["source"] if "source" in rules.columns else "",
    })
