"""The words exports use for decisions, request types, statuses, jurisdictions, booleans and the methods of a choice;
the categories of a denial."""

from __future__ import annotations

# Each canonical value with the words that mean it. Words are compared after folding
# (lower case, trimmed, runs of spaces, dashes and dots made '_'), so `Opt-In` finds `opt_in`.
DECISIONS = {
    "opt_in": "opt_in opt-in optin granted grant accepted accept allow allowed yes y true 1 "
    "consent_given given",
    "opt_out": "opt_out opt-out optout denied deny rejected reject withdrawn withdraw revoked no n "
    "false 0 refused",
    "acknowledge": "acknowledge acknowledged ack notice_only seen",
    # A notice displayed or a default applied, without a choice (data.md): never counted as a choice.
    "shown": "shown displayed viewed banner_view impression no_choice",
}

REQUEST_TYPES = {
    "access": "access know sar dsar right_to_know request_to_know",
    "deletion": "deletion delete erasure erase right_to_be_forgotten",
    "correction": "correction correct rectification rectify update",
    "opt_out": "opt_out do_not_sell do_not_share sale_opt_out consent_opt_out consent",
    "limit": "limit limit_use limit_sensitive",
    "portability": "portability",
    "objection": "objection object",
    "restriction": "restriction restrict",
}

# Statuses also match by prefix (awaiting_*, pending_*, requires_*): see ingest_requests.sql.
STATUSES = {
    "open": "open new pending received in_progress in_processing approved paused requires_input "
    "identity_unverified pre_approval_not_eligible error",
    "completed": "completed complete closed fulfilled done",
    "denied": "denied rejected refused",
    "withdrawn": "withdrawn canceled cancelled duplicate",
}

EU_EEA_COUNTRIES = (
    "at be bg hr cy cz dk ee fi fr de gr el hu ie it lv lt lu mt nl pl pt ro sk si es se is li no"
)

# Tools often write the country's name rather than its code.
EU_EEA_COUNTRY_NAMES = (
    "austria belgium bulgaria croatia cyprus czechia czech_republic denmark estonia finland france germany "
    "greece hungary ireland italy latvia lithuania luxembourg malta netherlands the_netherlands poland portugal "
    "romania slovakia slovenia spain sweden iceland liechtenstein norway european_union"
)

JURISDICTIONS = {
    "CCPA": "ccpa cpra california us-ca us_ca",
    "GDPR": "gdpr eu eea " + EU_EEA_COUNTRIES + " " + EU_EEA_COUNTRY_NAMES,
    "UK_GDPR": "uk_gdpr uk gb united_kingdom great_britain england scotland wales northern_ireland",
    "VCDPA": "vcdpa virginia us-va",
    "CPA": "cpa colorado us-co",
    "CTDPA": "ctdpa connecticut us-ct",
    "UCPA": "ucpa utah us-ut",
    # The state laws in force since 2024 (data/deadlines.csv cites each). Two-letter postal codes alone are not
    # words here (`in`, `or`, `de` are words, or other countries' codes), nor names two laws share: `mcdpa`
    # (Montana and Minnesota), `dpdpa` (Delaware and India), `ndpa` (Nebraska and Nigeria).
    "TDPSA": "tdpsa txdpsa texas us-tx",
    "OCPA": "ocpa oregon us-or",
    "MCDPA_MT": "mcdpa_mt mtcdpa montana us-mt",
    "ICDPA": "icdpa iacdpa iowa us-ia",
    "DPDPA_DE": "dpdpa_de delaware us-de",
    "NJDPA": "njdpa new_jersey us-nj",
    "TIPA": "tipa tennessee us-tn",
    "MCDPA_MN": "mcdpa_mn mncdpa minnesota us-mn",
    "MODPA": "modpa maryland us-md",
    "NDPA_NE": "ndpa_ne nebraska us-ne",
    "INCDPA": "incdpa indiana us-in",
    "RIDTPPA": "ridtppa rhode_island us-ri",
    "NHPA": "nhpa nhdpa new_hampshire us-nh",
    "KCDPA": "kcdpa kentucky us-ky",
    "PIPL": "pipl cn china",
    # Exports that write out "no law applies" should not be warned about as unrecognised.
    "unspecified": "unspecified unknown none",
}

