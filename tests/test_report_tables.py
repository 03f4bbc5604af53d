"""Tables ready to publish: the CCPA report's human headings, and Markdown and HTML that escape their cells."""

import pandas as pd

from dashboard.report_tables import ccpa_table, cell_text, html_table, markdown_table

REPORT = [
    {"request_type": "deletion", "label": "Requests to delete", "received": 1130, "complied": 1008, "denied": 18,
     "median_days": 19.0, "mean_days": 20.68},
    {"request_type": "limit", "label": "Requests to limit", "received": 0, "complied": 0, "denied": 0,
     "median_days": None, "mean_days": None},
]


def test_ccpa_table_has_the_headings_a_privacy_policy_prints():
    table = ccpa_table(REPORT)
    assert list(table.columns) == ["Request type", "Requests received", "Complied with in whole or in part", "Denied",
                                   "Median days to respond", "Mean days to respond"]
    assert table.iloc[0].tolist() == ["Requests to delete", 1130, 1008, 18, 19.0, 20.68]
    assert table["Mean days to respond"].isna().tolist() == [False, True]
    # The query's frame gives the same table.
    assert ccpa_table(pd.DataFrame(REPORT)).equals(table)


def test_cells_read_as_people_write_numbers():
    assert [cell_text(value) for value in (1130, 19.0, 20.68, 10.5, None, float("nan"), "x")] == [
        "1,130", "19", "20.68", "10.5", "N/A", "N/A", "x"]


def test_markdown_table():
    assert markdown_table(ccpa_table(REPORT)) == (
        "| Request type | Requests received | Complied with in whole or in part | Denied | Median days to respond "
        "| Mean days to respond |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: |\n"
        "| Requests to delete | 1,130 | 1,008 | 18 | 19 | 20.68 |\n"
        "| Requests to limit | 0 | 0 | 0 | N/A | N/A |\n"
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
    assert text.count('<td style="text-align: right">N/A</td>') == 2
