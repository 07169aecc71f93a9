"""``/poll export`` through the one export helper: a French club's file opens in one column
per field, ids intact, formulas neutralised; Excel gives the same rows; English uses ','."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from bot.errors import InvalidInput
from tests.actors import member, moderator
from tests.polls.conftest import GUILD, MOD, MODERATOR, make_poll

ALICE, BOB = 1_234_567_890_123_456_781, 1_234_567_890_123_456_782  # 19 digits, as Discord's


async def _public_poll(polls, locale: str):
    await polls.ctx.club.update(moderator(GUILD, MOD), locale=locale)
    poll = await make_poll(polls, anonymous=False, choices="=SUM(A1);2\nRecherche, filtres\n@everyone")
    await polls.click(member(GUILD, ALICE), poll.id, 1)
    await polls.click(member(GUILD, BOB), poll.id, 2)
    return poll


async def test_french_club_csv_has_semicolons_bom_whole_ids_and_no_formula(polls):
    """Parsed with csv.reader(delimiter=';'): one column per field, French headers, ids whole, '= neutralised."""
    poll = await _public_poll(polls, "fr")
    data = (await polls.export(MODERATOR, poll.id)).file.data
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Votant (identifiant Discord)", "N° du choix", "Choix", "Voté le (Europe/Paris)"]
    assert all(len(row) == 4 for row in rows) and len(rows) == 3
    by_voter = {int(row[0].strip("<@>")): row for row in rows[1:]}
    assert set(by_voter) == {ALICE, BOB}
    assert by_voter[ALICE][2] == "'=SUM(A1);2" and by_voter[BOB][2] == "Recherche, filtres"
    assert by_voter[ALICE][3] == "30/11/2026 10:00"  # the fake clock's 09:00 UTC, in Paris


async def test_french_club_xlsx_has_the_same_rows(polls):
    """format xlsx: openpyxl reads the same rows, ids as text of every digit, the formula as text."""
    poll = await _public_poll(polls, "fr")
    csv_rows = list(csv.reader(io.StringIO((await polls.export(MODERATOR, poll.id)).file.data.decode("utf-8-sig")),
                               delimiter=";"))
    exported = await polls.export(MODERATOR, poll.id, "xlsx")
    assert exported.file.filename == f"poll-{poll.id}.xlsx" and exported.rows == 2
    sheet = load_workbook(io.BytesIO(exported.file.data)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == csv_rows[0]
    assert sorted((v[0], v[1], v[2]) for v in values[1:]) == [
        (str(ALICE), 1, "=SUM(A1);2"), (str(BOB), 2, "Recherche, filtres")]
    assert sorted(f"<@{v[0]}>" for v in values[1:]) == sorted(r[0] for r in csv_rows[1:])
    assert all(v[3].strftime("%d/%m/%Y %H:%M") == "30/11/2026 10:00" for v in values[1:])
    assert all(cell.data_type == "s" for cell in sheet["C"])


async def test_english_club_uses_commas(polls):
    """An English club's export uses ',' and English headers."""
    poll = await _public_poll(polls, "en")
    text = (await polls.export(MODERATOR, poll.id)).file.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Voter (Discord id)", "Choice number", "Choice", "Voted at (Europe/Paris)"]
    assert all(len(row) == 4 for row in rows) and ";" not in text.splitlines()[0]


async def test_unknown_format_is_refused(polls):
    """A format other than csv or xlsx names the field."""
    poll = await _public_poll(polls, "en")
    with pytest.raises(InvalidInput) as info:
        await polls.export(MODERATOR, poll.id, "ods")
    assert info.value.params["field"] == "format"
