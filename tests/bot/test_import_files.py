"""Reading the files people send for import: Excel's CSV encodings, XLSX, and the files the
bot refuses with a clear reason."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from crm.errors import ValidationFailed
from handlers.spreadsheet_reading import MAX_FILE_BYTES, read_table
from handlers.spreadsheets import csv_bytes, xlsx_bytes


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(file_name: str, content: bytes) -> str:
    with pytest.raises(ValidationFailed) as refused:
        read_table(file_name, content)
    return refused.value.code


def test_a_windows_1251_csv_with_semicolons_from_excel_reads_in_cyrillic() -> None:
    content = "Ім'я;Телефон\nОлена Петренко;067 123 45 67\n".encode("cp1251")

    table = read_table("клієнти.csv", content)

    assert table.headers == ["Ім'я", "Телефон"]
    assert table.rows == [["Олена Петренко", "067 123 45 67"]]


def test_utf8_with_a_byte_order_mark_and_xlsx_numbers_read_as_typed() -> None:
    csv_table = read_table("a.CSV", "\ufeffName,Phone\nOlena,+380671234567\n".encode())
    xlsx_table = read_table("a.xlsx", xlsx([["Name", "Value"], ["Olena", 12000.0], [None, None]]))

    assert csv_table.headers == ["Name", "Phone"]
    assert xlsx_table.rows == [["Olena", "12000"]]


def test_what_export_writes_reads_back_the_same_with_formulas_defused() -> None:
    header, rows = ["Name", "Phone"], [["=cmd|' /C calc'!A0", "+380671234567"]]

    from_csv = read_table("export.csv", csv_bytes(header, rows))
    from_xlsx = read_table("export.xlsx", xlsx_bytes(header, rows, "leads"))

    assert from_csv.rows == from_xlsx.rows == [["'=cmd|' /C calc'!A0", "'+380671234567"]]


def test_bad_files_are_refused_with_a_reason() -> None:
    wide = ",".join(f"c{number}" for number in range(100))

    assert refusal("photo.jpg", b"\xff\xd8") == "import-unknown-format"
    assert refusal("broken.xlsx", b"not a zip") == "import-unknown-format"
    assert refusal("empty.csv", b"") == "import-empty"
    assert refusal("header-only.csv", b"Name,Phone\n") == "import-empty"
    assert refusal("wide.csv", f"{wide}\n{wide}\n".encode()) == "import-too-many-columns"
    assert refusal("huge.csv", b"x" * (MAX_FILE_BYTES + 1)) == "import-file-too-large"
    rows = "Name\n" + "Olena\n" * 100_001
    assert refusal("million.csv", rows.encode()) == "import-too-many-rows"
