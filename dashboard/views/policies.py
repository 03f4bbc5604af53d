"""Policy versions: which version people are on, month by month, how fast each version was adopted, the catalogue."""

import streamlit as st

from dashboard import shell, small_counts
from dashboard.charts import policy
from dashboard.formatting import day, percent
from dashboard.views import chart_markers

filters = shell.current_filters()
end = day(filters.end)
period = shell.period_text(filters)

st.title("Policy versions")
st.caption(
    "Which privacy policy version people last agreed to or saw, how fast each new version was taken up, and when "
    "each took effect. A person's current version is the one on their latest consent record; figures are taken at "
    f"the end of {end} (UTC)."
)
if filters.purposes or filters.channels or filters.regions:
    st.caption("Only the consent records of the purposes, channels and regions chosen in the sidebar count.")

versions = shell.figure("policy_versions", filters)
if versions.empty:
    shell.no_data(
        "No policy version is in force by the end of this range. Load a policy catalogue or consent exports "
        "on the **Data** page, or move the end of the range later."
    )
    st.stop()


# A count of people, not a rate: everyone with a current version is on exactly one version.
people_with_version = shell.count_text(versions["people_with_version"].iloc[0])
latest = versions[versions["is_latest"]]
tiles = shell.tile_row()
if latest.empty:
    tiles.metric("Latest policy version", "–", border=True, width=shell.TILE_WIDTH)
    tiles.metric("On the latest version", "–", border=True, width=shell.TILE_WIDTH)
else:
    newest = latest.iloc[0]
    title = newest["title"] if isinstance(newest["title"], str) else "Untitled"
    tiles.metric(
        "Latest policy version",
        newest["policy_version"],
        help=f"{title}: in force since {day(newest['effective_date'])}, the newest version in force at {end}.",
        border=True,
        width=shell.TILE_WIDTH,
    )
    tiles.metric(
        "On the latest version",
        percent(newest["share_current"]),
        help=f"{shell.count_text(newest['subjects_current'])} of the {shell.people(versions['people_with_version'].iloc[0])} "
        f"with a current version at the end of {end}.",
        border=True,
        width=shell.TILE_WIDTH,
    )
tiles.metric(
    "People with a current version",
    people_with_version,
    help="People whose consent records up to the end of the range name a known policy version.",
    border=True,
    width=shell.TILE_WIDTH,
)

st.subheader("Version mix by month")
mix = shell.figure("policy_version_mix", filters)
if mix.empty or not small_counts.any_counted(mix["subjects_current"]):
    shell.no_data()
else:
    shell.show_chart((policy.version_mix_chart, mix, versions, {"period": period, "min_cell": shell.min_cell(),
                      "markers": chart_markers.for_chart(area="policy")}), mix,
                     "Policy version mix by month", about="policy", key="policy-version-mix")

st.subheader("Adoption of each version")
adoption = shell.figure("policy_adoption", filters)
if adoption.empty or adoption["adoption_share"].isna().all():
    hidden = not adoption.empty and adoption["subjects_with_version"].isna().any()
    shell.no_data(f"Every share here is taken over fewer than {shell.min_cell()} people, so none is shown (small "
                  "counts are hidden)." if hidden else None)
else:
    shell.show_chart((policy.adoption_chart, adoption, versions, {"period": period, "min_cell": shell.min_cell()}), adoption,
                     "Policy version adoption", about="policy", key="policy-adoption")
    checkpoints = policy.adoption_checkpoints(adoption, days=(30, 60))
    st.markdown("**Share adopted after 30 and 60 days**")
    # Shares as the rest of the dashboard writes them, "–" where a version has no share on that day.
    for column in ("after_30_days", "after_60_days", "now"):
        checkpoints[column] = [percent(share) for share in checkpoints[column]]
    st.dataframe(
        checkpoints,
        hide_index=True,
        width="stretch",
        column_config={
            "policy_version": st.column_config.TextColumn("Version"),
            "effective_date": st.column_config.DateColumn("Took effect", format="D MMM YYYY"),
            "after_30_days": st.column_config.TextColumn("After 30 days", alignment="right"),
            "after_60_days": st.column_config.TextColumn("After 60 days", alignment="right"),
            "days_in_force": st.column_config.NumberColumn("Days in force", format="localized"),
            "now": st.column_config.TextColumn(f"At {end}", alignment="right"),
        },
    )
    st.caption(
        "Each share is of the people with a current version on that day who are on the version or a later one. "
        "Empty where the version was in force for fewer days or nobody had a version yet"
        + (f", or where fewer than {shell.min_cell()} people had one (small counts are hidden)"
           if small_counts.on(shell.min_cell()) else "")
        + ". Hover the chart for the counts."
    )

st.subheader("Catalogue")
links = shell.query("policy_links")
catalogue = versions.merge(links, on="policy_version", how="left").sort_values(
    ["effective_date", "policy_version"], ascending=False
)
catalogue["share_current"] = catalogue["share_current"] * 100
st.dataframe(
    shell.table(catalogue),
    hide_index=True,
    width="stretch",
    column_order=["policy_version", "effective_date", "title", "subjects_current", "share_current", "is_latest",
                  "url"],
    column_config={
        "policy_version": st.column_config.TextColumn("Version"),
        "effective_date": st.column_config.DateColumn(
            "Effective date", format="D MMM YYYY",
            help="From the uploaded catalogue; a version missing from it takes the date of its first consent record.",
        ),
        "title": st.column_config.TextColumn("Title"),
        "subjects_current": shell.count_column(
            "People on it now", help=f"Whose current version it is at {end}."
        ),
        "share_current": st.column_config.NumberColumn(
            f"Share of the {people_with_version} with a version", format="%.1f%%"
        ),
        "is_latest": st.column_config.CheckboxColumn("Latest"),
        "url": st.column_config.LinkColumn("Published text", display_text="Open"),
    },
)
