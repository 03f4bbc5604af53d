"""Why requests were denied: per request type, the denials by ground of CCPA section 7102(a)(2)."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from dashboard import labels
from dashboard.charts.palette import FIT_WIDTH, description, names_axis, rank, room_for_figures, stacked_by, title
from dashboard.formatting import plural
from dashboard.small_counts import on, with_count_labels


def with_labels(denials: pd.DataFrame) -> pd.DataFrame:
    """requests_denials with the type's and the ground's names beside their keys; types in the catalogue's order,
    grounds in theirs within each."""
    labelled = denials.copy()
    labelled.insert(1, "request_type_label", [labels.name("request_type", key) for key in labelled["request_type"]])
    labelled.insert(3, "denial_category_label", [labels.name("denial_category", key)
                                                 for key in labelled["denial_category"]])
    return labelled.assign(
        _type=labelled["request_type"].map(labels.positions("request_type", labelled["request_type"])),
        _ground=labelled["denial_category"].map(labels.positions("denial_category", labelled["denial_category"])),
    ).sort_values(
        ["_type", "_ground"], kind="stable").drop(columns=["_type", "_ground"]).reset_index(drop=True)


def denials_chart(denials: pd.DataFrame, period: str | None = None, *, min_cell: int = 0) -> alt.LayerChart:
    """Per request type, a bar of its denied requests split by ground (with_labels' frame), the type's denials
    written beside it. While small counts are hidden, a ground under min_cell is not drawn; the figure beside the
    bar still counts it."""
    names = list(dict.fromkeys(denials["request_type_label"]))
    grounds = labels.in_order("denial_category", denials["denial_category"])
    denials = with_count_labels(denials, ("requests", "type_denied"), min_cell)
    note = (f"Grounds with fewer than {min_cell} denials of a type are not drawn; the figure beside each bar is all "
            "the type's denials." if on(min_cell) and bool(denials["requests"].isna().any()) else None)
    y = names_axis("request_type_label", names)
    x_scale = room_for_figures(pd.to_numeric(denials["type_denied"], errors="coerce").max(), 1.15)
    bars = alt.Chart().transform_calculate(denial_category_rank=rank("denial_category", grounds)).mark_bar().encode(
        y=y,
        **stacked_by("denial_category", grounds, count="requests", axis_title="Denied requests", legend_title="Ground",
                     x_scale=x_scale),
        tooltip=[alt.Tooltip("request_type_label:N", title="Request type"),
                 alt.Tooltip("denial_category_label:N", title="Ground"),
                 alt.Tooltip("requests_label:N", title="Denied"),
                 alt.Tooltip("type_denied_label:N", title="Denied of the type")],
    )
    totals = alt.Chart().transform_filter(
        f"datum.denial_category === {json.dumps(grounds[0])}" if grounds else "true"
    ).transform_calculate(total_at="isValid(datum.type_denied) ? datum.type_denied : 0").mark_text(
        align="left", baseline="middle", dx=4, fontSize=11, color="black"
    ).encode(y=y, x=alt.X("total_at:Q", scale=x_scale), text=alt.Text("type_denied_label:N"))
    return alt.layer(bars, totals, data=denials).properties(
        title=title("Denied requests by ground, by request type", period, note), height=alt.Step(32),
        autosize=FIT_WIDTH,
        description=description("Denied requests by ground of CCPA section 7102(a)(2), by request type (stacked "
                                "bar chart)", period, _headline(denials)),
    )


def _headline(denials: pd.DataFrame) -> str | None:
    totals = denials.drop_duplicates("request_type")["type_denied"]
    if totals.empty or totals.isna().any():
        return None
    return f"{plural(int(totals.sum()), 'denied request')}"
