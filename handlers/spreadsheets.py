"""Tables written as CSV or XLSX for a person to open in Excel or Google Sheets.

A cell a spreadsheet would take for a formula (it starts with ``=``, ``+``, ``-`` or ``@``, or
a tab or carriage return) gets a leading apostrophe, so an exported name like
``=HYPERLINK(...)`` stays text; import takes the apostrophe off again.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from crm.services.exports import Cell as ExportCell
from handlers.xlsx_writer import XlsxValue, workbook_bytes

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALIZER = "'"
TIME_FORMAT = "%Y-%m-%d %H:%M"
SHEET_TITLE_MAX = 31
# What an export or a report puts in a cell.
Cell = ExportCell | float


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def neutralized(text: str) -> str:
    return NEUTRALIZER + text if text.startswith(FORMULA_STARTS) else text


def _text_cell(value: Cell) -> str:
    match value:
        case None:
            return ""
        case datetime():
            return value.strftime(TIME_FORMAT)
        case str():
            return neutralized(value)
        case float() if value.is_integer():
            # A report's percentage of 80.0 reads as 80, as it does in the XLSX file.
            return str(int(value))
        case _:
            return str(value)


def _xlsx_cell(value: Cell) -> XlsxValue:
    match value:
        case datetime():
            # Excel has no time zones: the wall-clock time of the reader's zone.
            return value.replace(tzinfo=None)
        case str():
            return neutralized(value)
        case _:
            return value


def table_bytes(
    file_format: FileFormat, header: Sequence[str], rows: Iterable[Sequence[Cell]], title: str
) -> bytes:
    if file_format is FileFormat.CSV:
        return csv_bytes(header, rows)
    return xlsx_bytes(header, rows, title)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte order mark, so Excel reads Cyrillic right when it opens the file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralized(name) for name in header])
    writer.writerows([_text_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]], title: str) -> bytes:
    cells = ([_xlsx_cell(value) for value in row] for row in rows)
    return workbook_bytes(
        itertools.chain([[neutralized(name) for name in header]], cells), _sheet_title(title)
    )


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return cleaned[:SHEET_TITLE_MAX] or "export"
