"""Opening an export for DuckDB's readers: what the path is, its layout (CSV, newline-delimited JSON or Parquet),
compression, encoding, dialect, header and limits."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import zipfile
import zlib
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.formatting import plural

CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
# The most columns a file may have: an export of consent, requests or policies needs a few dozen at most,
# and a header of thousands is more likely a wrong file than a real export.
MAX_COLUMNS = 1_000
# The most rows one file may bring (the store itself has no limit): a bound on the memory one load takes.
# It lives here because the reader counts lines on its first pass and refuses a file past it before DuckDB
# reads a row; ingest checks the records DuckDB found against it too.
MAX_ROWS = 100_000_000
# The longest line a record may have: DuckDB's max_line_size is set from it. DuckDB's own check cannot be
# trusted with such lines (DuckDB 2.0): a line over it that starts just past one of the 8 MB marks of the
# file vanishes, with the row or rows after it, without a rejected row, and so does any line over about
# 32 MB. So no line over it ever reaches DuckDB: the reader hands it a copy in which such a line is a
# short marked row (LONG_LINE_MARK), which ingest rejects with the line's number.
MAX_LINE_BYTES = 2_000_000
# The most text one file may hold once uncompressed: a hundred million rows of 200 bytes.
MAX_TEXT_BYTES = 20_000_000_000
# gzip shrinks real exports 5 to 15 times (the sample data 5-10:1, a million near-identical consent rows
# 12:1, a wide export of empty columns 15:1); only runs of the same few bytes come near gzip's ceiling of
# about 1,000:1, and that is what a "bomb" is built of (4 MB that unpack to a hundred million rows). Once
# past 50 MB of text, a file that has grown over 200 times its compressed size is refused there, before it
# fills the memory, instead of after reading gigabytes.
MAX_EXPANSION = 200
EXPANSION_CHECKED_AFTER = 50_000_000
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# What stands in every field of a line over MAX_LINE_BYTES in the copy DuckDB reads. Its NUL bytes make
# the row one that ingest sets aside in any case; the words tell it why.
LONG_LINE_MARK = "\x00line over the limit\x00"

# Signatures of files people rename to .csv by mistake, to name what they sent. A spreadsheet is told apart
# from other ZIP and OLE files first (_spreadsheet); these name the rest.
SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive or Excel workbook (.xlsx); save it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file (.xls/.doc); save it as CSV"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3", "an SQLite database"),
)
SPREADSHEET = "is a spreadsheet ({}), not a CSV file: save it as CSV"
# A compound file ([MS-CFB] 2.2: its signature; the sector shift at byte 30; the first directory sector at
# byte 48; sector n at (n + 1) << shift; 128-byte directory entries, each a UTF-16 name of at most 64 bytes
# and its length in bytes at byte 64) is an Excel workbook when it holds a "Workbook" stream ([MS-XLS] 2.1.2;
# "Book" in Excel 5/95 files). A ZIP file is one when it holds the workbook part of an Excel package
# (ECMA-376 Part 1: xl/workbook.xml, or xl/workbook.bin for .xlsb), or the mimetype of an OpenDocument
# spreadsheet (ODF 1.2 Part 3, 3.3).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_WORKBOOK_STREAMS = ("Workbook", "Book")
EXCEL_PARTS = ("xl/workbook.xml", "xl/workbook.bin")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_MAGIC = b"PAR1"
JSON_ARRAY = "is a JSON array, not newline-delimited JSON: export one object per line (JSON Lines)"
JSON_DOCUMENT = ("is one JSON object written over several lines, not newline-delimited JSON: export one object "
                 "per line (JSON Lines)")
NOT_JSON_OBJECT = "the line is not a JSON object"
# A JSON file's header is the union of the fields of its first records, read from at most this much of its
# text (a thousand records of a consent tool are a few megabytes).
HEADER_RECORDS = 1_000
HEADER_TEXT_BYTES = 64 * CHUNK
# DuckDB reads each line of a JSON file as one field; this is its "delimiter", the unit separator, which no
# valid JSON text holds raw (RFC 8259 allows no control character outside an escape). A file that holds one
# anyway is read from a copy in which it is the record separator instead: the line is still set aside whole
# (DuckDB would otherwise read it as a field ending there, and take what comes before as the record).
JSON_LINE_DELIMITER = "\x1f"
JSON_DELIMITER_STAND_IN = b"\x1e"
NOT_TEXT = "is not a text file (it contains NUL bytes); export it as CSV"
# What a path can be besides a file, each named in its refusal. Opening a named pipe waits for a writer
# forever and a device reads without end, so these are told from the path alone, before any open.
NOT_FILES = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe, not a file"),
    (stat.S_ISCHR, "is a character device, not a file"),
    (stat.S_ISBLK, "is a block device, not a file"),
    (stat.S_ISSOCK, "is a socket, not a file"),
)


class UnusableFile(Exception):
    """A file that cannot be used at all. Its text is the one line the user sees: file and problem.

    `header` is the file's header when the file could be read and only its columns did not fit (a required
    column the layout cannot make, a mapping that looks wrong): a column mapping can then start from it.
    """

    def __init__(self, message: str, *, header: list[str] | None = None):
        super().__init__(message)
        self.header = header


@dataclass(frozen=True)
class ParquetField:
    """Where one header field of a Parquet file is in a row, and how its value becomes text."""

    column: int  # the top-level column, by position
    keys: tuple[str, ...]  # the fields of nested structs leading to it, outermost first
    # text: cast as DuckDB writes it; timestamp: `YYYY-MM-DD HH:MM:SS[.ffffff]`; timestamp_utc: the same, of the
    # instant in UTC; json: a list, map or other nested value as JSON text.
    form: str


@dataclass
class OpenedExport:
    """An export ready for DuckDB: the file to read, its layout and dialect, and its header.

    The header of a CSV file is its first line; of a JSON file, the fields of its first records, nested
    objects flattened to dotted names (`user.id`); of a Parquet file, its columns, structs flattened so.
    """

    name: str
    sha256: str
    read_path: Path
    encoding: str  # what read_path is in, for read_csv
    source_encoding: str  # what the user's file was in
    delimiter: str
    header: list[str]
    # The blank lines before a CSV file's header; -1 in a layout without a header line, so that the first
    # record's line, 2 + skip_lines, is 1 there (first_line).
    skip_lines: int
    temporary: list[Path] = field(default_factory=list)
    # Some line holds a NUL byte (or LONG_LINE_MARK): ingest looks for those rows and sets them aside.
    has_nul: bool = False
    layout: str = "csv"  # csv | ndjson | parquet
    # ndjson: per header field, its JSON pointer (RFC 6901) in a record, for json_extract_string.
    json_pointers: list[str] = field(default_factory=list)
    # parquet: per header field, where it is in a row; and how many top-level columns a row has.
    parquet_fields: list[ParquetField] = field(default_factory=list)
    parquet_columns: int = 0

    @property
    def first_line(self) -> int:
        """The line number of the first record: the one after the header, or 1 in a file without a header."""
        return 2 + self.skip_lines

    def describe(self) -> str:
        """How the file is read, for progress messages: `utf-8, comma-delimited`."""
        if self.layout == "parquet":
            return "Parquet"
        if self.layout == "ndjson":
            return f"{self.source_encoding}, newline-delimited JSON"
        return f"{self.source_encoding}, {DELIMITER_NAMES[self.delimiter]}-delimited"

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


class _Hashed:
    """A file read for its text whose own bytes (compressed or not) go into `digest` on the way."""

    def __init__(self, handle, digest):
        self.handle, self.digest = handle, digest

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data

    def tell(self) -> int:
        return self.handle.tell()


def _chunks_with_progress(path: Path, compressed: bool, digest):
    """The file's (uncompressed) bytes chunk by chunk, each with how many bytes of the file were read; the
    file's own bytes are in `digest` once they are all read (so the file is read once for both)."""
    with open(path, "rb") as handle:
        hashed = _Hashed(handle, digest)
        stream = gzip.GzipFile(fileobj=hashed, mode="rb") if compressed else hashed
        while chunk := stream.read(CHUNK):
            yield chunk, handle.tell()
        while hashed.read(CHUNK):  # whatever follows the compressed data, so the digest is the whole file's
            pass


