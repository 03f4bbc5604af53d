"""Tables ready to publish: the CCPA report's human headings, and Markdown and HTML that escape their cells, each
number in the dashboard's one format of its kind: counts 1,130, days 19.0, no value "–"."""

import html
import io
from datetime import date

import pandas as pd

from dashboard.downloads import csv_bytes
from dashboard.report_tables import ccpa_table, cell_text, html_table, markdown_table, published_cells

# 1,130 received = 1,008 complied + 18 denied + 100 withdrawn + 4 still open.
REPORT = [
    {"request_type": "deletion", "label": "Requests to delete", "received": 1130, "complied": 1008, "denied": 18,
     "withdrawn": 100, "open": 4, "median_days": 19.0, "mean_days": 20.68},
    {"request_type": "limit", "label": "Requests to limit", "received": 0, "complied": 0, "denied": 0,
     "withdrawn": 0, "open": 0, "median_days": None, "mean_days": None},
]
# The same with its denials by reason: 11 could not be verified, 7 had none recorded.
REASONS = {"denied_identity_not_verified": 11, "denied_not_a_consumer": 0, "denied_exempt": 0, "denied_other": 0,
           "denied_without_reason": 7}


def test_ccpa_table_has_the_headings_a_privacy_policy_prints():
    table = ccpa_table(REPORT)
    assert list(table.columns) == ["Request type", "Requests received", "Complied with in whole or in part", "Denied",
                                   "Withdrawn", "Still open", "Median days to respond", "Mean days to respond"]
    assert table.iloc[0].tolist() == ["Requests to delete", 1130, 1008, 18, 100, 4, 19.0, 20.68]
    assert table["Mean days to respond"].isna().tolist() == [False, True]
    # The query's frame gives the same table.
    assert ccpa_table(pd.DataFrame(REPORT)).equals(table)
    # It carries its columns' kinds, so every published form writes its days the same way.
    assert table.attrs["kinds"]["Median days to respond"] == "days"
    assert table.attrs["kinds"]["Requests received"] == "count"


def test_ccpa_table_adds_the_denials_by_reason_when_any_denial_has_one():
    without = ccpa_table([{**row, **dict.fromkeys(REASONS, 0)} for row in REPORT])
    assert "Denied: exempt" not in without.columns
    table = ccpa_table([{**REPORT[0], **REASONS}, {**REPORT[1], **dict.fromkeys(REASONS, 0)}])
    assert list(table.columns)[-5:] == ["Denied: identity could not be verified", "Denied: not a consumer",
                                        "Denied: exempt", "Denied: other grounds", "Denied: no reason recorded"]
    assert table.iloc[0].tolist()[-5:] == [11, 0, 0, 0, 7]  # 11 + 7 = the 18 denied
    # Every denial with a reason: no column for none recorded.
    every = ccpa_table([{**REPORT[0], **REASONS, "denied_identity_not_verified": 18, "denied_without_reason": 0}])
    assert list(every.columns)[-1] == "Denied: other grounds"
    # A hidden count ("<5") is a count of 1 or more: it shows the columns too.
    hidden = ccpa_table([{**REPORT[0], **REASONS, "denied_identity_not_verified": "<5", "denied_without_reason": 0}])
    assert "Denied: identity could not be verified" in hidden.columns


def test_cells_read_as_people_write_numbers():
    # Without a kind: whole numbers as counts, others with one decimal (20.68 -> 20.7), no value as "–".
    assert [cell_text(value) for value in (1130, 19.0, 20.68, 10.5, None, float("nan"), pd.NA, "x", "<5")] == [
        "1,130", "19", "20.7", "10.5", "–", "–", "–", "x", "<5"]
    # With a kind: a day figure always has its one decimal, a rate is a percentage with one decimal.
    assert [cell_text(value, "days") for value in (19.0, 20.68, 1234.56, None)] == ["19.0", "20.7", "1,234.6", "–"]
    assert [cell_text(value, "percent") for value in (0.9702, 1.0, 0.964)] == ["97.0%", "100.0%", "96.4%"]
    assert cell_text(date(2023, 12, 31)) == "31 Dec 2023"
    assert cell_text(pd.Series([True]).iloc[0]) == "Yes"  # numpy's bool, as a frame holds it
    assert cell_text(None, missing="") == ""


