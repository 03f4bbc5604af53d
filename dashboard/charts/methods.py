"""How people opted out: per purpose, the opt-outs made in the range by method, the GPC signal's share among them."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard import labels
from dashboard.charts.palette import FIT_WIDTH, description, names_axis, rank, room_for_figures, stacked_by, title
from dashboard.formatting import percent, plural
from dashboard.small_counts import on, with_count_labels

GPC = "gpc"
NOT_RECORDED = "not_recorded"


def method_order(methods) -> list[str]:
    """The methods present in the catalogue's order (GPC first), `not_recorded` always last."""
    ordered = labels.in_order("method", methods)
    return [key for key in ordered if key != NOT_RECORDED] + ([NOT_RECORDED] if NOT_RECORDED in ordered else [])


def with_labels(methods: pd.DataFrame) -> pd.DataFrame:
    """consent_by_method (or consent_by_method_region) with the purpose's and the method's names beside their keys;
    purposes in the catalogue's order, methods in method_order within each."""
    labelled = methods.copy()
    labelled.insert(1, "purpose_label", [labels.name("purpose", key) for key in labelled["purpose"]])
    labelled.insert(labelled.columns.get_loc("method") + 1, "method_label",
                    [labels.name("method", key) for key in labelled["method"]])
    order = {key: position for position, key in enumerate(method_order(labelled["method"]))}
    by = ["_purpose", "region", "_method"] if "region" in labelled.columns else ["_purpose", "_method"]
    return labelled.assign(
        _purpose=labelled["purpose"].map(labels.positions("purpose", labelled["purpose"], every=True)),
        _method=labelled["method"].map(order),
    ).sort_values(by, kind="stable").drop(columns=["_purpose", "_method"]).reset_index(drop=True)


def gpc_shares(methods: pd.DataFrame) -> pd.DataFrame:
    """One row per purpose of with_labels' frame (per purpose and region for consent_by_method_region): its opt-outs,
    those by GPC signal and their share, as the query gives them on each of the purpose's rows."""
    keys = ["purpose", "region"] if "region" in methods.columns else ["purpose"]
    columns = [*keys, "purpose_label", "all_opt_outs", "gpc_opt_outs", "gpc_share"]
    return methods.drop_duplicates(keys)[columns].reset_index(drop=True)


def opt_outs_by_method_chart(methods: pd.DataFrame, period: str | None = None, *,
                             min_cell: int = 0) -> alt.LayerChart:
    """Per purpose, a bar of the opt-outs made in the range split by method (with_labels' frame), GPC signals in
    their own colour first, the purpose's opt-outs and GPC share written beside it. While small counts are hidden,
    a method under min_cell is not drawn; the figures beside the bar still count it."""
    opt_outs = methods[methods["all_opt_outs"].isna() | (methods["all_opt_outs"] > 0)]
    names = list(dict.fromkeys(opt_outs["purpose_label"]))
    # The methods drawn: those with an opt-out (a hidden count is at least one).
    order = method_order(opt_outs.loc[opt_outs["opt_outs"].isna() | (opt_outs["opt_outs"] > 0), "method"])
    opt_outs = with_count_labels(opt_outs, ("opt_outs", "all_opt_outs", "gpc_opt_outs"), min_cell).assign(
        gpc_share_label=lambda frame: [percent(share) for share in frame["gpc_share"]],
    )
    opt_outs = opt_outs.assign(beside=[f"{total} · GPC {share}" for total, share
                                       in zip(opt_outs["all_opt_outs_label"], opt_outs["gpc_share_label"], strict=True)])
    note = (f"Methods with fewer than {min_cell} opt-outs of a purpose are not drawn; the figures beside each bar are "
            "all the purpose's opt-outs." if on(min_cell) and bool(opt_outs["opt_outs"].isna().any()) else None)
    y = names_axis("purpose_label", names)
    x_scale = room_for_figures(pd.to_numeric(opt_outs["all_opt_outs"], errors="coerce").max(), 1.3)
    bars = alt.Chart(opt_outs).transform_filter("datum.opt_outs > 0").transform_calculate(
        method_rank=rank("method", order)
    ).mark_bar().encode(
        y=y,
        **stacked_by("method", order, count="opt_outs", axis_title="Opt-outs", legend_title="How", x_scale=x_scale),
        tooltip=[alt.Tooltip("purpose_label:N", title="Purpose"),
                 alt.Tooltip("method_label:N", title="How"),
                 alt.Tooltip("opt_outs_label:N", title="Opt-outs"),
                 alt.Tooltip("all_opt_outs_label:N", title="Opt-outs of the purpose"),
                 alt.Tooltip("gpc_share_label:N", title="Share by GPC signal")],
    )
    # One figure per purpose, beside its bar: all its opt-outs and the share of them by GPC signal.
    per_purpose = opt_outs.drop_duplicates("purpose").assign(
        total_at=lambda frame: pd.to_numeric(frame["all_opt_outs"], errors="coerce").fillna(0))
    totals = alt.Chart(per_purpose[["purpose_label", "total_at", "beside"]]).mark_text(
        align="left", baseline="middle", dx=4, fontSize=11, color="black"
    ).encode(y=y, x=alt.X("total_at:Q", scale=x_scale), text=alt.Text("beside:N"))
    return alt.layer(bars, totals).properties(
        title=title("Opt-outs by how they were made, by purpose", period, note), height=alt.Step(32),
        autosize=FIT_WIDTH,
        description=description("Opt-outs by method, GPC signals first, by purpose (stacked bar chart)", period,
                                _headline(per_purpose)),
    )


def _headline(first: pd.DataFrame) -> str | None:
    if first.empty or first["all_opt_outs"].isna().any() or first["gpc_opt_outs"].isna().any():
        return None
    return (f"{plural(int(first['gpc_opt_outs'].sum()), 'opt-out')} by GPC signal of "
            f"{int(first['all_opt_outs'].sum()):,}")