BOOLEANS = {
    "true": "true t yes y 1",
    "false": "false f no n 0",
}

# The US laws among them: the CCPA report's "every US law" scope (metrics.CCPA_SCOPES). A law added to
# JURISDICTIONS is in no scope but "every law" until it is listed here or outside it (tests/test_deadlines.py).
US_LAWS = ("CCPA", "VCDPA", "CPA", "CTDPA", "UCPA", "TDPSA", "OCPA", "MCDPA_MT", "ICDPA", "DPDPA_DE", "NJDPA", "TIPA",
           "MCDPA_MN", "MODPA", "NDPA_NE", "INCDPA", "RIDTPPA", "NHPA", "KCDPA")
OUTSIDE_THE_US = ("GDPR", "UK_GDPR", "PIPL", "unspecified")

# Why a request was denied, in the categories a business may give in its CCPA metrics (11 CCR § 7102(a)(2): the
# request "was not verifiable, was not made by a consumer, called for information exempt from disclosure, or was
# denied on other grounds"). A denial reason is kept as the export wrote it; its category comes from the phrases
# of data/words.toml's [denial_reason] table (profiles.denial_reason_words), in this order.
DENIAL_CATEGORIES = ("identity_not_verified", "not_a_consumer", "exempt", "other")

# How a consent choice was made (the optional `method` column). The keys are open, like channels: a value none of
# these words names is kept as its folded self (`Chat bot` is `chat_bot`), so a tool's own method still counts. These
# fold the common spellings of the methods the Consent page tells apart; gpc above all, the Global Privacy Control
# signal a browser sends as the Sec-GPC header (https://privacycg.github.io/gpc-spec/) and that a business must honour
# as an opt-out of sale and sharing in California (11 CCR § 7025).
METHODS = {
    "gpc": "gpc global_privacy_control global_privacy_control_signal gpc_signal sec_gpc sec_gpc_header "
    "navigator_globalprivacycontrol opt_out_preference_signal",
    "banner": "banner cookie_banner consent_banner first_layer",
    "preference_centre": "preference_centre preference_center preferences_centre preferences_center privacy_centre "
    "privacy_center preference_page preferences_page preference_portal",
    "email_link": "email_link e_mail_link unsubscribe unsubscribe_link email_unsubscribe list_unsubscribe",
    "api": "api server_side",
}

FIELDS = {
    "decision": DECISIONS,
    "request_type": REQUEST_TYPES,
    "status": STATUSES,
    "jurisdiction": JURISDICTIONS,
    "boolean": BOOLEANS,
    "method": METHODS,
}


def fold(word: str) -> str:
    """The same folding as the SQL macro fold_key: lower case, spaces, dashes and dots made '_'."""
    folded = "".join("_" if ch in " -." or ch.isspace() else ch for ch in word.strip().lower())
    while "__" in folded:
        folded = folded.replace("__", "_")
    return folded.strip("_")


def vocabulary_rows(extra: dict[str, dict[str, str]] | None = None) -> list[tuple[str, str, str]]:
    """(field, folded word, canonical value) for every synonym, to join against in SQL.

    `extra` holds a profile's own words and those of the words file (field -> {folded word: canonical});
    they win over the built-in ones. Purposes are not here: they have a table of their own.
    """
    rows = {}
    for field, values in FIELDS.items():
        for canonical, words in values.items():
            for word in words.split():
                rows[(field, fold(word))] = canonical
    for field, words in (extra or {}).items():
        if field in FIELDS:
            for word, canonical in words.items():
                rows[(field, fold(word))] = canonical
    return [(field, word, canonical) for (field, word), canonical in sorted(rows.items())]