def refuse_what_is_not_a_file(name: str, path: Path) -> None:
    """One line for a path that is no regular file of the upload, told from the path alone (nothing opened)."""
    try:
        link = path.lstat()
    except FileNotFoundError:
        raise _fail(name, "no such file") from None
    if stat.S_ISLNK(link.st_mode):
        # A link may lead anywhere the server's account can read (a secret, /etc/passwd): only one that stays
        # in its own folder is followed.
        try:
            target = path.resolve(strict=True)
        except FileNotFoundError:
            raise _fail(name, "is a link to a file that does not exist") from None
        except (OSError, RuntimeError):
            raise _fail(name, "is a link that cannot be followed (it loops)") from None
        if not target.is_relative_to(path.absolute().parent.resolve()):
            raise _fail(name, "is a link to a file outside its folder, which is not followed: load the file itself")
    mode = path.stat().st_mode
    for is_kind, problem in NOT_FILES:
        if is_kind(mode):
            raise _fail(name, problem)
    if not stat.S_ISREG(mode):
        raise _fail(name, "is not a regular file")


def _refuse_binary(name: str, head: bytes) -> None:
    """A binary file renamed .csv, named when it can be. UTF-16 (with its byte-order mark) is text."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            raise _fail(name, f"is not a CSV file: it looks like {what}")
    # A NUL byte here and there is a damaged row, set aside with its line; a file a quarter NUL is not text
    # at all (a binary file, or UTF-16 without its byte-order mark, half NUL).
    start = head[:65536]
    if start.count(b"\x00") * 4 > len(start):
        raise _fail(name, NOT_TEXT)


class _Census:
    """The text of a file counted as it streams by, stopped with one line at the first limit it crosses."""

    def __init__(self, name: str, compressed: bool):
        self.name, self.compressed = name, compressed
        self.text_bytes = 0
        self.line_ends = 0
        self.has_nul = False
        self.has_long_line = False
        self.has_json_delimiter = False  # JSON_LINE_DELIMITER: only a JSON file's reading minds it
        self.line_so_far = 0  # bytes of the line still open at the end of the last chunk

    def count_source(self, size: int, read: int) -> None:
        """`size` more bytes of the file's text, `read` bytes of the file itself read so far."""
        self.text_bytes += size
        where = " once uncompressed" if self.compressed else ""
        if self.text_bytes > MAX_TEXT_BYTES:
            raise _fail(self.name, f"holds more than {MAX_TEXT_BYTES:,} bytes of text{where}; at most that "
                                   "is read from one file: split it and load the parts")
        if self.compressed and self.text_bytes > EXPANSION_CHECKED_AFTER and self.text_bytes > MAX_EXPANSION * read:
            raise _fail(self.name, f"unpacks to over {MAX_EXPANSION} times its compressed size, which no real "
                                   "export does; it looks built to exhaust the server: check where it came from")

    def count_text(self, text: bytes) -> None:
        """Lines, NUL bytes and over-long lines of `text` (UTF-8), with the line left open by the last call."""
        # Lines end in LF, CRLF or (old Macs) CR alone: a chunk without LF is counted by its CRs.
        self.line_ends += text.count(b"\n") or text.count(b"\r")
        if self.line_ends > MAX_ROWS + 1:
            raise _fail(self.name, f"has more than {MAX_ROWS:,} lines besides its header; at most {MAX_ROWS:,} "
                                   "rows are loaded from one file: split it and load the parts")
        self.has_nul = self.has_nul or b"\x00" in text
        self.has_json_delimiter = self.has_json_delimiter or JSON_LINE_DELIMITER.encode() in text
        first, last = _first_line_end(text), _last_line_end(text)
        if first < 0:
            self.line_so_far += len(text)
        else:
            longest = max(self.line_so_far + first, _longest_whole_line(text, first, last))
            self.has_long_line = self.has_long_line or longest > MAX_LINE_BYTES
            self.line_so_far = len(text) - last - 1
        self.has_long_line = self.has_long_line or self.line_so_far > MAX_LINE_BYTES