def test_markdown_table():
    assert markdown_table(ccpa_table(REPORT)) == (
        "| Request type | Requests received | Complied with in whole or in part | Denied | Withdrawn | Still open "
        "| Median days to respond | Mean days to respond |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        "| Requests to delete | 1,130 | 1,008 | 18 | 100 | 4 | 19.0 | 20.7 |\n"
        "| Requests to limit | 0 | 0 | 0 | 0 | 0 | – | – |\n"
    )


def test_markdown_escapes_pipes_markup_and_line_breaks():
    frame = pd.DataFrame({"Type | kind": ["a|b <script>alert(1)</script>", "two\nlines"], "Count": [1, 2]})
    text = markdown_table(frame)
    assert text.splitlines()[0] == "| Type \\| kind | Count |"
    assert "| a\\|b &lt;script&gt;alert(1)&lt;/script&gt; | 1 |" in text
    assert "| two lines | 2 |" in text
    assert "<script>" not in text


def test_html_table_escapes_every_text_and_marks_headers():
    frame = pd.DataFrame({"Type <b>": ['Know & "delete" <img src=x onerror=alert(1)>'], "Count": [1234]})
    text = html_table(frame, caption="Requests in 2023 <under CCPA>")
    assert "<caption>Requests in 2023 &lt;under CCPA&gt;</caption>" in text
    assert '<th scope="col">Type &lt;b&gt;</th>' in text
    assert '<th scope="col" style="text-align: right">Count</th>' in text
    assert ('<th scope="row">Know &amp; &quot;delete&quot; &lt;img src=x onerror=alert(1)&gt;</th>' in text)
    assert '<td style="text-align: right">1,234</td>' in text
    assert "<img" not in text and "<b>" not in text
    assert text.startswith("<table>\n") and text.endswith("</table>\n")


def test_html_table_of_the_ccpa_report():
    text = html_table(ccpa_table(REPORT))
    assert "<caption>" not in text
    assert text.count("<tr>") == 3
    assert '<th scope="row">Requests to limit</th>' in text
    assert text.count('<td style="text-align: right">–</td>') == 2
    assert '<td style="text-align: right">1,130</td>' in text
    assert '<td style="text-align: right">19.0</td>\n      <td style="text-align: right">20.7</td>' in text


def test_the_ccpa_csv_holds_the_text_of_the_published_html():
    # The CSV of the page's table is the published cells: the same "1,130", "19.0", "20.7" and "–" as the HTML,
    # and a hidden count as "<5".
    hidden = ccpa_table([{**REPORT[0], "denied": "<5"}, REPORT[1]])
    cells = published_cells(hidden)
    assert cells.to_dict("records") == [
        {"Request type": "Requests to delete", "Requests received": "1,130",
         "Complied with in whole or in part": "1,008", "Denied": "<5", "Withdrawn": "100", "Still open": "4",
         "Median days to respond": "19.0", "Mean days to respond": "20.7"},
        {"Request type": "Requests to limit", "Requests received": "0", "Complied with in whole or in part": "0",
         "Denied": "0", "Withdrawn": "0", "Still open": "0", "Median days to respond": "–",
         "Mean days to respond": "–"},
    ]
    downloaded = pd.read_csv(io.BytesIO(csv_bytes(cells)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert downloaded.equals(cells)
    html_cells = [html.unescape(line.strip().split(">")[1].split("<")[0]) for line in html_table(hidden).splitlines()
                  if line.strip().startswith(("<td", '<th scope="row"'))]
    assert html_cells == [value for row in cells.itertuples(index=False) for value in row]


def test_kinds_can_be_given_for_any_table():
    frame = pd.DataFrame({"Purpose": ["Marketing"], "Opt-in rate": [0.9702], "Median days": [19.0], "People": [1234]})
    kinds = {"Opt-in rate": "percent", "Median days": "days"}
    assert markdown_table(frame, kinds).splitlines()[2] == "| Marketing | 97.0% | 19.0 | 1,234 |"
    assert '<td style="text-align: right">97.0%</td>' in html_table(frame, kinds=kinds)
    assert published_cells(frame, kinds).iloc[0].tolist() == ["Marketing", "97.0%", "19.0", "1,234"]
