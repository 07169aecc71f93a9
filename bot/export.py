"""Every file a moderator downloads as a table: one helper, CSV or Excel, written for the
spreadsheets people open them with.

A feature builds a :class:`Table` — typed :class:`Column`\\ s and rows of plain values —
and :func:`write` turns it into a :class:`~bot.ports.File` in the club's language and
time zone:

- **CSV**: UTF-8 with a BOM (Excel then reads the accents right), CRLF line ends, ``;``
  between cells in a French club (French Excel reads ``,`` as the decimal mark and would
  put every row in column A) and ``,`` in an English one, every cell quoted when needed.
- **Excel** (``.xlsx``, openpyxl): the same rows, a bold frozen header row, times as real
  date cells, numbers as numbers, member text and ids as text cells.
- **Headers and values in the club's language**: the caller gives translated titles;
  ``yes``/``no`` and times are rendered here (``oui``/``non``, ``03/12/2026 18:00`` in
  French, ``2026-12-03 18:00`` in English). A time column's header names its zone,
  ``Voté le (Europe/Paris)``: times are in the club's zone, never UTC.
- **Discord ids keep every digit.** A snowflake has 17–20 digits; a spreadsheet reads a
  bare number and keeps 15 significant digits, so ``123456789012345678`` would come back
  as ``123456789012345000``. A leading apostrophe is Excel's typing trick, not CSV: any
  CSV reader keeps it as part of the value. So in a CSV a member id is written in Discord's
  own text form, ``<@123456789012345678>`` — never a number, pasted into Discord it is a
  mention, and ``int(cell.strip("<@>"))`` gives the id back. In Excel it is a text cell of
  the digits alone.
- **No formula runs.** A member's or a moderator's text starting with ``= + - @`` (or a
  tab or CR) is a formula to a spreadsheet; in a CSV it gets a leading ``'``
  (:func:`bot.anonymity.csv_safe`), in Excel it is stored as a text cell (openpyxl would
  otherwise write it as a formula), its text unchanged.

No ``discord`` here: features call :func:`write` from their services.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot import anonymity
from bot.errors import InvalidInput
from bot.i18n import normalise_locale, t
from bot.ports import File

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")

Kind = Literal["text", "number", "yes_no", "time", "member"]
"""How a column's cells are written: ``text`` (str, neutralised), ``number`` (int/float),
``yes_no`` (bool), ``time`` (aware datetime, shown in the club's zone), ``member`` (a
Discord user id, int)."""

Cell = str | int | float | bool | datetime | None

_TIME_FORMATS = {"fr": ("%d/%m/%Y %H:%M", "dd/mm/yyyy hh:mm"), "en": ("%Y-%m-%d %H:%M", "yyyy-mm-dd hh:mm")}


@dataclass(frozen=True)
class Column:
    """One column: its ``title`` already in the club's language, and its :data:`Kind`."""

    title: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """What a feature exports: ``name`` (the file name without extension, e.g.
    ``poll-12``), ``sheet`` (the Excel sheet's title, ≤ 31 characters), the columns and
    the rows (one value per column, ``None`` for an empty cell)."""

    name: str
    sheet: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]


def delimiter(locale: str) -> str:
    """The CSV separator a club's spreadsheets expect: ``;`` in French, ``,`` in English."""
    return ";" if normalise_locale(locale) == "fr" else ","


def check_format(value: str) -> Format:
    """``value`` as a :data:`Format`; raises ``InvalidInput('export.error.format')`` otherwise."""
    for fmt in FORMATS:
        if value == fmt:
            return fmt
    raise InvalidInput("export.error.format", field="format")


def write(table: Table, fmt: Format, *, locale: str, timezone: str) -> File:
    """``table`` as a ``.csv`` or ``.xlsx`` :class:`~bot.ports.File`, in the club's
    ``locale`` (``fr``/``en``) and IANA ``timezone``. Raises ``ValueError`` for another
    format or a row whose length is not the number of columns."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    for row in table.rows:
        if len(row) != len(table.columns):
            raise ValueError(f"a row of {len(row)} cells in a table of {len(table.columns)} columns")
    headers = [_header(column, locale, timezone) for column in table.columns]
    if fmt == "xlsx":
        return File(f"{table.name}.xlsx", _xlsx(table, headers, locale, timezone))
    return File(f"{table.name}.csv", _csv(table, headers, locale, timezone))


def _lang(locale: str) -> Literal["fr", "en"]:
    return "fr" if normalise_locale(locale) == "fr" else "en"


def _header(column: Column, locale: str, timezone: str) -> str:
    if column.kind == "time":
        return t(locale, "export.header.zone", title=column.title, timezone=timezone)
    return column.title


def _local(value: datetime, timezone: str) -> datetime:
    """An aware instant as the club's naive wall-clock time (spreadsheets have no zones)."""
    return value.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def _csv_cell(value: Cell, kind: Kind, locale: str, timezone: str) -> str:
    """One CSV cell as text: see the module's rules."""
    if value is None:
        return ""
    if kind == "yes_no":
        return t(locale, "export.yes" if value else "export.no")
    if kind == "time" and isinstance(value, datetime):
        return _local(value, timezone).strftime(_TIME_FORMATS[_lang(locale)][0])
    if kind == "member":
        return f"<@{int(value)}>"  # type: ignore[arg-type]
    if kind == "number" and isinstance(value, float) and _lang(locale) == "fr":
        return str(value).replace(".", ",")
    if kind == "number" and isinstance(value, int | float):
        return str(value)
    return anonymity.csv_safe(value)


def _csv(table: Table, headers: list[str], locale: str, timezone: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter(locale), lineterminator="\r\n")
    writer.writerow([anonymity.csv_safe(h) for h in headers])
    for row in table.rows:
        writer.writerow([_csv_cell(v, c.kind, locale, timezone) for v, c in zip(row, table.columns, strict=True)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: Cell, kind: Kind, locale: str, timezone: str) -> str | int | float | datetime | None:
    """One Excel cell's value: real times and numbers, text for the rest (ids as digits)."""
    if value is None:
        return None
    if kind == "yes_no":
        return t(locale, "export.yes" if value else "export.no")
    if kind == "time" and isinstance(value, datetime):
        return _local(value, timezone)
    if kind == "member":
        return str(int(value))  # type: ignore[arg-type]
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def _xlsx(table: Table, headers: list[str], locale: str, timezone: str) -> bytes:
    """The workbook's bytes: one sheet, header row bold and frozen, widths from the content."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = _sheet_title(table.sheet)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    widths = [len(h) for h in headers]
    for r, row in enumerate(table.rows, start=2):
        for c, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
            cell = sheet.cell(row=r, column=c, value=_xlsx_value(value, column.kind, locale, timezone))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: "=1+1" from a member is no formula
            elif isinstance(cell.value, datetime):
                cell.number_format = _TIME_FORMATS[_lang(locale)][1]
            widths[c - 1] = max(widths[c - 1], min(len(str(cell.value or "")), 60))
    sheet.freeze_panes = "A2"
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width + 2
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """An Excel sheet title: ≤ 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip() or "Cercle"
    return cleaned[:31]
