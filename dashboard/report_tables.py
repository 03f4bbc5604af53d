"""Tables ready to publish: the CCPA report with human column names, and any table as Markdown, HTML or the text
cells of either (for a CSV that reads the same).

Every cell is written in the dashboard's one format of its kind (dashboard/formatting.py): counts with
thousands separators ("1,130"), day figures with one decimal ("19.0"), rates as "97.0%", dates "31 Dec 2023",
a hidden count as "<min_cell", and no value as "–".
"""

from __future__ import annotations

import html
import numbers

import pandas as pd

from dashboard import formatting

# The section 7102 figures under the names a privacy policy page prints, with the columns that make them add up:
# received = complied + denied + withdrawn + still open.
CCPA_HEADINGS = {
    "label": "Request type",
    "received": "Requests received",
    "complied": "Complied with in whole or in part",
    "denied": "Denied",
    "withdrawn": "Withdrawn",
    "open": "Still open",
    "median_days": "Median days to respond",
    "mean_days": "Mean days to respond",
}
# The denials by reason (section 7102(a)(2)), printed when the year's denials carry reasons; they add up to Denied.
CCPA_DENIAL_HEADINGS = {
    "denied_identity_not_verified": "Denied: identity could not be verified",
    "denied_not_a_consumer": "Denied: not a consumer",
    "denied_exempt": "Denied: exempt",
    "denied_other": "Denied: other grounds",
    "denied_without_reason": "Denied: no reason recorded",
}
_DAYS = ("Median days to respond", "Mean days to respond")
# Each heading's kind of number (formatting.cell), kept with the table in `attrs["kinds"]`.
CCPA_KINDS = {heading: "days" if heading in _DAYS else "count"
              for heading in (*list(CCPA_HEADINGS.values())[1:], *CCPA_DENIAL_HEADINGS.values())}
MISSING = formatting.MISSING


def ccpa_table(report: pd.DataFrame) -> pd.DataFrame:
    """The ccpa_report rows (query frame or metrics.ccpa_report's dicts) under CCPA_HEADINGS, in their order, and
    the denials by reason (CCPA_DENIAL_HEADINGS) when any denial of the report has one.

    Day figures are floats, empty (NaN) for a type without completed or denied requests. The table carries
    its columns' kinds (CCPA_KINDS) in `attrs["kinds"]`, so markdown_table, html_table and published_cells
    write its days with one decimal.
    """
    frame = pd.DataFrame(report) if not isinstance(report, pd.DataFrame) else report
    headings = dict(CCPA_HEADINGS)
    if has_denial_reasons(frame):
        headings |= CCPA_DENIAL_HEADINGS
        if not _counted(frame["denied_without_reason"]):
            del headings["denied_without_reason"]
    table = frame[list(headings)].rename(columns=headings).reset_index(drop=True)
    for column in _DAYS:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    table.attrs["kinds"] = {heading: CCPA_KINDS[heading] for heading in table.columns[1:]}
    return table


def _counted(values: pd.Series) -> bool:
    """Whether any count of the column is more than 0 (a hidden count, missing or "<N", is 1 or more)."""
    return any(not isinstance(value, (int, float)) or pd.isna(value) or value > 0
               for value in (value.item() if hasattr(value, "item") else value for value in values))


def has_denial_reasons(report: pd.DataFrame) -> bool:
    """Whether any denial of the report has a reason: its table then shows the denials by reason."""
    reasons = [column for column in CCPA_DENIAL_HEADINGS if column != "denied_without_reason"]
    return set(reasons) <= set(report.columns) and any(_counted(report[column]) for column in reasons)


def cell_text(value, kind: str | None = None, *, missing: str = MISSING) -> str:
    """A cell as a reader sees it, in formatting.cell's format of its kind ("count", "days", "percent",
    "date"); without a kind, whole numbers read as counts and other numbers with one decimal. No value reads
    `missing` ("–")."""
    if formatting.missing(value) and not isinstance(value, str):
        return missing
    if hasattr(value, "item") and not isinstance(value, (str, pd.Timestamp)):
        value = value.item()  # a numpy scalar: numpy's bool is no bool
    return formatting.cell(value, kind)


