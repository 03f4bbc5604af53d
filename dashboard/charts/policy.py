"""Charts of policy versions: the monthly version mix and each version's adoption by days in force."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from dashboard.charts import annotations, palette
from dashboard.formatting import COUNT_D3, DATE_D3, PERCENT_D3, percent, plural
from dashboard.small_counts import on, with_count_labels

# Reference lines on the adoption chart: the checkpoints privacy teams report adoption at.
ADOPTION_CHECKPOINTS = (30, 60, 90)
# The adoption chart's days: the first 90 read clearly, and a little after.
ADOPTION_WINDOW = 120
DATE_FORMAT = DATE_D3

FIT_WIDTH = palette.FIT_WIDTH


def version_order(versions: pd.DataFrame, *others: pd.DataFrame) -> list[str]:
    """Version keys by effective date, then key (the order of the current-version tie rule).

    `versions` is the policy_versions frame; keys found only in `others` (none, normally) follow, by name.
    """
    ordered = versions.sort_values(["effective_date", "policy_version"])["policy_version"].tolist()
    extra = sorted({key for frame in others for key in frame["policy_version"]} - set(ordered))
    return ordered + extra


def latest_version(versions: pd.DataFrame) -> str | None:
    """The version policy_versions marks as the latest in force at the end of the range."""
    latest = versions.loc[versions["is_latest"].astype(bool), "policy_version"]
    return None if latest.empty else str(latest.iloc[0])


def version_colour(order: list[str]) -> alt.Scale:
    """Each version's colour by its position in `order` (version_order of all versions: the oldest first), so
    a version keeps its colour when an upload adds a newer one; the legend follows the same order."""
    return palette.version_colour(order)


def _version_legend(latest: str | None, order: list[str]) -> alt.Legend:
    """The versions in effective-date order, under the chart, the latest named so."""
    options = {"title": "Policy version", "values": order, "orient": "bottom", "columns": 2,
               "labelLimit": palette.LABEL_LIMIT}
    if latest is None:
        return alt.Legend(**options)
    # json.dumps gives a string literal the expression language reads as written, quotes escaped.
    return alt.Legend(
        **options, labelExpr=f"datum.label === {json.dumps(latest)} ? datum.label + ' (latest)' : datum.label",
    )


def _is_latest(latest: str | None):
    return alt.datum.policy_version == (latest if latest is not None else "")


def _month_in_words(month: str) -> str:
    return pd.Timestamp(f"{str(month)[:7]}-01").strftime("%b %Y")


def version_mix_chart(mix: pd.DataFrame, versions: pd.DataFrame, *, min_cell: int = 0,
                      period: str | None = None, markers: pd.DataFrame | None = None) -> alt.LayerChart:
    """Stacked bars of policy_version_mix: each month's share of people on each version, summing to 100%, the
    month's people with a current version written above its bar.

    The latest version sits at the base of each bar; older ones stack above it. While small counts are hidden,
    a version with fewer than min_cell people in a month is not drawn (the bar stops short of 100%), and the
    subtitle says so.
    """
    order = version_order(versions, mix)
    latest = latest_version(versions)
    mix = with_count_labels(mix, ("subjects_current", "people_with_version"), min_cell)
    # A share whose count is hidden would give the count away (share × the month's people): not drawn either.
    mix["share_current"] = mix["share_current"].astype("float64").where(mix["subjects_current"].notna())
    hides = on(min_cell) and bool(mix["subjects_current"].isna().any())
    note = (f"Versions with fewer than {min_cell} people in a month are not drawn; the figure above each bar is "
            "the month's people with a current version." if hides else
            "The figure above each bar is the month's people with a current version.")
    months = sorted(mix["month"].unique())
    x = alt.X("month:O", title=None, sort=months,
              # Month above year on two lines, so a year of months fits a narrow column.
              axis=alt.Axis(labelAngle=0, labelLineHeight=13,
                            labelExpr="[utcFormat(toDate(datum.value + '-01'), '%b'), "
                                      "utcFormat(toDate(datum.value + '-01'), '%Y')]"))
    y_scale = alt.Scale(domain=[0, 1.12], nice=False)
    bars = alt.Chart().transform_calculate(
        version_position=f"indexof({json.dumps(order)}, datum.policy_version)"
    ).mark_bar().encode(
        x=x,
        y=alt.Y("share_current:Q", title="Share of people with a current version", stack="zero", scale=y_scale,
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1])),
        color=alt.Color("policy_version:N", scale=version_colour(order), legend=_version_legend(latest, order)),
        order=alt.Order("version_position:Q", sort="descending"),
        tooltip=[
            alt.Tooltip("month:O", title="Month"),
            alt.Tooltip("policy_version:N", title="Policy version"),
            alt.Tooltip("subjects_current_label:N", title="People on it"),
            alt.Tooltip("people_with_version_label:N", title="Of people with a current version"),
            alt.Tooltip("share_current:Q", title="Share", format=PERCENT_D3),
        ],
    )
    totals = alt.Chart().transform_aggregate(
        people="max(people_with_version)", groupby=["month", "people_with_version_label"]
    ).transform_calculate(at="1").mark_text(baseline="bottom", dy=-3, fontSize=10, color="black").encode(
        x=x, y=alt.Y("at:Q", scale=y_scale), text=alt.Text("people_with_version_label:N"),
        tooltip=[alt.Tooltip("month:O", title="Month"),
                 alt.Tooltip("people_with_version_label:N", title="People with a current version")],
    )
    chart = alt.layer(bars, totals, data=mix).properties(
        title=palette.title("Policy version of the people with a current version, at each month's end", period,
                            "Share of everyone whose latest consent record names a known version (the last month "
                            "at the end of the range).", note),
        height=300, autosize=FIT_WIDTH,
        description=palette.description(
            "Policy version of the people with a current version, at each month's end (stacked bar chart of "
            "shares)", period,
            _mix_headline(mix, latest)),
    )
    return annotations.add(chart, markers, annotations.MonthBands("month", tuple(months)))


def _mix_headline(mix: pd.DataFrame, latest: str | None) -> str | None:
    shown = mix.dropna(subset=["share_current"])
    if shown.empty:
        return None
    last = shown["month"].max()
    rows = shown[shown["month"] == last].sort_values("share_current", ascending=False)
    figures = [f"{row.policy_version}{' (latest)' if row.policy_version == latest else ''} "
               f"{percent(row.share_current)}" for row in rows.itertuples(index=False)]
    return f"At the end of {_month_in_words(last)}: " + ", ".join(figures)


def adoption_chart(adoption: pd.DataFrame, versions: pd.DataFrame, *, min_cell: int = 0,
                   period: str | None = None) -> alt.LayerChart:
    """Lines of policy_adoption over the first ADOPTION_WINDOW days: per version, the share of people on it or a
    later one, by days in force.

    The first version has no predecessor (everyone with a version is on it or a later one), so it has no line.
    Dashed rules mark 30, 60 and 90 days, labelled above the plot; the latest version's line is the thickest.
    A version's course after the window is the adoption_checkpoints table's.
    """
    order = version_order(versions, adoption)
    first = order[0] if order else None
    latest = latest_version(versions)
    drawn = adoption[(adoption["policy_version"] != first)
                     & (adoption["days_since_effective"] <= ADOPTION_WINDOW)].reset_index(drop=True)
    drawn = with_count_labels(drawn, ("subjects_adopted", "subjects_with_version"), min_cell)
    x_scale = alt.Scale(domain=[0, ADOPTION_WINDOW], nice=False)
    lines = (
        alt.Chart(drawn)
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=9))
        .encode(
            x=alt.X("days_since_effective:Q", title="Days since the version took effect", scale=x_scale,
                    axis=alt.Axis(values=[0, *ADOPTION_CHECKPOINTS, ADOPTION_WINDOW])),
            y=alt.Y(
                "adoption_share:Q",
                title="Share on this version or a later one",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("policy_version:N", scale=version_colour(order),
                            legend=_version_legend(latest, [key for key in order if key != first])),
            strokeWidth=alt.condition(_is_latest(latest), alt.value(3.5), alt.value(1.5)),
            tooltip=[
                alt.Tooltip("policy_version:N", title="Policy version"),
                alt.Tooltip("effective_date:T", title="Took effect", format=DATE_D3),
                alt.Tooltip("days_since_effective:Q", title="Days since", format=COUNT_D3),
                alt.Tooltip("as_of:T", title="At the end of", format=DATE_D3),
                alt.Tooltip("subjects_adopted_label:N", title="People on it or a later version"),
                alt.Tooltip("subjects_with_version_label:N", title="Of people with a current version"),
                alt.Tooltip("adoption_share:Q", title="Share adopted", format=PERCENT_D3),
            ],
        )
    )
    checkpoints = alt.Chart(pd.DataFrame({"days": ADOPTION_CHECKPOINTS})).transform_calculate(
        label="datum.days + ' days'"
    )
    rules = checkpoints.mark_rule(color=palette.GREY, strokeDash=[4, 4]).encode(x=alt.X("days:Q", scale=x_scale))
    # Level, above the plot, each centred on its rule: 30 days apart leaves room for "90 days" at any width
    # the page gives the chart.
    labels = checkpoints.mark_text(align="center", baseline="bottom", dy=-4, fontSize=11,
                                   color=palette.GREY).encode(
        x=alt.X("days:Q", scale=x_scale), y=alt.value(0), text=alt.Text("label:N")
    )
    notes = [(f"Share of the people with a version that day who are on this version or a later one, over the first "
              f"{ADOPTION_WINDOW} days; the table gives each version's share now.")]
    if first is not None:
        notes.append(f"No line for {first}, the first version: with none before it, it is always 100%.")
    heading = palette.title("Adoption of each policy version, by days since it took effect", period, *notes)
    heading.offset = 16  # room for the checkpoints' labels above the plot
    return alt.layer(rules, labels, lines).properties(
        title=heading,
        height=300, autosize=FIT_WIDTH,
        description=palette.description(
            f"Adoption of each policy version over the first {ADOPTION_WINDOW} days after it took effect: the share "
            "of people with a current version on it or a later one (line chart)", period,
            _adoption_headline(drawn, latest)),
    )


def _adoption_headline(drawn: pd.DataFrame, latest: str | None) -> str | None:
    """The latest version's share at its last day drawn (else the newest version drawn)."""
    shown = drawn.dropna(subset=["adoption_share"])
    if shown.empty:
        return None
    version = latest if latest in set(shown["policy_version"]) else shown.sort_values("effective_date")[
        "policy_version"].iloc[-1]
    rows = shown[shown["policy_version"] == version]
    last = rows.loc[rows["days_since_effective"].idxmax()]
    return (f"{version}{' (latest)' if version == latest else ''}: {percent(last['adoption_share'])} on it or a "
            f"later version {plural(int(last['days_since_effective']), 'day')} after it took effect")


def adoption_checkpoints(adoption: pd.DataFrame, days=(30, 60)) -> pd.DataFrame:
    """The adoption rows at the given days since effect, one row per version and a share column per day.

    Only days the query gives a row for are filled (never interpolated): a version in force for fewer
    days, or a day between spaced points, stays empty. `now` is the row at the end of the range.
    """
    rows = []
    for version, points in adoption.groupby("policy_version", sort=False):
        by_day = points.set_index("days_since_effective")
        last = by_day.index.max()
        row = {"policy_version": version, "effective_date": points["effective_date"].iloc[0]}
        for day in days:
            row[f"after_{day}_days"] = by_day["adoption_share"].get(day)
        row["days_in_force"] = last
        row["now"] = by_day.at[last, "adoption_share"]
        rows.append(row)
    columns = ["policy_version", "effective_date", *(f"after_{day}_days" for day in days), "days_in_force", "now"]
    return pd.DataFrame(rows, columns=columns).sort_values(["effective_date", "policy_version"], ignore_index=True)
