"""Export profiles: how each tool's export layout becomes canonical columns, read from TOML files.

A profile (data/profiles/<name>.toml, format in the README) is data: it says which header it recognises
and builds each canonical column from a fixed set of operations — take a column, the first non-empty of
several, a constant, a key inside a JSON or Python-dict cell, one row per item of a wide layout, a JSON
cell or a list cell, the vendor's words for canonical values, and rows set aside with a reason. This
module reads the files and compiles a profile, for one file's header, into SQL in which every column is
a generated name (c0, c1, ...) and every value from a profile is a variable set with a bound parameter
(getvariable): nothing from a profile or a file becomes SQL text.
"""

from __future__ import annotations

import ast
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from dashboard.vocabulary import DENIAL_CATEGORIES, FIELDS, fold

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PROFILES_DIR = DATA_DIR / "profiles"
# Profiles an analyst saves from the Data page or the command line (not shipped, not in git).
SAVED_PROFILES_ENV = "PRIVACY_DASHBOARD_PROFILES"
WORDS_FILE = DATA_DIR / "words.toml"
WORDS_ENV = "PRIVACY_DASHBOARD_WORDS"

KINDS = ("consent", "requests", "policies")
# (column, required) in the order of the data contract.
CANONICAL_COLUMNS = {
    "consent": (
        ("event_id", False), ("subject_id", True), ("occurred_at", True), ("purpose", True),
        ("decision", True), ("policy_version", False), ("channel", False), ("region", False),
        ("method", False),
    ),
    "requests": (
        ("request_id", True), ("request_type", True), ("received_at", True), ("status", True),
        ("closed_at", False), ("subject_id", False), ("jurisdiction", False), ("extended", False),
        ("channel", False), ("denial_reason", False),
    ),
    "policies": (("policy_version", True), ("effective_date", True), ("title", False), ("url", False)),
}
# The canonical values a profile's words may name, per field (purposes and methods are open: any key).
WORD_FIELDS = ("decision", "purpose", "request_type", "status", "jurisdiction", "boolean", "method")
EXPANSIONS = ("unpivot", "unpivot_prefix", "json", "list")
ITEM, VALUE = "@item", "@value"


class ProfileError(Exception):
    """A profile file that cannot be used; the message is one line naming the file."""