def _first_line_end(text: bytes) -> int:
    ends = [index for index in (text.find(b"\n"), text.find(b"\r")) if index >= 0]
    return min(ends, default=-1)


def _last_line_end(text: bytes) -> int:
    return max(text.rfind(b"\n"), text.rfind(b"\r"))


def _longest_whole_line(text: bytes, first: int, last: int) -> int:
    """The longest line between the first and the last line end of `text`. Read line by line only when one
    could be over the limit, which a chunk smaller than the limit never holds."""
    if last - first <= MAX_LINE_BYTES:
        return 0
    return max(len(line) for line in text[first + 1 : last].replace(b"\r", b"\n").split(b"\n"))


@dataclass
class _Survey:
    encoding: str
    has_nul: bool
    has_long_line: bool
    has_json_delimiter: bool
    sha256: str


def _survey(name: str, path: Path, compressed: bool, head: bytes) -> _Survey:
    """One pass over the whole file: its SHA-256, its encoding (utf-16 with BOM, utf-8 with or without BOM, or cp1252
    for anything that is not UTF-8), NUL bytes and over-long lines, and the limits of rows, size and
    expansion, each refused as soon as it is crossed."""
    census = _Census(name, compressed)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    # UTF-16 is counted as the UTF-8 that DuckDB turns it into; anything else as its bytes.
    decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8")(errors="replace" if utf16 else "strict")
    is_utf8 = not utf16
    digest = hashlib.sha256()
    for chunk, read in _chunks_with_progress(path, compressed, digest):
        census.count_source(len(chunk), read)
        if utf16:
            census.count_text(decoder.decode(chunk).encode("utf-8"))
            continue
        if is_utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
        census.count_text(chunk)
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    encoding = "utf-16" if utf16 else "utf-8" if is_utf8 else "cp1252"
    return _Survey(encoding, census.has_nul, census.has_long_line, census.has_json_delimiter, digest.hexdigest())


