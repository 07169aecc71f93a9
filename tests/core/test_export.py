"""The one export helper (``bot/export.py``): CSV and Excel written for the club's spreadsheets."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from bot import export
from bot.errors import InvalidInput

SNOWFLAKE = 1_234_567_890_123_456_789  # 19 digits: a float would keep 15 of them
VOTED = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # 18:00 in Paris (winter)


def table(title: str = "Voté le") -> export.Table:
    columns = [
        export.Column("Membre", "member"), export.Column("Choix"), export.Column("Note", "number"),
        export.Column("Rappel", "yes_no"), export.Column(title, "time"),
    ]
    rows = [
        [SNOWFLAKE, "=HYPERLINK(\"http://x\";\"clic\")", 7.5, True, VOTED],
        [SNOWFLAKE + 1, "Recherche; filtres, « tri »", 3, False, None],
        [SNOWFLAKE + 2, "@here -1 +1", None, True, VOTED],
    ]
    return export.Table("poll-7", "Sondage 7", columns, rows)


def read_csv(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def test_french_csv_has_a_bom_semicolons_and_one_column_per_field():
    """A French club's CSV: BOM, ';' between cells (one column per field even with ; and , in a
    cell), French headers and values, the time in the club's zone named in the header."""
    file = export.write(table(), "csv", locale="fr", timezone="Europe/Paris")
    assert file.filename == "poll-7.csv" and file.data.startswith(b"\xef\xbb\xbf")
    rows = read_csv(file.data, ";")
    assert all(len(row) == 5 for row in rows)
    assert rows[0] == ["Membre", "Choix", "Note", "Rappel", "Voté le (Europe/Paris)"]
    assert rows[1][2:] == ["7,5", "oui", "03/12/2026 18:00"]
    assert rows[2][1:] == ["Recherche; filtres, « tri »", "3", "non", ""]
    assert file.data.count(b"\r\n") == 4


def test_ids_keep_every_digit_and_formulas_never_run():
    """Ids come back whole from the text (``<@id>``, never a number); member text starting with
    = + - @ is neutralised with a leading quote."""
    rows = read_csv(export.write(table(), "csv", locale="fr", timezone="Europe/Paris").data, ";")
    assert [int(row[0].strip("<@>")) for row in rows[1:]] == [SNOWFLAKE, SNOWFLAKE + 1, SNOWFLAKE + 2]
    assert all(not row[0][0].isdigit() for row in rows[1:])
    assert rows[1][1] == "'=HYPERLINK(\"http://x\";\"clic\")" and rows[3][1] == "'@here -1 +1"
    assert not any(cell[:1] in ("=", "+", "-", "@") for row in rows for cell in row)


def test_english_csv_uses_commas_and_iso_like_times():
    """An English club's CSV: ',' between cells, yes/no, 2026-12-03 18:00, the same rows."""
    file = export.write(table("Voted at"), "csv", locale="en", timezone="Europe/Paris")
    rows = read_csv(file.data, ",")
    assert all(len(row) == 5 for row in rows) and file.data.startswith(b"\xef\xbb\xbf")
    assert rows[0][4] == "Voted at (Europe/Paris)"
    assert rows[1][2:] == ["7.5", "yes", "2026-12-03 18:00"]
    assert read_csv(file.data, ";")[1] != rows[1]  # not readable with the French separator


def test_xlsx_opens_with_openpyxl_with_the_same_rows():
    """The workbook holds the CSV's rows: header, ids as text of all digits, real times in the
    club's zone, numbers as numbers, formula-looking text as a text cell (no formula)."""
    file = export.write(table(), "xlsx", locale="fr", timezone="Europe/Paris")
    assert file.filename == "poll-7.xlsx"
    sheet = load_workbook(io.BytesIO(file.data)).active
    assert sheet.title == "Sondage 7"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values == [
        ["Membre", "Choix", "Note", "Rappel", "Voté le (Europe/Paris)"],
        [str(SNOWFLAKE), "=HYPERLINK(\"http://x\";\"clic\")", 7.5, "oui", datetime(2026, 12, 3, 18, 0)],
        [str(SNOWFLAKE + 1), "Recherche; filtres, « tri »", 3, "non", None],
        [str(SNOWFLAKE + 2), "@here -1 +1", None, "oui", datetime(2026, 12, 3, 18, 0)],
    ]
    assert {cell.data_type for cell in sheet["B"]} == {"s"} and {cell.data_type for cell in sheet["A"]} == {"s"}
    assert sheet["E2"].number_format == "dd/mm/yyyy hh:mm" and sheet.freeze_panes == "A2"
    csv_rows = read_csv(export.write(table(), "csv", locale="fr", timezone="Europe/Paris").data, ";")
    assert len(csv_rows) == len(values) and csv_rows[0] == values[0]


def test_formats_and_shapes_are_checked():
    """Only csv and xlsx; a row of the wrong length is a programming error."""
    with pytest.raises(InvalidInput):
        export.check_format("ods")
    assert export.check_format("xlsx") == "xlsx"
    bad = export.Table("x", "x", [export.Column("a")], [["1", "2"]])
    with pytest.raises(ValueError):
        export.write(bad, "csv", locale="en", timezone="UTC")
    assert export.delimiter("fr") == ";" and export.delimiter("en-GB") == ","
