"""Opening an export for DuckDB's CSV reader: what the path is, compression, encoding, dialect, header and limits."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import os
import re
import stat
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

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
    # Some line holds a NUL byte (or LONG_LINE_MARK): ingest looks for those rows and sets them aside.
    has_nul: bool = False

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


def _refuse_what_is_not_a_file(name: str, path: Path) -> None:
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
    return _Survey(encoding, census.has_nul, census.has_long_line, digest.hexdigest())


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

    def __init__(self, mark_row: bytes):
        self.mark_row = mark_row
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
        return (b'"' if content.count(b'"') % 2 else b"") + self.mark_row + line[len(content) :]

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
            line = (b'"' if self.quotes % 2 else b"") + self.mark_row
            self.over, self.quotes = False, 0
            return line
        line, self.open_line = bytes(self.open_line), bytearray()
        return line


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _split_keeping_ends(text: bytes) -> list[bytes]:
    """`text` cut after each line end (LF, CRLF or CR)."""
    return _LINE.findall(text)


def _utf8_copy(path: Path, compressed: bool, encoding: str, mark_row: bytes, work_dir: Path | None) -> Path:
    """A UTF-8 copy of the file without any line over MAX_LINE_BYTES, written chunk by chunk, in `work_dir`
    (made this account's only) or else the system's temporary folder."""
    if work_dir is not None:
        work_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=".csv", prefix="export-utf8-", dir=work_dir)
    limiter = _LineLimiter(mark_row)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in _text_chunks(path, compressed, encoding):
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


def open_export(path: Path, display_name: str | None = None, *, work_dir: Path | None = None) -> OpenedExport:
    """Check that a file is a readable delimited text file within the limits, and find its dialect and header.

    A copy DuckDB reads instead of the file (a Windows-1252 file made UTF-8, a file with over-long lines
    made safe) goes in `work_dir`, made this account's only if missing, or else the system's temporary
    folder; `OpenedExport.cleanup()` removes it.
    """
    name = display_name or path.name
    try:
        _refuse_what_is_not_a_file(name, path)
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
        _refuse_binary(name, head)
        survey = _survey(name, path, compressed, head)
        encoding = survey.encoding
        header, delimiter, skipped = _header(name, *_head_text(path, compressed, encoding))
        if len(header) > MAX_COLUMNS:
            raise _fail(name, f"has {len(header):,} columns; at most {MAX_COLUMNS:,} are read (an export of consent, "
                              "requests or policies has far fewer): is it the right file?")
        temporary = []
        read_path, read_encoding = path, encoding
        if encoding == "cp1252" or survey.has_long_line:
            # A row of marks with as many fields as the header, so that it fails on nothing but its marks.
            mark_row = delimiter.join([LONG_LINE_MARK] * len(header)).encode("utf-8")
            read_path = _utf8_copy(path, compressed, encoding, mark_row, work_dir)
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
    )
