"""Nothing of a file is lost without a word: over-long lines and NUL bytes are rejected rows with their
line, compressed files are stopped at the first limit they cross, and a path that is no file of the
upload (a pipe, a device, a socket, a link leading out) is refused in one line that quotes nothing."""

import gzip
import os
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dashboard import reading
from dashboard.ingest import UnusableFile, ingest_file
from dashboard.reading import open_export

PROJECT = Path(__file__).resolve().parent.parent
HEADER = "event_id,subject_id,occurred_at,purpose,decision,policy_version,channel,region\n"
LONG_LINE = "the line is longer than 2,000,000 bytes, the most one line may hold"
NUL = "the line contains a NUL byte (character 0), which no text export holds: the file may be damaged there"
FEWER = "the line has fewer fields than the header"


def row(event: str, purpose: str = "marketing") -> str:
    return f"{event},u-{event},2024-03-01,{purpose},opt_in,v1,web,EU\n"


def rejected(store) -> list[tuple]:
    return store.execute("SELECT line, reason FROM rejected_rows ORDER BY line").fetchall()


def events(store) -> list[str]:
    return [event for (event,) in store.execute("SELECT event_id FROM consent ORDER BY event_id").fetchall()]


def test_a_33_mb_line_is_a_rejected_row_and_every_other_row_loads(store, tmp_path):
    export = tmp_path / "long.csv"
    with export.open("w") as out:
        out.write(HEADER + row("a1"))
        out.write("a2,u-a2,2024-03-01,marketing,opt_in,v1," + "w" * 33_000_000 + ",EU\n")  # line 3
        out.write(row("a3") + "a4,u-a4,2024-03-01\n" + row("a5"))  # lines 4, 5 (a field short) and 6
    report = ingest_file(store, "consent", export)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 3, 2)
    assert rejected(store) == [(3, LONG_LINE), (5, FEWER)]
    assert events(store) == ["a1", "a3", "a5"]


