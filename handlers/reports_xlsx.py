"""A report's rows as an XLSX workbook: one sheet, a bold header row, numbers as numbers."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from handlers.report_views import Sheet

SHEET_TITLE_MAX = 31
# Characters Excel refuses in a sheet's title.
_NOT_IN_TITLES = re.compile(r"[\[\]:*?/\\]")
COLUMN_WIDTH_MAX = 40


def workbook_bytes(sheet: Sheet, title: str) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = _NOT_IN_TITLES.sub(" ", title)[:SHEET_TITLE_MAX]
    worksheet.append(sheet.header)
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        worksheet.append(row)
    for index, column in enumerate(worksheet.columns, start=1):
        width = max(len(str(cell.value or "")) for cell in column) + 2
        worksheet.column_dimensions[get_column_letter(index)].width = min(width, COLUMN_WIDTH_MAX)
    worksheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
