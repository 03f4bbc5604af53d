"""The CCPA report (California Code of Regulations, title 11, section 7102) as a business publishes and defends it:
whose requests it counts (its scope), the notes printed under it, the warning when none of the year's requests is
in scope, and the evidence pack an auditor is handed (one ZIP file).

The figures come from metrics.ccpa_frame; the published table from report_tables.ccpa_table.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

import pandas as pd

from dashboard import definitions, labels, metrics, small_counts
from dashboard.downloads import Document, csv_bytes
from dashboard.formatting import plural
from dashboard.queries import run_query
from dashboard.report_tables import ccpa_table, has_denial_reasons, html_table, markdown_table, published_cells

# The scopes (metrics.CCPA_SCOPES) by the names the page offers, and what each counts in a sentence.
SCOPE_NAMES = {"ccpa": "California (CCPA)", "us": "Every US state law", "all": "Every law"}
SCOPE_TEXT = {
    "ccpa": "requests made under the CCPA (California consumers)",
    "us": "requests made under any US state privacy law",
    "all": "requests made under any law, wherever the person lives",
}


def scope_laws_text(scope: str) -> str:
    """The laws a scope takes, by name: "CCPA (California), VCDPA (Virginia), ..."; "every law" for all."""
    laws = metrics.CCPA_SCOPES[scope]
    return "every law" if laws is None else ", ".join(labels.name("jurisdiction", key) for key in laws)


def period(year: int, last: date) -> tuple[date, bool]:
    """The report's last day and whether the year is complete: the newest data `last` stops a year before 31
    December."""
    complete = not (year == last.year and (last.month, last.day) != (12, 31))
    return (date(year, 12, 31) if complete else last), complete


def caption(year: int, scope: str, last: date) -> str:
    """The table's caption: its period and its scope."""
    end, complete = period(year, last)
    text = f"Requests received from 1 January to {end:%-d %B} {year}: {SCOPE_TEXT[scope]}"
    return text if complete else text + " (the newest data; the year is not complete)"


def notes(exact: pd.DataFrame, year: int, scope: str, *, last: date, min_cell: int = 0) -> list[str]:
    """The notes printed under the table, from ccpa_frame's exact rows (each total a note gives is hidden on its
    own when it is small; no row's figure can be worked out from them, as the table does not show them per row).
    Each says how a figure was counted; together they let a reader add the columns up."""
    total = {column: int(exact[column].sum()) for column in ("received", "open_at_year_end", "open", "responded")}
    end, complete = period(year, last)

    def count(value: int) -> str:
        return f"<{min_cell}" if small_counts.on(min_cell) and 0 < value < min_cell else f"{value:,}"

    laws = f" ({scope_laws_text(scope)})" if scope == "us" else ""
    written = [
        (f"Scope: {SCOPE_TEXT[scope]}{laws}, received from 1 January to {end:%-d %B} {year}. "
        "A request for several things (for example to know and to delete) counts once under each."),
        (f"Each request counts by its latest known status in the newest export (data to {last:%-d %B %Y}): requests "
        "received = complied with + denied + withdrawn + still open."),
    ]
    # With a row's open count hidden, the total open would give it away (from the other rows).
    hides_open = small_counts.on(min_cell) and bool(((exact["open"] > 0) & (exact["open"] < min_cell)).any())
    if total["received"] and not complete:
        # The year is not over: what is open is what the newest export says.
        if not hides_open:
            written.append(f"{count(total['open'])} of the year's requests {'is' if total['open'] == 1 else 'are'} "
                           "still open in the newest export.")
    elif total["received"]:
        since = total["open_at_year_end"] - total["open"]
        closed_since = (f"; {count(since)} of them {'has' if since == 1 else 'have'} been closed since"
                        if since > 0 and not hides_open else "")
        written.append(
            f"{count(total['open_at_year_end'])} of the year's requests "
            f"{'was' if total['open_at_year_end'] == 1 else 'were'} still open on 31 December "
            f"{year}{closed_since}." if total["open_at_year_end"]
            else f"Every request of {year} was closed by 31 December {year}.")
    written.append(
        "Days are calendar days from the date a request was received to the date it was complied with or denied, "
        f"over the requests complied with or denied that have that date ({count(total['responded'])} in "
        "all). A withdrawn or open request has no days."
    )
    if has_denial_reasons(exact):
        written.append(
            "Denials by reason follow the grounds of section 7102(a)(2): the request could not be verified, was not "
            "made by a consumer, called for information exempt from disclosure, or was denied on other grounds. Each "
            "denial's reason, as the request tool recorded it, is put in one of them by the phrases of the "
            "dashboard's word list (data/words.toml, [denial_reason]).")
    written.append(
        "Requests to opt out of sale or sharing are those the request exports hold. An opt-out preference signal "
        "(such as Global Privacy Control) that was recorded only as a consent choice is not counted here.")
    if small_counts.on(min_cell):
        written.append(f"Counts under {min_cell} read <{min_cell}, as the dashboard's small-count setting asks; "
                       "the regulation asks for the figures themselves.")
    return written


def scope_warning(laws: pd.DataFrame, year: int, scope: str) -> str | None:
    """When no request of the year is in scope although the year has requests (ccpa_year_laws' rows): how many
    carry no law and which laws the others carry, so the reader can choose a wider scope or map the law column."""
    in_scope = metrics.CCPA_SCOPES[scope]
    if laws.empty or in_scope is None or laws["jurisdiction"].isin(in_scope).any():
        return None
    counted = dict(zip(laws["jurisdiction"], laws["requests"].astype("int64"), strict=True))
    without = counted.pop("unspecified", 0)
    parts = []
    if without:
        parts.append(f"{plural(without, 'request')} of the year carry no law")
    if counted:
        others = ", ".join(f"{labels.name('jurisdiction', key)} {value:,}" for key, value in counted.items())
        parts.append(f"{plural(sum(counted.values()), 'request')} are under other laws ({others})")
    marked = "CCPA" if scope == "ccpa" else "with a US state law"
    return (f"No request received in {year} is marked {marked}, so every figure below is 0: {' and '.join(parts)}. "
            "If the request tool does not record the law, map its location or law column on the Data page, or "
            "choose a wider scope.")


