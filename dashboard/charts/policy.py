"""Charts of policy versions: the monthly version mix and each version's adoption by days in force."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from dashboard.charts.palette import GREY, series_colour
from dashboard.small_counts import with_count_labels, with_totals

# Reference lines on the adoption chart: the checkpoints privacy teams report adoption at.
ADOPTION_CHECKPOINTS = (30, 60, 90)
DATE_FORMAT = "%d %b %Y"


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
    """The palette's colour of each version, with the legend in effective-date order."""
    palette = series_colour(order)
    colours = dict(zip(palette.domain, palette.range, strict=True))
    return alt.Scale(domain=order, range=[colours[key] for key in order])


def _version_legend(latest: str | None) -> alt.Legend:
    if latest is None:
        return alt.Legend(title="Policy version")
    # json.dumps gives a string literal the expression language reads as written, quotes escaped.
    return alt.Legend(
        title="Policy version",
        labelExpr=f"datum.label === {json.dumps(latest)} ? datum.label + ' (latest)' : datum.label",
    )


def _is_latest(latest: str | None):
    return alt.datum.policy_version == (latest if latest is not None else "")


def version_mix_chart(mix: pd.DataFrame, versions: pd.DataFrame, *, min_cell: int = 0) -> alt.Chart:
    """Stacked bars of policy_version_mix: each month's share of people on each version, summing to 100%.

    The latest version sits at the base of each bar, drawn at full strength; older ones stack above it.
    """
    order = version_order(versions, mix)
    latest = latest_version(versions)
    mix = with_count_labels(with_totals("policy_version_mix", mix), ("subjects_current", "people_with_version"),
                            min_cell)
    return (
        alt.Chart(
            mix,
            title=alt.Title(
                "Policy version of the people with a current version, at each month's end",
                subtitle="Share of everyone whose latest consent record names a known version "
                "(the last month at the end of the range).",
            ),
        )
        .transform_calculate(version_position=f"indexof({json.dumps(order)}, datum.policy_version)")
        .mark_bar()
        .encode(
            x=alt.X(
                "month:O",
                title="Month",
                sort="ascending",
                axis=alt.Axis(labelAngle=0, labelExpr="utcFormat(toDate(datum.value + '-01'), '%b %Y')"),
            ),
            y=alt.Y(
                "share_current:Q",
                title="Share of people with a current version",
                stack="zero",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("policy_version:N", scale=version_colour(order), legend=_version_legend(latest)),
            order=alt.Order("version_position:Q", sort="descending"),
            opacity=alt.condition(_is_latest(latest), alt.value(1.0), alt.value(0.6)),
            tooltip=[
                alt.Tooltip("month:O", title="Month"),
                alt.Tooltip("policy_version:N", title="Policy version"),
                alt.Tooltip("subjects_current_label:N", title="People on it"),
                alt.Tooltip("people_with_version_label:N", title="Of people with a current version"),
                alt.Tooltip("share_current:Q", title="Share", format=".1%"),
            ],
        )
    )


def adoption_chart(adoption: pd.DataFrame, versions: pd.DataFrame, *, min_cell: int = 0) -> alt.LayerChart:
    """Lines of policy_adoption: per version, the share of people on it or a later one, by days in force.

    Dashed rules mark 30, 60 and 90 days; the latest version's line is the thickest.
    """
    order = version_order(versions, adoption)
    latest = latest_version(versions)
    adoption = with_count_labels(adoption, ("subjects_adopted", "subjects_with_version"), min_cell)
    lines = (
        alt.Chart(adoption)
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=9))
        .encode(
            x=alt.X("days_since_effective:Q", title="Days since the version took effect"),
            y=alt.Y(
                "adoption_share:Q",
                title="Share on this version or a later one",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("policy_version:N", scale=version_colour(order), legend=_version_legend(latest)),
            strokeWidth=alt.condition(_is_latest(latest), alt.value(3.5), alt.value(1.5)),
            tooltip=[
                alt.Tooltip("policy_version:N", title="Policy version"),
                alt.Tooltip("effective_date:T", title="Took effect", format=DATE_FORMAT),
                alt.Tooltip("days_since_effective:Q", title="Days since", format=","),
                alt.Tooltip("as_of:T", title="At the end of", format=DATE_FORMAT),
                alt.Tooltip("subjects_adopted_label:N", title="People on it or a later version"),
                alt.Tooltip("subjects_with_version_label:N", title="Of people with a current version"),
                alt.Tooltip("adoption_share:Q", title="Share adopted", format=".1%"),
            ],
        )
    )
    checkpoints = alt.Chart(pd.DataFrame({"days": ADOPTION_CHECKPOINTS})).transform_calculate(
        label="datum.days + ' days'"
    )
    rules = checkpoints.mark_rule(color=GREY, strokeDash=[4, 4]).encode(x=alt.X("days:Q"))
    labels = checkpoints.mark_text(angle=270, align="right", baseline="bottom", dx=-4, dy=-3, color=GREY).encode(
        x=alt.X("days:Q"), y=alt.value(0), text=alt.Text("label:N")
    )
    return alt.layer(
        rules,
        labels,
        lines,
        title=alt.Title(
            "Adoption of each policy version, by days since it took effect",
            subtitle="Share of the people with a current version that day who are on this version or a later one.",
        ),
    )


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
