"""Direct identifiers in text: recognising e-mail addresses and phone numbers, and masking them where text is shown."""

from __future__ import annotations

import re

# The same patterns, character for character, are the macros of queries/macros.sql (email_pattern,
# phone_pattern, not_phone_pattern); tests/test_identities.py checks that both mask alike. They are
# written for both regular-expression engines (Python's and DuckDB's RE2): explicit character
# classes only, because `\s`, `\d` and `\w` mean more characters in Python than in RE2.
#
# An e-mail address is text@text.text without spaces or the punctuation that surrounds addresses in
# prose and headers; a `Name <address>` form is masked whole, name included (up to four words, or a
# quoted name), since the name identifies the person as well as the address does.
ADDRESS = r'[^ \t\r\n<>@,;:"()\[\]`]+@[^ \t\r\n<>@,;:"()\[\]`]+\.[^ \t\r\n<>@,;:"()\[\]`]+'
EMAIL_PATTERN = (
    r'(?:"[^"<>@\r\n]*" ?|(?:[^ \t\r\n<>@,;:"()\[\]`]+ ){0,4})<' + ADDRESS + ">|" + ADDRESS
)
# A phone number: an optional +country code, an optional (area code), then digit groups separated by
# spaces, dots or dashes...
PHONE_PATTERN = r"(?:\+[0-9]{1,3}[ .\-]?)?(?:\([0-9]{1,5}\)[ .\-]?)?[0-9][0-9 .\-]{4,20}[0-9]"
# ...holding 7 to 15 digits (E.164 allows 15) and written with a +, a parenthesis or a separator: a
# plain run of digits is a customer or ticket number, not a phone. Dates (2024-06-01, 01.06.2024, with
# an hour) and decimal numbers have separators too, and are never phone numbers.
NOT_PHONE_PATTERN = (
    r"[0-9]{4}[.\-][0-9]{1,2}[.\-][0-9]{1,2}(?: [0-9]{1,2}(?:[.\-][0-9]{2}){0,2})?"
    r"|[0-9]{1,2}[.\-][0-9]{1,2}[.\-][0-9]{4}(?: [0-9]{1,2}(?:[.\-][0-9]{2}){0,2})?"
    r"|[0-9]+\.[0-9]+"
)

# What a masked identifier reads as, in every message, warning, rejected value and file name.
EMAIL_PLACEHOLDER = "[e-mail address]"
PHONE_PLACEHOLDER = "[phone number]"

_EMAIL = re.compile(EMAIL_PATTERN)
_PHONE = re.compile(PHONE_PATTERN)
_NOT_PHONE = re.compile(NOT_PHONE_PATTERN)
_DIGIT = re.compile("[0-9]")

# Suffixes kept as written when a file name is masked, so the user still sees what kind of file it was.
FILE_SUFFIXES = (".csv", ".gz", ".txt", ".tsv", ".json", ".jsonl", ".ndjson", ".parquet")


def is_phone_number(candidate: str) -> bool:
    """True for text matched by PHONE_PATTERN that is a phone number (the macro is_phone_number)."""
    digits = len(_DIGIT.findall(candidate))
    return 7 <= digits <= 15 and digits < len(candidate) and _NOT_PHONE.fullmatch(candidate) is None


def mask(text: str) -> str:
    """The text with every e-mail address (or `Name <address>`) and phone number in it replaced by a placeholder.

    The same steps as the SQL macro masked(): addresses first, then each phone-like run found in what is
    left, every occurrence of it replaced in turn.
    """
    masked = _EMAIL.sub(EMAIL_PLACEHOLDER, text)
    for candidate in _PHONE.findall(masked):
        if is_phone_number(candidate):
            masked = masked.replace(candidate, PHONE_PLACEHOLDER)
    return masked


def mask_file_name(name: str) -> str:
    """A file's name as it is shown and kept: its stem masked, its known suffixes (`.csv`, `.csv.gz`) as written."""
    stem, suffixes = name, ""
    for _ in range(2):
        suffix = next((suffix for suffix in FILE_SUFFIXES
                       if stem.lower().endswith(suffix) and len(stem) > len(suffix)), None)
        if suffix is None:
            break
        stem, suffixes = stem[: -len(suffix)], stem[-len(suffix):] + suffixes
    return mask(stem) + suffixes