def test_a_line_just_over_2_mb_at_the_8_mb_mark_does_not_take_the_rows_after_it_along(store, tmp_path):
    # DuckDB's reader drops a line over its limit that starts just past one of the 8 MB marks of the file,
    # and the rows after it (here both), without a rejected row. Eight rows of 1 MB (in an extra column,
    # which is not stored) bring the long line there.
    export = tmp_path / "mark.csv"
    head = HEADER.replace("region\n", "region,note\n")
    padding = [f"p{number},u-p{number},2024-03-01,marketing,opt_in,v1,web,EU," for number in range(8)]
    room = 8_000_050 - len(head) - sum(len(line) + 1 for line in padding)
    notes = [room // 8] * 7 + [room - 7 * (room // 8)]
    text = head + "".join(line + "n" * note + "\n" for line, note in zip(padding, notes, strict=True))
    assert len(text) == 8_000_050
    with export.open("w") as out:
        out.write(text)  # the header and lines 2 to 9
        out.write("long,u-long,2024-03-01,marketing,opt_in,v1,web,EU," + "n" * 2_100_000 + "\n")  # line 10
        out.write(row("next").replace("EU\n", "EU,\n") + row("last").replace("EU\n", "EU,\n"))
    report = ingest_file(store, "consent", export)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (11, 10, 1)
    assert rejected(store) == [(10, LONG_LINE)]
    assert events(store) == ["last", "next", *(f"p{number}" for number in range(8))]


def test_lines_over_the_limit_keep_every_later_line_number_and_the_quoting(store, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_LINE_BYTES", 1_000)
    long_line = "b2,u-b2,2024-03-01,marketing,opt_in,v1," + "w" * 5_000 + ",EU\n"
    # A quoted field spanning lines, whose middle line is over the limit: the record is one rejected
    # row, and the lines after it are read as written, not as the inside of a quote.
    quoted = 'b4,u-b4,2024-03-01,marketing,opt_in,v1,"a note\n' + "w" * 5_000 + '\nends here",EU\n'
    export = tmp_path / "limit.csv"
    export.write_text(HEADER + row("b1") + long_line + row("b3") + quoted + row("b5") + "b6,u-b6\n" + row("b7")
                      + long_line.replace("b2", "b8").removesuffix("\n"))
    report = ingest_file(store, "consent", export)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (8, 4, 4)
    # b4's record spans three lines; rejected-row numbers count one line per record (see the README).
    assert rejected(store) == [(3, "the line is longer than 1,000 bytes, the most one line may hold"),
                               (5, "the line is longer than 1,000 bytes, the most one line may hold"),
                               (7, FEWER),
                               (9, "the line is longer than 1,000 bytes, the most one line may hold")]
    assert events(store) == ["b1", "b3", "b5", "b7"]


def test_nul_bytes_anywhere_reject_their_row_with_that_reason(store, tmp_path):
    # A NUL in the first 64 KB (line 3) and one past it (`market\0ing`, line 2,002), among rows DuckDB sets
    # aside itself (a field short): every line number stays right and nothing with a NUL is stored.
    rows = [row("n1"), row("n2", "market\0ing"), "n3,u-n3\n"]
    rows += [row(f"m{number:04}") for number in range(1_996)]
    rows += ["m-short\n", row("n4", "market\0ing"), row("n5"), "\0\0\0\n", row("n6")]
    export = tmp_path / "nul.csv"
    export.write_bytes((HEADER + "".join(rows)).encode())
    assert export.read_bytes().find(b"market\0ing", 65_536) > 0
    report = ingest_file(store, "consent", export)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2_004, 1_999, 5)
    assert rejected(store) == [(3, NUL), (4, FEWER), (2_001, FEWER), (2_002, NUL), (2_004, NUL)]
    assert "n4" not in events(store) and "n5" in events(store) and "n6" in events(store)
    assert store.execute("SELECT count(*) FROM consent WHERE purpose LIKE 'market%ing' AND purpose <> 'marketing'"
                         ).fetchone()[0] == 0


@pytest.mark.parametrize("name, content", [
    ("utf16.csv", (HEADER + row("u1")).encode("utf-16-le")),  # UTF-16 without its byte-order mark
    ("zeros.csv", b"\0" * 4096),
    ("binary.csv", bytes(range(256)) * 4),
])
def test_a_file_that_is_not_text_is_still_refused_whole(store, tmp_path, name, content):
    export = tmp_path / name
    export.write_bytes(content)
    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", export)
    assert str(refused.value) == f"{name}: is not a text file (it contains NUL bytes); export it as CSV"


def test_a_row_bomb_is_refused_while_it_unpacks_with_little_memory(tmp_path):
    # A gzip file of 101 members, a header and a hundred times 10 MB of one row: 1 GB of text (23 million
    # rows) in 3 MB. The limits are the real ones.
    bomb = tmp_path / "bomb.csv.gz"
    line = row("e").encode()
    block = gzip.compress(line * (10_000_000 // len(line)), compresslevel=9)
    with bomb.open("wb") as out:
        out.write(gzip.compress(HEADER.encode()))
        for _ in range(100):
            out.write(block)
    assert bomb.stat().st_size < 4_000_000
    child = """
import resource, sys
from pathlib import Path
from dashboard.ingest import UnusableFile, ingest_file
from dashboard.store import open_store
store = open_store(Path(sys.argv[1]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    ingest_file(store, "consent", Path(sys.argv[2]))
    print("loaded")
except UnusableFile as refusal:
    print(refusal)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
    result = subprocess.run([sys.executable, "-c", child, str(tmp_path / "store.duckdb"), str(bomb)],
                            cwd=PROJECT, capture_output=True, text=True, check=True, timeout=600)
    message, grown_kb = result.stdout.splitlines()
    assert message == ("bomb.csv.gz: unpacks to over 200 times its compressed size, which no real export does; "
                       "it looks built to exhaust the server: check where it came from")
    # Read past 50 MB of text and stopped, chunk by chunk: the process grew by far less than what it read.
    assert int(grown_kb) < 40_000


def test_rows_past_the_limit_are_refused_while_the_file_is_read(store, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 1_000)
    text = HEADER + "".join(row(f"r{number}") for number in range(1_001))
    for name, content in (("rows.csv.gz", gzip.compress(text.encode())), ("rows.csv", text.encode())):
        export = tmp_path / name
        export.write_bytes(content)
        with pytest.raises(UnusableFile) as refused:
            ingest_file(store, "consent", export)
        assert str(refused.value) == (f"{name}: has more than 1,000 lines besides its header; at most 1,000 rows "
                                      "are loaded from one file: split it and load the parts")
    exactly = tmp_path / "exactly.csv.gz"
    exactly.write_bytes(gzip.compress((HEADER + "".join(row(f"r{number}") for number in range(1_000))).encode()))
    assert ingest_file(store, "consent", exactly).rows_loaded == 1_000


def test_text_past_the_byte_limit_is_refused(store, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_TEXT_BYTES", 100_000)
    text = HEADER + "".join(row(f"s{number}") for number in range(3_000))  # about 140 KB
    for name, content, where in (("big.csv.gz", gzip.compress(text.encode()), " once uncompressed"),
                                 ("big.csv", text.encode(), "")):
        export = tmp_path / name
        export.write_bytes(content)
        with pytest.raises(UnusableFile) as refused:
            ingest_file(store, "consent", export)
        assert str(refused.value) == (f"{name}: holds more than 100,000 bytes of text{where}; at most that is "
                                      "read from one file: split it and load the parts")
    assert store.execute("SELECT count(*) FROM uploads").fetchone()[0] == 0


def test_real_exports_expand_far_less_than_the_bound(store, tmp_path, monkeypatch):
    # Checked from the first megabyte on: a compressed export of distinct rows (about 12:1) loads.
    monkeypatch.setattr(reading, "EXPANSION_CHECKED_AFTER", 1_000_000)
    text = HEADER + "".join(row(f"event-{number:06}") for number in range(40_000))
    export = tmp_path / "real.csv.gz"
    export.write_bytes(gzip.compress(text.encode()))
    assert len(text) > 1_000_000 and len(text) < 30 * export.stat().st_size
    assert ingest_file(store, "consent", export).rows_loaded == 40_000


def first_block_device() -> Path | None:
    for entry in sorted(Path("/dev").iterdir()):
        try:
            if stat.S_ISBLK(entry.lstat().st_mode):
                return entry
        except OSError:
            continue
    return None


def test_pipes_devices_and_sockets_are_refused_by_what_they_are(store, tmp_path, monkeypatch):
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)  # opening it would wait for a writer forever
    monkeypatch.chdir(tmp_path)  # a socket's path must be short
    listener = socket.socket(socket.AF_UNIX)
    listener.bind("socket.csv")
    try:
        cases = [(pipe, "is a named pipe, not a file"),
                 (Path("/dev/null"), "is a character device, not a file"),
                 (tmp_path / "socket.csv", "is a socket, not a file")]
        device = first_block_device()
        if device is not None:
            cases.append((device, "is a block device, not a file"))
        for path, problem in cases:
            with pytest.raises(UnusableFile) as refused:
                ingest_file(store, "consent", path, display_name="export.csv")
            assert str(refused.value) == f"export.csv: {problem}"
    finally:
        listener.close()


def test_a_link_out_of_its_folder_is_refused_without_reading_it(store, tmp_path):
    outside, uploads = tmp_path / "secrets", tmp_path / "uploads"
    outside.mkdir()
    uploads.mkdir()
    secret = outside / "secrets.toml"
    secret.write_text("cookie_secret = canary-7f3a\n")
    (uploads / "export.csv").symlink_to(secret)
    (uploads / "relative.csv").symlink_to("../secrets/secrets.toml")
    for name in ("export.csv", "relative.csv"):
        with pytest.raises(UnusableFile) as refused:
            ingest_file(store, "consent", uploads / name)
        assert str(refused.value) == (f"{name}: is a link to a file outside its folder, which is not followed: "
                                      "load the file itself")
    # A link within its folder is followed.
    (uploads / "real.csv").write_text(HEADER + row("k1"))
    (uploads / "latest.csv").symlink_to("real.csv")
    assert ingest_file(store, "consent", uploads / "latest.csv").rows_loaded == 1


def test_no_refusal_quotes_the_file(store, tmp_path):
    # The first line of a file that is no table (a secret, /etc/passwd) is described, never shown.
    export = tmp_path / "notes.csv"
    export.write_text("cookie_secret = canary-7f3a\n")
    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", export)
    assert str(refused.value) == ("notes.csv: is not a delimited file: its first line has no comma, semicolon, "
                                  "tab or pipe (it is 27 characters long)")


def test_transcoded_copies_go_to_the_folder_given_never_the_system_one(tmp_path, monkeypatch):
    system = tmp_path / "system-temp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    export = tmp_path / "latin.csv"
    export.write_bytes((HEADER + row("c1").replace("web", "caf\xe9")).encode("cp1252"))
    private = tmp_path / "store.duckdb.work"
    opened = open_export(export, work_dir=private)
    assert opened.source_encoding == "cp1252"
    assert opened.read_path.parent == private
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert stat.S_IMODE(opened.read_path.stat().st_mode) == 0o600
    assert "café" in opened.read_path.read_text(encoding="utf-8")
    assert list(system.iterdir()) == []
    opened.cleanup()
    assert list(private.iterdir()) == []
