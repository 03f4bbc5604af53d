"""Tables ready to publish: the CCPA report with human column names, and any table as Markdown or HTML."""

from __future__ import annotations

import html
import numbers

import pandas as pd

# The section 7102 figures under the names a privacy policy page prints.
CCPA_HEADINGS = {
    "label": "Request type",
    "received": "Requests received",
    "complied": "Complied with in whole or in part",
    "denied": "Denied",
    "median_days": "Median days to respond",
    "mean_days": "Mean days to respond",
}
MISSING = "N/A"


def ccpa_table(report: pd.DataFrame) -> pd.DataFrame:
    """The ccpa_report rows (query frame or metrics.ccpa_report's dicts) under CCPA_HEADINGS, in their order.

    Day figures are floats, empty (NaN) for a type without completed or denied requests.
    """
    frame = pd.DataFrame(report, columns=list(CCPA_HEADINGS)) if not isinstance(report, pd.DataFrame) else report
    table = frame[list(CCPA_HEADINGS)].rename(columns=CCPA_HEADINGS).reset_index(drop=True)
    for column in ("Median days to respond", "Mean days to respond"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    return table


def cell_text(value, missing: str = MISSING) -> str:
    """A cell as a reader sees it: thousands separators, at most two decimals with no trailing zeros."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return missing
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, numbers.Real):
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _is_number(value) -> bool:
    """A number, or a count hidden as "<N" (small counts), or missing."""
    if isinstance(value, str):
        return value.startswith("<") and value[1:].isdigit()
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


def markdown_table(frame: pd.DataFrame, missing: str = MISSING) -> str:
    """A GitHub-flavoured Markdown table of the frame, numbers right-aligned, cell text escaped."""
    numeric = _numeric_columns(frame)
    lines = [
        "| " + " | ".join(_markdown_cell(str(column)) for column in frame.columns) + " |",
        "| " + " | ".join("---:" if is_number else "---" for is_number in numeric) + " |",
    ]
    for row in frame.itertuples(index=False, name=None):
        lines.append("| " + " | ".join(_markdown_cell(cell_text(value, missing)) for value in row) + " |")
    return "\n".join(lines) + "\n"


def html_table(frame: pd.DataFrame, caption: str | None = None, missing: str = MISSING) -> str:
    """An HTML table of the frame, the first column as row headers, numbers right-aligned, every text escaped."""
    numeric = _numeric_columns(frame)
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
        for position, (value, is_number) in enumerate(zip(row, numeric, strict=True)):
            text = html.escape(cell_text(value, missing))
            if position == 0:
                lines.append(f'      <th scope="row">{text}</th>')
            else:
                align = ' style="text-align: right"' if is_number else ""
                lines.append(f"      <td{align}>{text}</td>")
        lines.append("    </tr>")
    lines.append("  </tbody>")
    lines.append("</table>")
    return "\n".join(lines) + "\n"
