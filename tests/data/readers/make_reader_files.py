"""Writes the small files the reader tests load: UTF-16 CSV both ways round, newline-delimited JSON (plain,
gzipped, nested), Parquet, and the files that are refused whole (a JSON array, three spreadsheets).

Run it once (`python tests/data/readers/make_reader_files.py`); the files stay beside it and the tests read
them as they are. Every subject is a made-up device id.

Where the bytes of a format come from:
- UTF-16 with its byte-order mark: FE FF then big-endian code units, FF FE then little-endian (Unicode 15,
  section 3.10, D98).
- JSON Lines: one JSON text (RFC 8259) per line, lines ending in LF (https://jsonlines.org/).
- Parquet: written by DuckDB's own `COPY ... TO ... (FORMAT parquet)`.
- Excel 2007+ (.xlsx): an Open Packaging Conventions ZIP whose workbook part is `xl/workbook.xml`
  (ECMA-376 Part 1, 12.3.23 and Part 2).
- OpenDocument spreadsheet (.ods): a ZIP whose first entry, `mimetype`, stored uncompressed, holds
  `application/vnd.oasis.opendocument.spreadsheet` (ODF 1.2 Part 3, 3.3).
- Excel 97-2003 (.xls): a compound file ([MS-CFB] 2.2 header, 2.6 directory entries) holding a stream named
  `Workbook` ([MS-XLS] 2.1.2). Only its header and first directory sector are written: what a reader needs to
  tell it is a workbook; no cell is in it.
"""

from __future__ import annotations

import gzip
import sys
import zipfile
from pathlib import Path

import duckdb

FOLDER = Path(__file__).resolve().parent

CSV_TEXT = (
    "subject_id,occurred_at,purpose,decision\n"
    "device-001,2024-03-01T09:00:00Z,Marketing,yes\n"
    "device-002,2024-03-02 14:30:00,Research & Development,no\n"
    "device-003,2024-03-03,Café newsletter,granted\n"
)

JSON_LINES = (
    '{"subject_id": "device-001", "occurred_at": "2024-03-01T09:00:00Z", "purpose": "marketing", '
    '"decision": "opt_in"}\n'
    '{"subject_id": "device-002", "occurred_at": "2024-03-01T10:30:00+01:00", "purpose": "Marketing", '
    '"decision": "granted"}\n'
    "\n"
    '{"subject_id": "device-003", "occurred_at": "2024-03-02", "purpose": "research_development", '
    '"decision": "opt_out"\n'
    '{"subject_id": "device-003", "occurred_at": "2024-03-02", "purpose": "research_development", '
    '"decision": "opt_out"}\n'
    '{"subject_id": "device-004", "occurred_at": 1709424000, "purpose": "communications", '
    '"decision": "acknowledge"}\n'
    '{"subject_id": "device-005", "occurred_at": "2024-03-04", "purpose": "marketing", "decision": "maybe"}\n'
)

NESTED_LINES = (
    '{"event_id": "evt-1", "user": {"id": "device-101", "country": "FR"}, "occurred_at": "2024-04-01T08:00:00Z", '
    '"purpose": "marketing", "decision": "opt_in", '
    '"consents": {"purposes": [{"id": "marketing", "enabled": true}]}}\n'
    '{"event_id": "evt-2", "user": {"id": "device-102", "region": "IDF"}, "occurred_at": "2024-04-02T08:00:00Z", '
    '"purpose": "marketing", "decision": "opt_out", "consents": {"purposes": []}}\n'
    '{"event_id": "evt-3", "user": {"id": "device-101"}, "occurred_at": "2024-04-03T08:00:00Z", '
    '"purpose": "research_development", "decision": "opt_in", '
    '"consents": {"purposes": [{"id": "research_development", "enabled": true}]}, "meta": {}}\n'
)

JSON_ARRAY = (
    "[\n"
    '  {"subject_id": "device-001", "occurred_at": "2024-03-01", "purpose": "marketing", "decision": "opt_in"},\n'
    '  {"subject_id": "device-002", "occurred_at": "2024-03-02", "purpose": "marketing", "decision": "opt_out"}\n'
    "]\n"
)

