"""The CCPA report page on the sample store: the table of `python -m dashboard report ccpa`, ready to publish."""

import json
from functools import cache

import pandas as pd

from tests.conftest import dashboard, shared_app_store

HEADINGS = {"label": "Request type", "received": "Requests received", "complied": "Complied with in whole or in part",
            "denied": "Denied", "median_days": "Median days to respond", "mean_days": "Mean days to respond"}


# The tests only read the sample: they share one copy of it, and the pages' caches with it.
app_store = shared_app_store("ccpa-page")


@cache  # the same store file gives the same report: each asked for once a run
def cli_report(store_file, year: int, *options: str) -> list[dict]:
    result = dashboard("report", "ccpa", "--year", str(year), *options, db=store_file)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["rows"]


def page_rows(app) -> list[dict]:
    """The page's table as the command line's rows (its headings mapped back, empty days as None)."""
    (table,) = [element.value for element in app.dataframe]
    assert list(table.columns) == list(HEADINGS.values())
    rows = []
    for record in table.to_dict("records"):
        row = {key: record[heading] for key, heading in HEADINGS.items()}
        rows.append({key: (None if pd.isna(value) else value.item() if hasattr(value, "item") else value)
                     for key, value in row.items()})
    return rows


def without_keys(rows: list[dict]) -> list[dict]:
    return [{key: row[key] for key in HEADINGS} for row in rows]


def downloads(app) -> dict[str, str]:
    return {button.proto.label: button.proto.url for button in app.get("download_button")}


def open_ccpa(app):
    app.run()
    app.switch_page("views/ccpa.py").run()
    assert not app.exception
    return app


def test_the_last_full_year_of_ccpa_requests_equals_the_command_line(app, sample_store_file):
    expected = cli_report(sample_store_file, 2023)
    open_ccpa(app)

    year = app.selectbox(key="year")
    assert year.value == "2023"
    assert year.options == ["2024", "2023"]
    assert not any("not complete" in warning.value for warning in app.warning)  # 2023 is a whole year
    assert app.toggle(key="all_jurisdictions").value is False
    assert page_rows(app) == without_keys(expected)
    assert [row["label"] for row in expected] == ["Requests to delete", "Requests to correct", "Requests to know",
                                                  "Requests to opt-out of sale/sharing", "Requests to limit"]
    assert expected[0]["received"] == 130

    markdown, html = (code.value for code in app.code)
    deletion = expected[0]
    assert (f"| Requests to delete | {deletion['received']:,} | {deletion['complied']:,} | {deletion['denied']:,} |"
            in markdown)
    assert len(markdown.splitlines()) == 2 + 5  # heading, rule, the five types
    assert "<caption>Requests received from 1 January to 31 December 2023 under the CCPA</caption>" in html
    assert f'<th scope="row">Requests to delete</th>\n      <td style="text-align: right">{deletion["received"]}' in html
    assert set(downloads(app)) == {"Table (CSV)", "Table (HTML)", "Table (Markdown)"}


def test_all_jurisdictions_and_another_year(app, sample_store_file):
    ccpa_only = cli_report(sample_store_file, 2023)
    everywhere = cli_report(sample_store_file, 2023, "--all-jurisdictions")
    open_ccpa(app)

    app.toggle(key="all_jurisdictions").set_value(True).run()
    assert not app.exception
    assert page_rows(app) == without_keys(everywhere)
    received = [row["received"] for row in page_rows(app)]
    assert received != [row["received"] for row in ccpa_only]
    assert all(wide >= narrow["received"] for wide, narrow in zip(received, ccpa_only, strict=True))
    assert any(header.value == "Requests received in 2023, all jurisdictions" for header in app.subheader)
    assert "under all jurisdictions" in app.code[1].value

    app.selectbox(key="year").set_value("2024").run()
    assert not app.exception
    assert page_rows(app) == without_keys(cli_report(sample_store_file, 2024, "--all-jurisdictions"))
    # The sample's data stops on 31 October 2024: the page, the caption of the published table and the link
    # say so, and keep the year and the scope.
    assert any(header.value == "Requests received in 2024 to 31 October, all jurisdictions" for header in app.subheader)
    assert any("2024 is not complete: the newest data is from 31 Oct 2024" in warning.value for warning in app.warning)
    assert ("<caption>Requests received from 1 January to 31 October 2024 under all jurisdictions (the newest data; "
            "the year is not complete)</caption>") in app.code[1].value


def test_a_link_opens_the_year_and_scope_it_names(app, sample_store_file):
    app.query_params["year"] = "2024"
    app.query_params["all_jurisdictions"] = "true"
    open_ccpa(app)
    assert app.selectbox(key="year").value == "2024"
    assert app.toggle(key="all_jurisdictions").value is True
    assert page_rows(app) == without_keys(cli_report(sample_store_file, 2024, "--all-jurisdictions"))