def _text_chunks(path: Path, compressed: bool, encoding: str):
    """The file's text as UTF-8, chunk by chunk (never whole in memory)."""
    if encoding == "utf-8":
        yield from _raw_chunks(path, compressed)
        return
    # cp1252 leaves five bytes undefined; Latin-1 reads them, so no byte is ever lost.
    decoder = codecs.getincrementaldecoder(encoding)(errors="latin1_fallback" if encoding == "cp1252" else "replace")
    for chunk in _raw_chunks(path, compressed):
        yield decoder.decode(chunk).encode("utf-8")
    yield decoder.decode(b"", final=True).encode("utf-8")


class _LineLimiter:
    """Text passed on line by line as written, but for each line over MAX_LINE_BYTES: that line is replaced
    by `mark_row`, so that DuckDB never sees it and ingest rejects it at its own line number. Works on whole
    chunks (a line is looked at alone only where a chunk could hold a long one), holding back at most the
    line still open."""

    def __init__(self, mark_row: bytes, quoted: bool = True):
        self.mark_row = mark_row
        self.quoted = quoted  # quotes open fields over several lines (CSV; not a JSON file's lines)
        self.open_line = bytearray()
        self.over = False  # the open line passed the limit: its bytes are dropped
        self.quotes = 0  # quote characters in the dropped line

    def feed(self, text: bytes):
        first = _first_line_end(text)
        if first < 0:
            self._extend(text)
            return
        self._extend(text[:first])
        yield self._close()
        last = _last_line_end(text)
        if _longest_whole_line(text, first, last) > MAX_LINE_BYTES:
            for line in _split_keeping_ends(text[first : last + 1]):
                yield self.mark(line) if len(line.rstrip(b"\r\n")) > MAX_LINE_BYTES else line
        else:
            yield memoryview(text)[first : last + 1]
        self._extend(text[last + 1 :])

    def finish(self) -> bytes:
        return self._close()

    def mark(self, line: bytes) -> bytes:
        # A line with an odd number of quotes opens or closes a quoted field that goes on to other lines:
        # the mark keeps that, so the lines after it are read as they were written.
        content = line.rstrip(b"\r\n")
        return (b'"' if self.quoted and content.count(b'"') % 2 else b"") + self.mark_row + line[len(content) :]

    def _extend(self, part: bytes) -> None:
        if self.over:
            self.quotes += part.count(b'"')
            return
        self.open_line += part
        if len(self.open_line) > MAX_LINE_BYTES:
            self.over, self.quotes = True, self.open_line.count(b'"')
            self.open_line = bytearray()

    def _close(self) -> bytes:
        if self.over:
            line = (b'"' if self.quoted and self.quotes % 2 else b"") + self.mark_row
            self.over, self.quotes = False, 0
            return line
        line, self.open_line = bytes(self.open_line), bytearray()
        return line


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _split_keeping_ends(text: bytes) -> list[bytes]:
    """`text` cut after each line end (LF, CRLF or CR)."""
    return _LINE.findall(text)