def _kinds(frame: pd.DataFrame, kinds: dict[str, str] | None) -> list[str | None]:
    chosen = kinds if kinds is not None else (frame.attrs.get("kinds") or {})
    return [chosen.get(column) for column in frame.columns]


def published_cells(frame: pd.DataFrame, kinds: dict[str, str] | None = None, *,
                    missing: str = MISSING) -> pd.DataFrame:
    """The frame with every cell as the text markdown_table and html_table print: a CSV of it holds the same
    text as the published HTML ("1,130", "19.0", "–"). `kinds` defaults to the frame's `attrs["kinds"]`."""
    columns = _kinds(frame, kinds)
    return pd.DataFrame(
        {column: [cell_text(value, kind, missing=missing) for value in frame[column]]
         for column, kind in zip(frame.columns, columns, strict=True)},
        columns=frame.columns,
    )


def _is_number(value) -> bool:
    """A number, or a count hidden as "<N" (small counts), or missing."""
    if isinstance(value, str):
        return (value.startswith("<") and value[1:].isdigit()) or value == MISSING
    return value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool)) or pd.isna(value)


def _numeric_columns(frame: pd.DataFrame) -> list[bool]:
    return [
        (pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]))
        or (frame[column].dtype == object and all(_is_number(value) for value in frame[column]))
        for column in frame.columns
    ]


def _markdown_cell(text: str) -> str:
    # Entities keep markup in a cell from being read as HTML; a pipe would end the cell; a line break the row.
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return " ".join(escaped.splitlines())


def markdown_table(frame: pd.DataFrame, kinds: dict[str, str] | None = None, *, missing: str = MISSING) -> str:
    """A GitHub-flavoured Markdown table of the frame, numbers right-aligned, cell text escaped; each column
    in the format of its kind (`kinds`, by default the frame's `attrs["kinds"]`)."""
    numeric = _numeric_columns(frame)
    column_kinds = _kinds(frame, kinds)
    lines = [
        "| " + " | ".join(_markdown_cell(str(column)) for column in frame.columns) + " |",
        "| " + " | ".join("---:" if is_number else "---" for is_number in numeric) + " |",
    ]
    for row in frame.itertuples(index=False, name=None):
        lines.append("| " + " | ".join(_markdown_cell(cell_text(value, kind, missing=missing))
                                       for value, kind in zip(row, column_kinds, strict=True)) + " |")
    return "\n".join(lines) + "\n"


def html_table(frame: pd.DataFrame, caption: str | None = None, kinds: dict[str, str] | None = None, *,
               missing: str = MISSING) -> str:
    """An HTML table of the frame, the first column as row headers, numbers right-aligned, every text escaped;
    each column in the format of its kind (`kinds`, by default the frame's `attrs["kinds"]`)."""
    numeric = _numeric_columns(frame)
    column_kinds = _kinds(frame, kinds)
    lines = ["<table>"]
    if caption:
        lines.append(f"  <caption>{html.escape(caption)}</caption>")
    lines.append("  <thead>")
    lines.append("    <tr>")
    for column, is_number in zip(frame.columns, numeric, strict=True):
        align = ' style="text-align: right"' if is_number else ""
        lines.append(f'      <th scope="col"{align}>{html.escape(str(column))}</th>')
    lines.append("    </tr>")
    lines.append("  </thead>")
    lines.append("  <tbody>")
    for row in frame.itertuples(index=False, name=None):
        lines.append("    <tr>")
        for position, (value, is_number, kind) in enumerate(zip(row, numeric, column_kinds, strict=True)):
            text = html.escape(cell_text(value, kind, missing=missing))
            if position == 0:
                lines.append(f'      <th scope="row">{text}</th>')
            else:
                align = ' style="text-align: right"' if is_number else ""
                lines.append(f"      <td{align}>{text}</td>")
        lines.append("    </tr>")
    lines.append("  </tbody>")
    lines.append("</table>")
    return "\n".join(lines) + "\n"
