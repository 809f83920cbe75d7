"""Reading a CSV or XLSX file a person sent: its header row and its rows as text.

CSV comes as UTF-8 (with or without Excel's byte order mark) or as Windows-1251, which Excel
writes for Cyrillic on Ukrainian Windows; commas or semicolons. Reading stops one row past the
limit, so a million-row file is refused without holding it all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from crm.errors import ValidationFailed
from crm.services.imports import MAX_COLUMNS, MAX_ROWS

MAX_FILE_BYTES = 20 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "cp1251")
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


def read_table(file_name: str, content: bytes) -> Table:
    suffix = PurePath(file_name).suffix.casefold()
    if len(content) > MAX_FILE_BYTES:
        raise ValidationFailed("import-file-too-large", details={"limit": 20})
    match suffix:
        case ".csv" | ".txt":
            rows = _csv_rows(content)
        case ".xlsx":
            rows = _xlsx_rows(content)
        case _:
            raise ValidationFailed("import-unknown-format")
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows or len(rows) < 2:
        raise ValidationFailed("import-empty")
    headers = [cell.strip() for cell in rows[0]]
    if len(headers) > MAX_COLUMNS:
        raise ValidationFailed("import-too-many-columns", details={"limit": MAX_COLUMNS})
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationFailed("import-too-many-rows", details={"limit": MAX_ROWS})
    return Table(headers=headers, rows=rows[1:])


def _csv_rows(content: bytes) -> list[list[str]]:
    text = _decoded(content)
    header_line = text.split("\n", 1)[0]
    # Excel writes ";" where the decimal mark is a comma, as in Ukraine; others write ",".
    delimiter = max(DELIMITERS, key=header_line.count)
    rows: list[list[str]] = []
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        rows.append(row)
        if len(rows) > MAX_ROWS + 1:
            break
    return rows


def _decoded(content: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("import-encoding")


def _xlsx_rows(content: bytes) -> list[list[str]]:
    # Imported here: openpyxl brings numpy and Pillow, 30 MB of the bot's memory, and most bot
    # processes never read a workbook.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationFailed("import-unknown-format") from error
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    rows: list[list[str]] = []
    if sheet is not None:
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            rows.append(_without_trailing_blanks([_text(value) for value in values]))
            if len(rows) > MAX_ROWS + 1:
                break
    workbook.close()
    return rows


def _without_trailing_blanks(cells: list[str]) -> list[str]:
    """A read-only sheet pads rows to the widest it reads; the padding is no column."""
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _text(value: object) -> str:
    match value:
        case None:
            return ""
        case datetime():
            return value.strftime("%Y-%m-%d %H:%M")
        case date():
            return value.isoformat()
        case float() if value.is_integer():
            return str(int(value))
        case _:
            return str(value)