PARQUET_ROWS = """
    SELECT * FROM (VALUES
        ('pq-1', {'id': 'device-201', 'country': 'DE'}, TIMESTAMPTZ '2024-05-01 10:00:00+02:00', 'marketing',
         'opt_in', ['web']),
        ('pq-2', {'id': 'device-202', 'country': 'FR'}, TIMESTAMPTZ '2024-05-01 23:30:00-02:00', 'marketing',
         'opt_out', ['web', 'app']),
        ('pq-3', {'id': 'device-203', 'country': 'FR'}, TIMESTAMPTZ '2024-05-02 12:00:00+00:00', 'marketing',
         'maybe', []),
        ('pq-4', {'id': 'device-201', 'country': 'DE'}, TIMESTAMPTZ '2024-05-03 08:15:30.25+00:00',
         'research_development', 'opt_in', ['app']),
        ('pq-5', {'id': 'device-204', 'country': 'IT'}, TIMESTAMPTZ '2024-05-04 00:00:00+00:00', 'communications',
         'acknowledge', NULL)
    ) AS rows(event_id, "user", occurred_at, purpose, decision, channels)
"""


def _gzip(data: bytes) -> bytes:
    # mtime 0, so the same text always gives the same bytes.
    return gzip.compress(data, mtime=0)


def _entry(name: str) -> zipfile.ZipInfo:
    # A fixed time, so the same parts always give the same bytes.
    return zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))


def _xlsx(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(_entry("[Content_Types].xml"),
                         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="'
                         'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        package.writestr(_entry("_rels/.rels"),
                         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
                         '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                         'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                         'Target="xl/workbook.xml"/></Relationships>')
        package.writestr(_entry("xl/workbook.xml"),
                         '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                         'spreadsheetml/2006/main"><sheets><sheet name="consent" sheetId="1"/></sheets></workbook>')


def _ods(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(_entry("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        package.writestr(_entry("content.xml"), '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                                        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
                         compress_type=zipfile.ZIP_DEFLATED)


def _directory_entry(name: str, object_type: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    entry = bytearray(128)
    entry[: len(encoded)] = encoded
    entry[64:66] = len(encoded).to_bytes(2, "little")
    entry[66] = object_type  # 5 root storage, 2 stream
    entry[68:80] = b"\xff" * 12  # no siblings, no child
    return bytes(entry)


def _xls(path: Path) -> None:
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = (0x003E).to_bytes(2, "little")  # minor version
    header[26:28] = (3).to_bytes(2, "little")  # major version 3: 512-byte sectors
    header[28:30] = b"\xfe\xff"  # byte order
    header[30:32] = (9).to_bytes(2, "little")  # sector shift
    header[32:34] = (6).to_bytes(2, "little")  # mini sector shift
    header[44:48] = (1).to_bytes(4, "little")  # one FAT sector
    header[48:52] = (1).to_bytes(4, "little")  # the directory starts at sector 1
    header[56:60] = (4096).to_bytes(4, "little")  # mini stream cutoff
    header[60:64] = b"\xfe\xff\xff\xff"  # no mini FAT
    header[68:72] = b"\xfe\xff\xff\xff"  # no DIFAT sector
    header[76:512] = b"\xff" * 436
    header[76:80] = (0).to_bytes(4, "little")  # the FAT is sector 0
    fat = bytearray(b"\xff" * 512)
    fat[0:4] = b"\xfd\xff\xff\xff"  # sector 0: the FAT itself
    fat[4:8] = b"\xfe\xff\xff\xff"  # sector 1: the directory, end of its chain
    directory = _directory_entry("Root Entry", 5) + _directory_entry("Workbook", 2) + bytes(256)
    path.write_bytes(bytes(header) + bytes(fat) + directory)


def write(folder: Path = FOLDER) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "consent_utf16be.csv").write_bytes(b"\xfe\xff" + CSV_TEXT.encode("utf-16-be"))
    (folder / "consent_utf16le.csv").write_bytes(b"\xff\xfe" + CSV_TEXT.encode("utf-16-le"))
    (folder / "consent.jsonl").write_bytes(JSON_LINES.encode("utf-8"))
    (folder / "consent.jsonl.gz").write_bytes(_gzip(JSON_LINES.encode("utf-8")))
    (folder / "consent_nested.ndjson").write_bytes(NESTED_LINES.encode("utf-8"))
    (folder / "consent_array.json").write_bytes(JSON_ARRAY.encode("utf-8"))
    connection = duckdb.connect()
    target = folder / "consent.parquet"
    target.unlink(missing_ok=True)
    connection.execute(f"COPY ({PARQUET_ROWS}) TO '{target}' (FORMAT parquet)")
    connection.close()
    _xlsx(folder / "consent.xlsx")
    _ods(folder / "consent.ods")
    _xls(folder / "consent.xls")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER)
