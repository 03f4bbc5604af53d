"""The CCPA report page on the sample store: the table of `python -m dashboard report ccpa`, ready to publish."""

import json
from functools import cache

import pandas as pd

from dashboard.report_tables import CCPA_DENIAL_HEADINGS, CCPA_HEADINGS
from tests.conftest import dashboard, shared_app_store

# The table's headings, the regulation's figures and the denials by reason (the sample's denials carry reasons).
HEADINGS = {**CCPA_HEADINGS, **CCPA_DENIAL_HEADINGS}


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
    assert app.selectbox(key="scope").value == "ccpa"
    assert page_rows(app) == without_keys(expected)
    for row in expected:  # the columns add up, and so do the denials by reason
        assert row["received"] == row["complied"] + row["denied"] + row["withdrawn"] + row["open"]
        assert row["denied"] == sum(row[key] for key in CCPA_DENIAL_HEADINGS)
    assert sum(row["denied_identity_not_verified"] for row in expected) > 0
    assert [row["label"] for row in expected] == ["Requests to delete", "Requests to correct", "Requests to know",
                                                  "Requests to opt-out of sale/sharing", "Requests to limit"]
    assert expected[0]["received"] == 130

    markdown, html = (code.value for code in app.code)
    deletion = expected[0]
    assert (f"| Requests to delete | {deletion['received']:,} | {deletion['complied']:,} | {deletion['denied']:,} |"
            in markdown)
    notes = json.loads(dashboard("report", "ccpa", "--year", "2023", db=sample_store_file).stdout)["notes"]
    # Heading, rule, the five types, a blank line, then the notes, numbered as on the page.
    assert markdown.splitlines()[8:] == [f"{number}. {note}" for number, note in enumerate(notes, start=1)]
    assert "<caption>Requests received from 1 January to 31 December 2023: requests made under the CCPA (California " \
           "consumers)</caption>" in html
    assert f'<th scope="row">Requests to delete</th>\n      <td style="text-align: right">{deletion["received"]}' in html
    assert any(block.value.startswith("1. Scope: requests made under the CCPA") for block in app.markdown)
    assert set(downloads(app)) == {"Table (CSV)", "Table (HTML)", "Table (Markdown)", "Evidence pack (ZIP)"}

    # The records an auditor asks for: the sample's 1,500 requests, as `metrics` counts them; its records go back
    # from 1 May 2023 to 31 Oct 2024, 17 whole months, short of the 24 the rules ask for.
    records = json.loads(dashboard("metrics", db=sample_store_file).stdout)["records"]
    tiles = {tile.label: tile for tile in app.metric}
    assert tiles["Requests on record"].value == f"{records['requests_on_record']:,}" == "1,500"
    assert tiles["Denied without a reason"].value == str(records["denied_without_reason"])
    assert tiles["Denied without a reason"].delta == f"of {records['denied_requests']} denied"
    assert tiles["Records held"].value == "17 months"
    assert any(warning.value.startswith("The request records go back 17 whole months, from 01 May 2023 to 31 Oct "
                                        "2024; the rules ask for 24 months.") for warning in app.warning)


def test_every_law_and_another_year(app, sample_store_file):
    ccpa_only = cli_report(sample_store_file, 2023)
    everywhere = cli_report(sample_store_file, 2023, "--scope", "all")
    open_ccpa(app)

    app.selectbox(key="scope").set_value("all").run()
    assert not app.exception
    assert page_rows(app) == without_keys(everywhere)
    received = [row["received"] for row in page_rows(app)]
    assert received != [row["received"] for row in ccpa_only]
    assert all(wide >= narrow["received"] for wide, narrow in zip(received, ccpa_only, strict=True))
    assert any(header.value == "Requests received in 2023, Every law" for header in app.subheader)
    assert "requests made under any law, wherever the person lives" in app.code[1].value

    app.selectbox(key="year").set_value("2024").run()
    assert not app.exception
    assert page_rows(app) == without_keys(cli_report(sample_store_file, 2024, "--scope", "all"))
    # The sample's data stops on 31 October 2024: the page, the caption of the published table and the link
    # say so, and keep the year and the scope.
    assert any(header.value == "Requests received in 2024 to 31 October, Every law" for header in app.subheader)
    assert any("2024 is not complete: the newest data is from 31 Oct 2024" in warning.value for warning in app.warning)
    assert ("<caption>Requests received from 1 January to 31 October 2024: requests made under any law, wherever the "
            "person lives (the newest data; the year is not complete)</caption>") in app.code[1].value


def test_a_link_opens_the_year_and_scope_it_names(app, sample_store_file):
    app.query_params["year"] = "2024"
    app.query_params["scope"] = "Every US state law"
    open_ccpa(app)
    assert app.selectbox(key="year").value == "2024"
    assert app.selectbox(key="scope").value == "us"
    assert page_rows(app) == without_keys(cli_report(sample_store_file, 2024, "--scope", "us"))


def test_a_link_made_before_the_scopes_opens_every_law(app, sample_store_file):
    app.query_params["year"] = "2023"
    app.query_params["all_jurisdictions"] = "true"
    open_ccpa(app)
    assert app.selectbox(key="scope").value == "all"
    assert page_rows(app) == without_keys(cli_report(sample_store_file, 2023, "--scope", "all"))
