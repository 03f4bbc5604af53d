"""Colours that mean the same thing on every page: one per purpose, one per request type.

The Okabe-Ito palette, distinguishable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import altair as alt

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
GREY = "#999999"

# The policy's six purposes, in the policy's order.
PURPOSES = ["transaction_processing", "customer_service", "quality_control", "communications", "marketing",
            "research_development"]
REQUEST_TYPES = ["access", "deletion", "correction", "opt_out", "limit", "portability", "objection",
                 "restriction", "other"]
STATUSES = ["completed", "denied", "withdrawn", "open"]


def _colours(known: list[str], present) -> tuple[list[str], list[str]]:
    """Known keys keep their fixed colour; other keys present take the remaining ones in name order."""
    extra = sorted(set(present) - set(known))
    domain = known + extra
    colours = (OKABE_ITO * ((len(domain) // len(OKABE_ITO)) + 1))[: len(domain)]
    return domain, colours


def purpose_colour(present=()) -> alt.Scale:
    """The colour scale of purposes; pass the purposes a chart shows so new ones get a colour too."""
    domain, colours = _colours(PURPOSES, present)
    return alt.Scale(domain=domain, range=colours)


def request_type_colour(present=()) -> alt.Scale:
    domain, colours = _colours(REQUEST_TYPES, present)
    return alt.Scale(domain=domain, range=colours)


def status_colour() -> alt.Scale:
    return alt.Scale(domain=STATUSES, range=["#009E73", "#D55E00", GREY, "#E69F00"])


def series_colour(keys) -> alt.Scale:
    """For anything else with a few series (policy versions, channels): ordered, fixed per chart."""
    domain = sorted(set(keys))
    colours = (OKABE_ITO * ((len(domain) // len(OKABE_ITO)) + 1))[: len(domain)]
    return alt.Scale(domain=domain, range=colours)