def _utf8_copy(path: Path, compressed: bool, encoding: str, mark_row: bytes, work_dir: Path | None,
               json_lines: bool = False) -> Path:
    """A UTF-8 copy of the file without any line over MAX_LINE_BYTES, written chunk by chunk, in `work_dir`
    (made this account's only) or else the system's temporary folder. Of a JSON file (`json_lines`), without
    JSON_LINE_DELIMITER either."""
    if work_dir is not None:
        work_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=".jsonl" if json_lines else ".csv", prefix="export-utf8-", dir=work_dir)
    limiter = _LineLimiter(mark_row, quoted=not json_lines)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in _text_chunks(path, compressed, encoding):
                if json_lines:
                    chunk = chunk.replace(JSON_LINE_DELIMITER.encode(), JSON_DELIMITER_STAND_IN)
                for piece in limiter.feed(chunk):
                    out.write(piece)
            out.write(limiter.finish())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _latin1_fallback(error: UnicodeDecodeError):
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("latin1_fallback", _latin1_fallback)


def _head_text(path: Path, compressed: bool, encoding: str) -> tuple[str, bool]:
    """The first megabyte as text, enough to find the header line, and whether it is the whole file."""
    head = next(_raw_chunks(path, compressed), b"")
    decoder = codecs.getincrementaldecoder(encoding)(errors="latin1_fallback" if encoding == "cp1252" else "replace")
    text = decoder.decode(head)
    return text.removeprefix("\ufeff"), len(head) < CHUNK


def _header(name: str, text: str, whole_file: bool) -> tuple[list[str], str, int]:
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
    if "\x00" in header_line:
        raise _fail(name, NOT_TEXT)
    if skipped == len(lines) - 1 and not whole_file and not text.endswith(("\n", "\r")):
        raise _fail(name, f"its first line is longer than {CHUNK:,} characters, more than any header: "
                          "is it the right file?")
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        # Described, never quoted: the path may lead to a file that is nobody's business (a key, a password).
        raise _fail(
            name,
            "is not a delimited file: its first line has no comma, semicolon, tab or pipe "
            f"(it is {len(header_line):,} characters long)",
        )
    header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter))
    return [column.strip() for column in header], delimiter, skipped