def fold_header(name: str) -> str:
    """`Received At`, `received-at` and `RECEIVED.AT` all become `received_at`."""
    return re.sub(r"[\s.\-]+", "_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class Profile:
    """One export layout of one tool, as its file says."""

    name: str
    kind: str
    title: str
    source: str
    recognised_by: tuple[str, ...]  # folded column names
    not_when: tuple[str, ...] = ()
    priority: int = 0
    columns: dict = field(default_factory=dict)
    words: dict = field(default_factory=dict)  # field -> {folded word: canonical}
    set_aside: tuple = ()  # (condition, reason)
    expand: dict | None = None
    path: Path | None = None
    saved: bool = False

    def recognises(self, kind: str, folded_header: set[str]) -> bool:
        return (self.kind == kind and bool(self.recognised_by) and set(self.recognised_by) <= folded_header
                and not set(self.not_when) & folded_header)


def _problem(path: Path, text: str) -> ProfileError:
    return ProfileError(f"profile {path.name}: {text}")


def _check_value_spec(path: Path, column: str, spec, *, inside_first_of: bool = False) -> None:
    if isinstance(spec, str):
        return
    if not isinstance(spec, dict):
        raise _problem(path, f"‘{column}’ must be a column name or a table ({{ column = ... }})")
    known = {"column", "key", "constant", "first_of", "when", "note"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise _problem(path, f"‘{column}’ has unknown settings: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    kinds = [name for name in ("column", "constant", "first_of") if name in spec]
    if len(kinds) != 1:
        raise _problem(path, f"‘{column}’ needs exactly one of column, constant, first_of")
    if ("when" in spec or "note" in spec) and not inside_first_of:
        raise _problem(path, f"‘{column}’: ‘when’ and ‘note’ belong to an alternative inside first_of")
    if "when" in spec:
        _check_condition(path, column, spec["when"])
    if "first_of" in spec:
        if inside_first_of or not isinstance(spec["first_of"], list) or not spec["first_of"]:
            raise _problem(path, f"‘{column}’: first_of needs a list of alternatives (not nested)")
        for alternative in spec["first_of"]:
            _check_value_spec(path, column, alternative, inside_first_of=True)


def _check_condition(path: Path, where: str, condition) -> None:
    if not isinstance(condition, dict) or "column" not in condition:
        raise _problem(path, f"{where}: a condition needs a column ({{ column = \"X\", in = [...] }})")
    unknown = sorted(set(condition) - {"column", "key", "in", "empty", "not"})
    if unknown:
        raise _problem(path, f"{where}: unknown condition settings: {', '.join(unknown)}")
    if ("in" in condition) == ("empty" in condition):
        raise _problem(path, f"{where}: a condition needs either ‘in = [...]’ or ‘empty = true’")


def parse_profile(path: Path, text: str, *, saved: bool = False) -> Profile:
    """A profile from its file's text; ProfileError (one line) when it cannot be used."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _problem(path, f"is not valid TOML ({error})") from None
    name = str(data.get("name", "")).strip()
    if not re.fullmatch(r"[a-z0-9_]{1,60}", name):
        raise _problem(path, "‘name’ must be 1-60 lower-case letters, digits or _")
    kind = data.get("kind")
    if kind not in KINDS:
        raise _problem(path, f"‘kind’ must be one of {', '.join(KINDS)}")
    columns = data.get("columns", {})
    allowed = dict(CANONICAL_COLUMNS[kind])
    for column, spec in columns.items():
        if column not in allowed:
            raise _problem(path, f"‘{column}’ is not a {kind} column ({', '.join(allowed)})")
        _check_value_spec(path, column, spec)
    words = {}
    for word_field, mapping in data.get("words", {}).items():
        if word_field not in WORD_FIELDS or not isinstance(mapping, dict):
            raise _problem(path, f"[words.{word_field}]: words are for {', '.join(WORD_FIELDS)}")
        words[word_field] = {fold(str(word)): str(canonical) for word, canonical in mapping.items()}
        _check_canonical(path, word_field, words[word_field])
    set_aside = []
    for index, rule in enumerate(data.get("set_aside", [])):
        if not isinstance(rule, dict) or "when" not in rule or not str(rule.get("reason", "")).strip():
            raise _problem(path, f"set_aside rule {index + 1} needs ‘when’ and ‘reason’")
        _check_condition(path, f"set_aside rule {index + 1}", rule["when"])
        set_aside.append((rule["when"], str(rule["reason"]).strip()))
    expand = data.get("expand")
    if expand is not None:
        chosen = [name for name in EXPANSIONS if name in expand]
        if len(chosen) != 1:
            raise _problem(path, f"[expand] needs exactly one of {', '.join(EXPANSIONS)}")
        unknown = sorted(set(expand) - {*EXPANSIONS, "item_key", "value_key", "separator", "each_of", "unless"})
        if unknown:
            raise _problem(path, f"[expand] has unknown settings: {', '.join(unknown)}")
        if "unless" in expand:
            _check_condition(path, "[expand] unless", expand["unless"])
    recognised = tuple(fold_header(str(name)) for name in data.get("recognised_by", []))
    if not recognised and not saved:
        raise _problem(path, "‘recognised_by’ must list the columns that recognise the export")
    return Profile(
        name=name, kind=kind, title=str(data.get("title", name)), source=str(data.get("source", "")),
        recognised_by=recognised, not_when=tuple(fold_header(str(name)) for name in data.get("not_when", [])),
        priority=int(data.get("priority", 0)), columns=dict(columns), words=words, set_aside=tuple(set_aside),
        expand=dict(expand) if expand is not None else None, path=path, saved=saved,
    )


def _check_canonical(path: Path, word_field: str, mapping: dict[str, str]) -> None:
    if word_field in ("purpose", "method"):
        return
    known = set(FIELDS[word_field]) | ({"shown"} if word_field == "decision" else set())
    if word_field == "request_type":
        known.add("other")
    wrong = sorted({canonical for canonical in mapping.values() if canonical not in known})
    if wrong:
        raise _problem(path, f"[words.{word_field}] maps to {', '.join(wrong)}; known: {', '.join(sorted(known))}")


def saved_profiles_dir() -> Path:
    return Path(os.environ.get(SAVED_PROFILES_ENV) or PROFILES_DIR / "saved")


# Profiles read, by file, with the file's size and change time: a file is parsed again only when it changed.
_PARSED: dict[tuple[Path, bool], tuple[tuple[int, int], Profile]] = {}


def _read_profile(path: Path, saved: bool) -> Profile:
    stat = path.stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    known = _PARSED.get((path, saved))
    if known is not None and known[0] == stamp:
        return known[1]
    profile = parse_profile(path, path.read_text(encoding="utf-8"), saved=saved)
    _PARSED[(path, saved)] = (stamp, profile)
    return profile


def load_profiles() -> tuple[list[Profile], list[str]]:
    """Every usable profile (shipped, then saved by analysts) and one line per file that could not be used."""
    profiles, problems, names = [], [], set()
    for folder, saved in ((PROFILES_DIR, False), (saved_profiles_dir(), True)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                profile = _read_profile(path, saved)
            except (ProfileError, OSError, UnicodeDecodeError, ValueError) as error:
                problems.append(str(error) if isinstance(error, ProfileError) else f"profile {path.name}: {error}")
                continue
            if profile.name in names:
                problems.append(f"profile {path.name}: the name ‘{profile.name}’ is taken by another profile")
                continue
            names.add(profile.name)
            profiles.append(profile)
    return profiles, problems


def find_profile(name: str) -> Profile | None:
    return next((profile for profile in load_profiles()[0] if profile.name == name), None)


def recognise(kind: str, header: list[str]) -> Profile | None:
    """The profile whose recognising columns the header holds (highest priority, then most columns)."""
    folded = {fold_header(name) for name in header}
    matches = [profile for profile in load_profiles()[0] if profile.recognises(kind, folded)]
    if not matches:
        return None
    return max(matches, key=lambda profile: (profile.priority, len(profile.recognised_by), profile.saved))


def canonical_profile(kind: str, overrides: dict[str, str] | None = None) -> Profile:
    """The plain layout: each canonical column by its own name; `overrides` name other columns."""
    columns = {column: column for column, _required in CANONICAL_COLUMNS[kind]}
    columns.update(overrides or {})
    return Profile(name="mapped" if overrides else "canonical", kind=kind, title="", source="",
                   recognised_by=(), columns=columns)


# --- Words users add (data/words.toml) ----------------------------------------------------------------------

def _words_file() -> tuple[Path, dict]:
    """The words file's path and its tables ({} when there is none); ProfileError when it is no valid TOML."""
    path = Path(os.environ.get(WORDS_ENV) or WORDS_FILE)
    if not path.is_file():
        return path, {}
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProfileError(f"{path.name}: is not valid TOML ({error})") from None


def user_words(profile_name: str) -> tuple[dict, dict]:
    """(words for every file, words for this profile only) from the words file: field -> {word: canonical}.

    The file's [denial_reason] table is checked here too, so that a load names a mistake in it."""
    path, data = _words_file()
    if not data:
        return {}, {}
    _denial_phrases(path, data)

    def section(table) -> dict:
        return {word_field: {fold(str(word)): str(canonical) for word, canonical in mapping.items()}
                for word_field, mapping in (table or {}).items()
                if word_field in WORD_FIELDS and isinstance(mapping, dict)}

    everywhere = section({key: value for key, value in data.items() if key != "profile"})
    own = section(data.get("profile", {}).get(profile_name, {}))
    for word_field, mapping in {**everywhere, **own}.items():
        _check_canonical(path, word_field, mapping)
    return everywhere, own


def denial_reason_words() -> list[tuple[str, str]]:
    """(category, phrase) for each phrase of the words file's [denial_reason] table, the categories in the order of
    vocabulary.DENIAL_CATEGORIES and each one's phrases in the file's order; ProfileError when the table is wrong.

    The phrases are kept as written: the store matches them inside the denial reasons (macros.sql,
    denial_category), where case, punctuation and spacing do not matter and only whole words match.
    """
    path, data = _words_file()
    return _denial_phrases(path, data)


def _denial_phrases(path: Path, data: dict) -> list[tuple[str, str]]:
    table = data.get("denial_reason", {})
    if not isinstance(table, dict):
        raise ProfileError(f"{path.name}: [denial_reason] must be a table of categories, each a list of phrases")
    unknown = sorted(set(table) - set(DENIAL_CATEGORIES))
    if unknown:
        raise ProfileError(f"{path.name}: [denial_reason] names {', '.join(unknown)}; "
                           f"known: {', '.join(DENIAL_CATEGORIES)}")
    phrases = []
    for category in DENIAL_CATEGORIES:
        listed = table.get(category, [])
        listed = [listed] if isinstance(listed, str) else listed
        if not isinstance(listed, list) or not all(isinstance(phrase, str) for phrase in listed):
            raise ProfileError(f"{path.name}: [denial_reason] {category} must be a list of phrases in quotes")
        phrases += [(category, phrase.strip()) for phrase in listed if phrase.strip()]
    return phrases


# --- Compiling a profile for one file ----------------------------------------------------------------------

class MissingColumns(Exception):
    """Required canonical columns the profile cannot make from this header."""

    def __init__(self, missing: list[str]):
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass
class CompiledProfile:
    """A profile made SQL for one header: expressions over generated names and variables (bound values)."""

    profile: Profile
    expressions: dict[str, str]
    variables: dict[str, object]
    entry: str | None  # SQL of the list of {item, value} one record expands into, or None
    set_aside: str | None  # SQL of the reason a record is set aside, or None
    notes: list[tuple[str, str]]  # (SQL condition, note) counted in the report
    identity_columns: list[str]  # the file's columns a subject pseudonym was taken from
    words: dict[str, dict[str, str]]  # field -> {folded word: canonical}, all sources merged
    dropped_columns: list[str] = field(default_factory=list)  # unused columns named like identities

    @property
    def kind(self) -> str:
        return self.profile.kind

    @property
    def format(self) -> str:
        return self.profile.name


class _Compiler:
    def __init__(self, profile: Profile, header: list[str]):
        self.profile = profile
        self.header = header
        self.positions: dict[str, int] = {}
        for index, name in enumerate(header):
            self.positions.setdefault(fold_header(name), index)
        self.variables: dict[str, object] = {}
        self.identity: list[str] = []

    def bound(self, value) -> str:
        """A value from the profile, set as a variable (SET VARIABLE with a bound parameter)."""
        name = f"profile_value_{len(self.variables)}"
        self.variables[name] = value
        return f"getvariable('{name}')"

    def cell(self, name: str) -> str | None:
        if name in (ITEM, VALUE):
            return "entry.item" if name == ITEM else "entry.value"
        position = self.positions.get(fold_header(name))
        return None if position is None else f"c{int(position)}"

    def keyed(self, reference: str, key: str) -> str:
        path = "$" + "".join(f'."{part}"' for part in str(key).split("."))
        return f"json_extract_string(cell_json({reference}), {self.bound(path)})"

    def value(self, spec, column: str) -> str | None:
        """SQL of a value spec, trimmed text or NULL (macros.sql, present), or None when the file lacks what it
        reads. Each value is made present here, once: a nested present() costs its expansion several times
        over in every query that reads the mapped rows."""
        if isinstance(spec, str):
            reference = self.cell(spec)
            if reference is not None and column == "subject_id":
                self.identity.append(spec)
            return None if reference is None else f"present({reference}::VARCHAR)"
        if "constant" in spec:
            return f"present({self.bound(str(spec['constant']))})"
        if "column" in spec:
            reference = self.cell(spec["column"])
            if reference is None:
                return None
            if column == "subject_id":
                self.identity.append(spec["column"])
            if "key" in spec:
                return f"present({self.keyed(reference, spec['key'])})"
            return f"present({reference}::VARCHAR)"
        return None

    def condition(self, condition: dict) -> str:
        reference = self.cell(condition["column"])
        if reference is None:
            text = "NULL"
        elif "key" in condition:
            text = self.keyed(reference, condition["key"])
        else:
            text = f"{reference}::VARCHAR"
        if "empty" in condition:
            test = f"(present({text}) IS NULL) = {'true' if condition['empty'] else 'false'}"
        else:
            test = f"coalesce(list_contains({self.bound([fold(str(word)) for word in condition['in']])}, fold_key({text})), false)"
        return f"NOT ({test})" if condition.get("not") else f"({test})"

    def column(self, column: str, spec, notes: list) -> str | None:
        if not isinstance(spec, dict) or "first_of" not in spec:
            return self.value(spec, column)
        branches = []
        for alternative in spec["first_of"]:
            value = self.value(alternative, column)
            if value is None:
                continue
            when = self.condition(alternative["when"]) if isinstance(alternative, dict) and "when" in alternative else None
            test = " AND ".join(part for part in (when, f"{value} IS NOT NULL") if part)
            branches.append((test, value, alternative.get("note") if isinstance(alternative, dict) else None))
        if not branches:
            return None
        for index, (_test, _value, note) in enumerate(branches):
            if note:
                chosen = " ".join(f"WHEN {test} THEN {position}" for position, (test, _v, _n) in enumerate(branches))
                notes.append((f"(CASE {chosen} END) = {index}", str(note)))
        return "CASE " + " ".join(f"WHEN {test} THEN {value}" for test, value, _note in branches) + " END"

    def entry(self) -> str | None:
        """SQL of the list of {item, value} a record expands into; a record meeting `unless` stays one row."""
        items = self._items()
        unless = (self.profile.expand or {}).get("unless")
        if items is None or not unless:
            return items
        return f"CASE WHEN {self.condition(unless)} THEN [{{'item': NULL::VARCHAR, 'value': NULL::VARCHAR}}] ELSE {items} END"

    def _items(self) -> str | None:
        expand = self.profile.expand
        if not expand:
            return None
        if "unpivot" in expand or "unpivot_prefix" in expand:
            if "unpivot" in expand:
                chosen = [(name, self.cell(name)) for name in expand["unpivot"]]
                chosen = [(self.header[int(reference[1:])], reference) for name, reference in chosen if reference]
            else:
                prefix = fold_header(expand["unpivot_prefix"])
                chosen = [(name[len(expand["unpivot_prefix"]):].strip() if name.startswith(expand["unpivot_prefix"])
                           else name, f"c{index}") for index, name in enumerate(self.header)
                          if fold_header(name).startswith(prefix) and fold_header(name) != prefix]
            if not chosen:
                return None
            items = ", ".join(f"{{'item': {self.bound(name)}, 'value': present({reference}::VARCHAR)}}"
                              for name, reference in chosen)
            return f"list_filter([{items}], lambda e: e.value IS NOT NULL)"
        if "json" in expand:
            reference = self.cell(expand["json"])
            if reference is None:
                return None
            document = f"cell_json({reference})"
            value_path = self.bound("$" + "".join(f'."{part}"' for part in str(expand.get("value_key", "")).split(".") if part))
            if "item_key" in expand:
                item_path = self.bound("$" + "".join(f'."{part}"' for part in str(expand["item_key"]).split(".")))
                return (f"list_transform(json_extract({document}, '$[*]'), lambda o: "
                        f"{{'item': json_extract_string(o, {item_path}), 'value': json_extract_string(o, {value_path})}})")
            return (f"CASE WHEN json_type({document}) = 'ARRAY' THEN list_transform(json_extract({document}, '$[*]'), "
                    f"lambda o: {{'item': json_extract_string(o, '$'), 'value': 'true'}}) ELSE "
                    f"list_transform(json_keys({document}), lambda k: {{'item': k, 'value': "
                    f"json_extract_string(json_extract({document}, '$.\"' || k || '\"'), {value_path})}}) END")
        reference = self.cell(expand["list"])
        if reference is None:
            return None
        separator = self.bound(str(expand.get("separator", ",")))
        document = f"cell_json({reference})"
        elements = (f"list_filter(list_transform(CASE WHEN json_type({document}) = 'ARRAY' "
                    f"THEN list_transform(json_extract({document}, '$[*]'), lambda x: json_extract_string(x, '$')) "
                    f"ELSE string_split({reference}::VARCHAR, {separator}) END, lambda x: trim(x)), lambda x: x <> '')")
        if "each_of" in expand:
            each = self.bound([str(item) for item in expand["each_of"]])
            # An empty cell is a list of nothing: every element of each_of is "false" (a click refusing all).
            return (f"list_transform({each}, lambda e: {{'item': e, 'value': "
                    f"CASE WHEN list_contains(coalesce({elements}, []), e) THEN 'true' ELSE 'false' END}})")
        return f"list_transform({elements}, lambda e: {{'item': e, 'value': 'true'}})"


def compile_profile(profile: Profile, header: list[str]) -> CompiledProfile:
    """The SQL of `profile` for a file with `header`; MissingColumns when a required column cannot be made."""
    compiler = _Compiler(profile, header)
    notes: list[tuple[str, str]] = []
    expressions = {}
    for column, spec in profile.columns.items():
        expression = compiler.column(column, spec, notes)
        if expression is not None:
            expressions[column] = expression
    missing = [column for column, required in CANONICAL_COLUMNS[profile.kind] if required and column not in expressions]
    if missing:
        raise MissingColumns(missing)
    reasons = [(compiler.condition(condition), compiler.bound(reason)) for condition, reason in profile.set_aside]
    set_aside = "CASE " + " ".join(f"WHEN {test} THEN {reason}" for test, reason in reasons) + " END" if reasons else None
    everywhere, own = user_words(profile.name)
    words: dict[str, dict[str, str]] = {}
    for source in (everywhere, profile.words, own):
        for word_field, mapping in source.items():
            words.setdefault(word_field, {}).update(mapping)
    identity = list(dict.fromkeys(compiler.identity))
    return CompiledProfile(profile, expressions, compiler.variables, compiler.entry(), set_aside, notes,
                           [name for name in header if fold_header(name) in {fold_header(i) for i in identity}],
                           words)


# --- Functions the compiled SQL calls -------------------------------------------------------------------------

def _json_of(text: str | None) -> str | None:
    """A JSON or Python-literal cell (`{'email': 'a@b.c', 'phone': None}`) as JSON text; None when neither."""
    if text is None:
        return None
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        json.loads(stripped)
        return stripped
    except ValueError:
        pass
    try:
        # literal_eval reads literals only (no names, no calls): a cell cannot run anything.
        return json.dumps(ast.literal_eval(stripped), default=str)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def register_functions(connection: duckdb.DuckDBPyConnection) -> None:
    """Make `cell_json(text)` callable in this connection's SQL (once per DuckDB instance)."""
    try:
        # Cheaper than listing every function: an unknown one is a catalog error.
        connection.execute("SELECT cell_json(NULL)").fetchall()
        return
    except duckdb.CatalogException:
        pass

    def cells(values: pa.Array) -> pa.Array:
        return pa.array([_json_of(value) for value in values.to_pylist()], type=pa.string())

    connection.create_function("cell_json", cells, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"), type="arrow",
                               null_handling="special")


# --- Profiles analysts save ------------------------------------------------------------------------------------

def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value) -> str:
    """A value as TOML: JSON's strings (ASCII, escaped) are valid TOML basic strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(str(key))} = {_toml_value(item)}" for key, item in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} in a profile")


def profile_text(profile: Profile, header_names: list[str] | None = None) -> str:
    """A profile as the TOML file that says it (round-trips through parse_profile)."""
    lines = [f"# {profile.title}", f"name = {_toml_value(profile.name)}", f"kind = {_toml_value(profile.kind)}",
             f"title = {_toml_value(profile.title)}", f"source = {_toml_value(profile.source)}",
             f"recognised_by = {_toml_value(list(header_names or profile.recognised_by))}"]
    if profile.not_when:
        lines.append(f"not_when = {_toml_value(list(profile.not_when))}")
    if profile.priority:
        lines.append(f"priority = {profile.priority}")
    lines += ["", "[columns]"] + [f"{column} = {_toml_value(spec)}" for column, spec in profile.columns.items()]
    for word_field, mapping in profile.words.items():
        lines += ["", f"[words.{word_field}]"] + [f"{_toml_key(word)} = {_toml_value(canonical)}"
                                                  for word, canonical in mapping.items()]
    for condition, reason in profile.set_aside:
        lines += ["", "[[set_aside]]", f"when = {_toml_value(condition)}", f"reason = {_toml_value(reason)}"]
    if profile.expand:
        lines += ["", "[expand]"] + [f"{_toml_key(key)} = {_toml_value(value)}" for key, value in profile.expand.items()]
    return "\n".join(lines) + "\n"


def profile_name_of(title: str) -> str:
    """The file name a saved profile takes from the name an analyst gave it: `Acme CRM (v2)` -> `acme_crm_v2`."""
    return re.sub(r"[^a-z0-9]+", "_", title.strip().lower()).strip("_")[:60]


def save_profile(title: str, kind: str, header: list[str], columns: dict[str, str], *,
                 based_on: Profile | None = None, saved_by: str = "") -> Profile:
    """Write an analyst's mapping as a profile file (replacing one of the same name); files with this
    header are then recognised by it. Starting from a shipped profile keeps its words and rules."""
    name = profile_name_of(title)
    if not name:
        raise ProfileError("a saved mapping needs a name with letters or digits")
    shipped = {path.stem for path in PROFILES_DIR.glob("*.toml")}
    if name in shipped:
        raise ProfileError(f"‘{name}’ is the name of a shipped profile; choose another name")
    profile = Profile(
        name=name, kind=kind, title=title.strip(),
        source=f"saved from a mapping{' by ' + saved_by if saved_by else ''}"
               + (f", starting from the {based_on.name} profile" if based_on else ""),
        recognised_by=tuple(fold_header(column) for column in header),
        columns={**(based_on.columns if based_on else {}), **columns},
        words=based_on.words if based_on else {}, set_aside=based_on.set_aside if based_on else (),
        expand=based_on.expand if based_on else None, saved=True,
    )
    folder = saved_profiles_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    text = profile_text(profile, list(header))
    parse_profile(path, text, saved=True)  # what is written reads back
    temporary = path.with_suffix(".toml.part")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return parse_profile(path, text, saved=True)


def saved_profile_for(kind: str, header: list[str]) -> Profile | None:
    """The profile an analyst saved for a file with this very header (same columns), if any."""
    folded = tuple(fold_header(name) for name in header)
    return next((profile for profile in load_profiles()[0]
                 if profile.saved and profile.kind == kind and profile.recognised_by == folded), None)