@dataclass(frozen=True)
class Report:
    """One year's report in every form it is published in."""

    year: int
    scope: str
    frame: pd.DataFrame      # ccpa_frame's rows, small counts hidden
    table: pd.DataFrame      # the published table (report_tables.ccpa_table)
    caption: str
    notes: list[str]
    document: Document       # what the CSV says about itself

    def csv(self) -> bytes:
        return csv_bytes(published_cells(self.table), self.document)

    def html(self) -> str:
        """The table with its caption, then the notes as a numbered list."""
        items = "\n".join(f"  <li>{escape(note)}</li>" for note in self.notes)
        return html_table(self.table, caption=self.caption) + f"<ol class=\"notes\">\n{items}\n</ol>\n"

    def markdown(self) -> str:
        return markdown_table(self.table) + "\n" + "\n".join(
            f"{number}. {note}" for number, note in enumerate(self.notes, start=1)) + "\n"

    def file_stem(self) -> str:
        return f"ccpa-metrics-{self.year}" + ("" if self.scope == "ccpa" else f"-{self.scope}")


def report(exact: pd.DataFrame, year: int, scope: str, *, last: date, min_cell: int, source: str) -> Report:
    """The published report from ccpa_frame's exact rows, small counts hidden as min_cell asks."""
    frame = small_counts.hide(exact, min_cell)
    table = ccpa_table(small_counts.shown(frame, min_cell))
    written = notes(exact, year, scope, last=last, min_cell=min_cell)
    document = Document(title=f"CCPA request metrics, {year}", period=caption(year, scope, last),
                        filters=tuple(f"Note {number}: {note}" for number, note in enumerate(written, start=1)),
                        source=source)
    return Report(year, scope, frame, table, caption(year, scope, last), written, document)


def evidence_uploads(connection, year: int, scope: str) -> pd.DataFrame:
    """The uploads the report rests on (ccpa_evidence_uploads)."""
    return run_query(connection, "ccpa_evidence_uploads", metrics.ccpa_parameters(year, scope))


def evidence_pack(connection, published: Report, *, min_cell: int, generated_at: datetime) -> bytes:
    """One ZIP file an auditor can check the report against: the table (CSV, HTML, Markdown) with its notes, the
    definitions it was made by, the uploads it rests on (file names, SHA-256, rows, who loaded them and when), the
    settings in force, and a list of the pack's files with their SHA-256, all dated `generated_at` (UTC)."""
    year, scope = published.year, published.scope
    uploads = evidence_uploads(connection, year, scope)
    uploads = uploads.assign(loaded_at=[value.strftime("%Y-%m-%d %H:%M:%S UTC") for value in uploads["loaded_at"]])
    stem = published.file_stem()
    laws = metrics.CCPA_SCOPES[scope]
    settings = {
        "report": "CCPA request metrics (11 CCR § 7102)",
        "year": year,
        "scope": scope,
        "scope_name": SCOPE_NAMES[scope],
        "laws": None if laws is None else list(laws),
        "min_cell": min_cell,
        "generated_at": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data_to": published.document.source,
    }
    files = {
        f"{stem}.csv": published.csv(),
        f"{stem}.html": published.html().encode("utf-8"),
        f"{stem}.md": published.markdown().encode("utf-8"),
        "definitions.md": _definitions(published).encode("utf-8"),
        "uploads.csv": csv_bytes(uploads, Document(
            title=f"The uploads the CCPA report of {year} rests on", period=published.caption,
            filters=(("Each upload holds the current version of at least one request the report counts; "
                     "requests_in_report says how many (one per type)."),))),
        "settings.json": (json.dumps(settings, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    }
    if has_denial_reasons(published.frame):
        words = run_query(connection, "ccpa_denial_words")
        files["denial_reason_words.csv"] = csv_bytes(words, Document(
            title="The phrases that put each denial reason in a category of section 7102(a)(2)", period=""))
    manifest = [(f"CCPA request metrics {year}, {SCOPE_NAMES[scope]}: evidence pack generated "
                f"{settings['generated_at']}."), "", "SHA-256 of each file:"]
    manifest += [f"{hashlib.sha256(content).hexdigest()}  {name}" for name, content in files.items()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        stamp = generated_at.timetuple()[:6]
        for name, content in {**files, "MANIFEST.txt": ("\n".join(manifest) + "\n").encode("utf-8")}.items():
            pack.writestr(zipfile.ZipInfo(name, date_time=stamp), content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _definitions(published: Report) -> str:
    """The definitions the report's figures were made by (the Definitions page's CCPA section) and its notes."""
    lines = [f"# Definitions used in the CCPA request metrics, {published.year}", "", published.caption + ".", ""]
    for figure in definitions.figures("CCPA report"):
        lines += [f"## {figure.name}", "", definitions.fill(figure.definition, year=published.year)]
        if figure.denominator:
            lines += ["", "Taken over: " + definitions.fill(figure.denominator, year=published.year)]
        lines.append("")
    lines += ["## Notes", ""] + [f"{number}. {note}" for number, note in enumerate(published.notes, start=1)]
    return "\n".join(lines) + "\n"
