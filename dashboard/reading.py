"""Opening an export for DuckDB's CSV reader: existence, compression, encoding, delimiter and header."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import os
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
# The most columns a file may have: an export of consent, requests or policies needs a few dozen at most,
# and a header of thousands is more likely a wrong file than a real export.
MAX_COLUMNS = 1_000
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# Signatures of files people rename to .csv by mistake, to name what they sent.
SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive or Excel workbook (.xlsx); save it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file (.xls/.doc); save it as CSV"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)


class UnusableFile(Exception):
    """A file that cannot be used at all. Its text is the one line the user sees: file and problem."""


@dataclass
class OpenedExport:
    """An export ready for read_csv: the file to read, its dialect and its header as written."""

    name: str
    sha256: str
    read_path: Path
    encoding: str  # what read_path is in, for read_csv
    source_encoding: str  # what the user's file was in
    delimiter: str
    header: list[str]
    skip_lines: int
    temporary: list[Path] = field(default_factory=list)

    def cleanup(self) -> None:
        for path in self.temporary:
            path.unlink(missing_ok=True)


def _fail(name: str, problem: str) -> UnusableFile:
    return UnusableFile(f"{name}: {problem}")


def _raw_chunks(path: Path, compressed: bool):
    opener = gzip.open if compressed else open
    with opener(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in _raw_chunks(path, compressed=False):
        digest.update(chunk)
    return digest.hexdigest()


def _detect_encoding(name: str, path: Path, compressed: bool, head: bytes) -> str:
    """utf-16 (with BOM), utf-8 (with or without BOM), or cp1252 for anything that is not UTF-8."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            raise _fail(name, f"is not a CSV file: it looks like {what}")
    if b"\x00" in head[:65536]:
        raise _fail(name, "is not a text file (it contains NUL bytes); export it as CSV")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in _raw_chunks(path, compressed):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _transcode_to_utf8(path: Path, compressed: bool) -> Path:
    """A UTF-8 copy of a Windows-1252 / Latin-1 file, written chunk by chunk (never whole in memory)."""
    # cp1252 leaves five bytes undefined; Latin-1 reads them, so no byte is ever lost.
    decoder = codecs.getincrementaldecoder("cp1252")(errors="latin1_fallback")
    handle, name = tempfile.mkstemp(suffix=".csv", prefix="export-utf8-")
    with os.fdopen(handle, "wb") as out:
        for chunk in _raw_chunks(path, compressed):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return Path(name)


def _latin1_fallback(error: UnicodeDecodeError):
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("latin1_fallback", _latin1_fallback)


def _head_text(path: Path, compressed: bool, encoding: str) -> str:
    """The first megabyte as text, enough to find the header line."""
    head = next(_raw_chunks(path, compressed), b"")
    decoder = codecs.getincrementaldecoder(encoding if encoding != "cp1252" else "cp1252")(
        errors="latin1_fallback" if encoding == "cp1252" else "replace"
    )
    text = decoder.decode(head)
    return text.removeprefix("\ufeff")


def _header(name: str, text: str) -> tuple[list[str], str, int]:
    """The header's fields, the delimiter and the number of blank lines before the header."""
    lines = text.splitlines()
    skipped = 0
    for line in lines:
        if line.strip(" \t,;|\"'"):
            break
        skipped += 1
    else:
        raise _fail(name, "the file is empty")
    header_line = lines[skipped]
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise _fail(
            name,
            "is not a delimited file: its first line has no comma, semicolon, tab or pipe "
            f"(it starts: {header_line[:40]!r})",
        )
    header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter))
    return [column.strip() for column in header], delimiter, skipped


def open_export(path: Path, display_name: str | None = None) -> OpenedExport:
    """Check that a file is a readable delimited text file and find its dialect and header."""
    name = display_name or path.name
    if not path.exists():
        raise _fail(name, "no such file")
    if path.is_dir():
        raise _fail(name, "is a folder, not a file")
    if path.stat().st_size == 0:
        raise _fail(name, "the file is empty")
    with open(path, "rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    try:
        head = next(_raw_chunks(path, compressed), b"")
        if not head:
            raise _fail(name, "the file is empty")
        encoding = _detect_encoding(name, path, compressed, head)
    except (OSError, EOFError, zlib.error) as error:
        raise _fail(name, f"cannot be read: {error}") from None

    temporary = []
    read_path = path
    if encoding == "cp1252":
        read_path = _transcode_to_utf8(path, compressed)
        temporary.append(read_path)
        compressed, read_encoding = False, "utf-8"
    else:
        read_encoding = encoding
    try:
        header, delimiter, skipped = _header(name, _head_text(read_path, compressed, read_encoding))
        if len(header) > MAX_COLUMNS:
            raise _fail(name, f"has {len(header):,} columns; at most {MAX_COLUMNS:,} are read (an export of consent, "
                              "requests or policies has far fewer): is it the right file?")
    except UnusableFile:
        for leftover in temporary:
            leftover.unlink(missing_ok=True)
        raise
    return OpenedExport(
        name=name,
        sha256=_sha256(path),
        read_path=read_path,
        encoding=read_encoding,
        source_encoding=encoding,
        delimiter=delimiter,
        header=header,
        skip_lines=skipped,
        temporary=temporary,
    )
