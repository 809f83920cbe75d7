# ruff: noqa: E501 (the fixed XML parts of the package are kept whole, as the standard writes them)
"""A one-sheet XLSX file written straight as its XML parts.

openpyxl builds an object per cell and, without lxml, serialises them slowly: 100,000 rows of
a dozen columns take it a quarter of a minute. An export needs only text, numbers and times,
so the sheet is written here as strings (inline strings, one date-time style) and zipped;
openpyxl, Excel and LibreOffice read it like any other workbook.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

XlsxValue = str | int | float | Decimal | datetime | None
EXCEL_EPOCH = datetime(1899, 12, 30)
SECONDS_A_DAY = 86_400
# Characters XML 1.0 does not allow, even escaped.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DATE_TIME_STYLE = 1

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
SHEET_START = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"""
SHEET_END = "</sheetData></worksheet>"


def workbook_bytes(rows: Iterable[Sequence[XlsxValue]], sheet_title: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(name=quoteattr(sheet_title)))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        archive.writestr("xl/worksheets/sheet1.xml", _sheet(rows))
    return buffer.getvalue()


def _sheet(rows: Iterable[Sequence[XlsxValue]]) -> str:
    # Imported here: openpyxl brings numpy and Pillow, 30 MB of the bot's memory, and most bot
    # processes never write a workbook.
    from openpyxl.utils import get_column_letter

    parts = [SHEET_START]
    letters: list[str] = []
    for number, row in enumerate(rows, start=1):
        while len(letters) < len(row):
            letters.append(get_column_letter(len(letters) + 1))
        cells = "".join(
            _cell(f"{letters[index]}{number}", value)
            for index, value in enumerate(row)
            if value is not None and value != ""
        )
        parts.append(f'<row r="{number}">{cells}</row>')
    parts.append(SHEET_END)
    return "".join(parts)


def _cell(reference: str, value: XlsxValue) -> str:
    match value:
        case bool():
            return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
        case int() | float() | Decimal():
            return f'<c r="{reference}"><v>{value}</v></c>'
        case datetime():
            serial = _serial(value)
            return f'<c r="{reference}" s="{DATE_TIME_STYLE}"><v>{serial}</v></c>'
        case _:
            text = escape(NOT_IN_XML.sub("", str(value)))
            return (
                f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
            )


def _serial(moment: datetime) -> str:
    """Excel's day number of a wall-clock time (no zone: Excel knows none)."""
    elapsed = moment.replace(tzinfo=None) - EXCEL_EPOCH
    seconds = elapsed.days * SECONDS_A_DAY + elapsed.seconds
    return repr(seconds / SECONDS_A_DAY)