def _spreadsheet(path: Path, head: bytes, compressed: bool) -> str | None:
    """`Excel` or `OpenDocument` for a spreadsheet file (see OLE_MAGIC), else None; told from its structure,
    never from its name."""
    if compressed:
        return None
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if names.intersection(EXCEL_PARTS):
                    return "Excel"
                if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                    return "OpenDocument" if archive.read("mimetype").startswith(ODS_MIMETYPE) else None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, zlib.error):
            return None
        return None
    if head.startswith(OLE_MAGIC) and len(head) >= 512:
        shift = int.from_bytes(head[30:32], "little")
        if shift not in (9, 12):
            return None
        first_directory = int.from_bytes(head[48:52], "little")
        with open(path, "rb") as handle:
            handle.seek((first_directory + 1) << shift)
            directory = handle.read(1 << shift)
        for start in range(0, len(directory) - 127, 128):
            entry = directory[start : start + 128]
            length = int.from_bytes(entry[64:66], "little")
            if 2 <= length <= 64 and entry[: length - 2].decode("utf-16-le", "replace") in OLE_WORKBOOK_STREAMS:
                return "Excel"
    return None


def _suffix(name: str) -> str:
    """The suffix that names a file's layout (`.jsonl` of `consent.jsonl.gz`), lower case."""
    suffixes = [suffix.lower() for suffix in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _layout(name: str, path: Path, head: bytes, compressed: bool) -> str:
    """csv, ndjson or parquet, told from the first bytes (the name decides only where they do not); a JSON
    array or a file that is not text at all is refused with one line."""
    suffixes = {_suffix(name), _suffix(path.name)}
    if head.startswith(PARQUET_MAGIC):
        if compressed:
            raise _fail(name, "is a Parquet file compressed with gzip: load the .parquet file itself "
                              "(Parquet compresses its own data)")
        return "parquet"
    if ".parquet" in suffixes:
        raise _fail(name, "is named .parquet but is not a Parquet file (it does not start with PAR1): "
                          "is it the right file?")
    spreadsheet = _spreadsheet(path, head, compressed)
    if spreadsheet:
        raise _fail(name, SPREADSHEET.format(spreadsheet))
    _refuse_binary(name, head)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        # Only the first characters matter, and they are ASCII in a JSON file whatever its encoding.
        text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    text = text.lstrip("\ufeff \t\r\n")
    if re.match(r"\[\s*(?:[\[{\]\"\d-]|$)", text):
        raise _fail(name, JSON_ARRAY)
    if text.startswith("{") or suffixes.intersection(JSON_SUFFIXES):
        return "ndjson"
    return "csv"


def _leading_lines(chunks, limit: int):
    """The lines of the first `limit` bytes of text (and the one they end in), without their line ends;
    None for a line over MAX_LINE_BYTES."""
    open_line, over, read = bytearray(), False, 0
    for chunk in chunks:
        read += len(chunk)
        *whole, rest = re.split(rb"\r\n|\r|\n", chunk)
        for part in whole:
            yield None if over or len(open_line) + len(part) > MAX_LINE_BYTES else bytes(open_line + part)
            open_line, over = bytearray(), False
        if not over:
            open_line += rest
            if len(open_line) > MAX_LINE_BYTES:
                open_line, over = bytearray(), True
        if read > limit:
            return
    if over or open_line:
        yield None if over else bytes(open_line)


def _flatten(record: dict, keys: tuple[str, ...], fields: dict[str, tuple[str, ...]]) -> None:
    """Each field of `record` under its dotted name (`user.id`), nested objects flattened; a list, or an empty
    object, is one field (its value is the JSON text). The first path seen under a name keeps it."""
    for key, value in record.items():
        path = (*keys, str(key))
        if isinstance(value, dict) and value:
            _flatten(value, path, fields)
        else:
            fields.setdefault(".".join(path), path)


def _json_pointer(keys: tuple[str, ...]) -> str:
    """The JSON pointer (RFC 6901) of a value: each key with `~` and `/` escaped."""
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


def _json_header(name: str, path: Path, compressed: bool, encoding: str) -> tuple[list[str], list[str]]:
    """A JSON file's header (the union of its first HEADER_RECORDS records' fields, first seen first) and
    each field's JSON pointer. Lines that are not JSON objects add nothing; ingest sets them aside."""
    fields: dict[str, tuple[str, ...]] = {}
    records = 0
    with closing(_leading_lines(_text_chunks(path, compressed, encoding), HEADER_TEXT_BYTES)) as lines:
        for line in lines:
            text = line.removeprefix(codecs.BOM_UTF8).strip(b" \t") if line is not None else None
            if text == b"":
                continue
            records += 1
            if records == 1 and text == b"{":
                raise _fail(name, JSON_DOCUMENT)
            try:
                # Decoded here: json.loads would take a line with NUL bytes for UTF-16.
                record = json.loads(text.decode("utf-8")) if text is not None else None
                if isinstance(record, dict):
                    _flatten(record, (), fields)
            except (ValueError, RecursionError):
                pass
            if len(fields) > MAX_COLUMNS:
                raise _fail(name, f"has over {MAX_COLUMNS:,} fields; at most {MAX_COLUMNS:,} are read (an export of "
                                  "consent, requests or policies has far fewer): is it the right file?")
            if records >= HEADER_RECORDS:
                break
    if not records:
        raise _fail(name, "the file is empty")
    if not fields:
        raise _fail(name, f"none of its first {plural(records, 'line')} is a JSON object with a field: export one "
                          "object per line (JSON Lines)")
    return list(fields), [_json_pointer(keys) for keys in fields.values()]


def _parquet_header(schema) -> tuple[list[str], list[ParquetField]]:
    """A Parquet file's header (its columns, structs flattened to dotted names) and where each field is."""
    import pyarrow as pa

    header: list[str] = []
    fields: list[ParquetField] = []

    def walk(name: str, kind, column: int, keys: tuple[str, ...]) -> None:
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_struct(kind) and kind.num_fields:
            for child in kind:
                walk(f"{name}.{child.name}", child.type, column, (*keys, child.name))
            return
        if pa.types.is_nested(kind):
            form = "json"
        elif pa.types.is_timestamp(kind):
            form = "timestamp_utc" if kind.tz else "timestamp"
        else:
            form = "text"
        header.append(name)
        fields.append(ParquetField(column, keys, form))

    for column, top in enumerate(schema):
        walk(top.name, top.type, column, ())
    return header, fields


def _open_parquet(name: str, path: Path, size: int) -> OpenedExport:
    """A Parquet file's header, checked against the limits from its footer, and its SHA-256."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if size > MAX_TEXT_BYTES:
        raise _fail(name, f"holds more than {MAX_TEXT_BYTES:,} bytes; at most that is read from one file: split it "
                          "and load the parts")
    digest = hashlib.sha256()
    for chunk in _raw_chunks(path, False):
        digest.update(chunk)
    try:
        with open(path, "rb") as handle:
            footer = pq.ParquetFile(handle)
            rows, schema = footer.metadata.num_rows, footer.schema_arrow
    except (pa.ArrowException, ValueError, EOFError):
        raise _fail(name, "cannot be read as a Parquet file: its metadata is damaged or cut short") from None
    if rows > MAX_ROWS:
        raise _fail(name, f"has {rows:,} rows; at most {MAX_ROWS:,} are loaded from one file: split it and load "
                          "the parts")
    header, fields = _parquet_header(schema)
    if len(header) > MAX_COLUMNS:
        raise _fail(name, f"has {len(header):,} columns; at most {MAX_COLUMNS:,} are read (an export of consent, "
                          "requests or policies has far fewer): is it the right file?")
    if not header:
        raise _fail(name, "is a Parquet file without columns")
    return OpenedExport(
        name=name,
        sha256=digest.hexdigest(),
        read_path=path,
        encoding="utf-8",
        source_encoding="utf-8",  # Parquet text is UTF-8 by definition
        delimiter="",
        header=header,
        skip_lines=-1,
        # A text value may hold a NUL byte like a CSV line: ingest looks.
        has_nul=True,
        layout="parquet",
        parquet_fields=fields,
        parquet_columns=len(schema),
    )


def open_export(path: Path, display_name: str | None = None, *, work_dir: Path | None = None) -> OpenedExport:
    """Check that a file is a readable export within the limits, and find its layout, dialect and header.

    CSV (delimited text), newline-delimited JSON and Parquet are read; a JSON array, a spreadsheet and other
    files are refused with one line saying what they are. A copy DuckDB reads instead of the file (a
    Windows-1252 or big-endian UTF-16 file made UTF-8, a file with over-long lines made safe) goes in
    `work_dir`, made this account's only if missing, or else the system's temporary folder;
    `OpenedExport.cleanup()` removes it.
    """
    name = display_name or path.name
    try:
        refuse_what_is_not_a_file(name, path)
        size = path.stat().st_size
        if size == 0:
            raise _fail(name, "the file is empty")
        with open(path, "rb") as handle:
            compressed = handle.read(2) == b"\x1f\x8b"
        if not compressed and size > MAX_TEXT_BYTES:
            raise _fail(name, f"holds more than {MAX_TEXT_BYTES:,} bytes of text; at most that is read from "
                              "one file: split it and load the parts")
        head = next(_raw_chunks(path, compressed), b"")
        if not head:
            raise _fail(name, "the file is empty")
        layout = _layout(name, path, head, compressed)
        if layout == "parquet":
            return _open_parquet(name, path, size)
        survey = _survey(name, path, compressed, head)
        encoding = survey.encoding
        # DuckDB reads UTF-16 as little-endian only (a big-endian file gives no rows and no error).
        needs_copy = encoding == "cp1252" or survey.has_long_line or head.startswith(codecs.BOM_UTF16_BE)
        pointers: list[str] = []
        if layout == "ndjson":
            header, pointers = _json_header(name, path, compressed, encoding)
            delimiter, skipped = JSON_LINE_DELIMITER, -1
            mark_row = LONG_LINE_MARK.encode("utf-8")
            needs_copy = needs_copy or survey.has_json_delimiter
        else:
            header, delimiter, skipped = _header(name, *_head_text(path, compressed, encoding))
            # A row of marks with as many fields as the header, so that it fails on nothing but its marks.
            mark_row = delimiter.join([LONG_LINE_MARK] * len(header)).encode("utf-8")
        if len(header) > MAX_COLUMNS:
            raise _fail(name, f"has {len(header):,} columns; at most {MAX_COLUMNS:,} are read (an export of consent, "
                              "requests or policies has far fewer): is it the right file?")
        temporary = []
        read_path, read_encoding = path, encoding
        if needs_copy:
            read_path = _utf8_copy(path, compressed, encoding, mark_row, work_dir, json_lines=layout == "ndjson")
            temporary.append(read_path)
            read_encoding = "utf-8"
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise _fail(name, "cannot be read: its compressed data is damaged or cut short") from None
    except OSError as error:
        raise _fail(name, f"cannot be read: {error.strerror or type(error).__name__}") from None
    return OpenedExport(
        name=name,
        sha256=survey.sha256,
        read_path=read_path,
        encoding=read_encoding,
        source_encoding=encoding,
        delimiter=delimiter,
        header=header,
        skip_lines=skipped,
        temporary=temporary,
        has_nul=survey.has_nul or survey.has_long_line,
        layout=layout,
        json_pointers=pointers,
    )
