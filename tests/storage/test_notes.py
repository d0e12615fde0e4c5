"""Dated notes: one entry per note with its author and date; purged with the file; in the
access statement (relevé droit d'accès)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conseiller_app.domain.errors import ValidationError
from conseiller_app.storage import models as m
from conseiller_app.storage.services import access, beneficiaries, followup, retention


def person(ctx):
    return beneficiaries.create(ctx, {"last_name": "Martin", "first_name": "Léa", "birth_date": "1991-05-17",
                                      "commune": "Arras", "public": "rsa", "spotting_date": "2023-01-05"})


def test_notes_are_dated_signed_entries_newest_first(ctx, clock):
    bid = person(ctx)
    with pytest.raises(ValidationError):
        followup.add_note(ctx, bid, "   ")
    with pytest.raises(ValidationError):
        followup.add_note(ctx, bid, "Demain", written_on=clock.value + timedelta(days=1))
    followup.add_note(ctx, bid, "Appel : permis B en cours.", written_on=clock.value - timedelta(days=3))
    followup.add_note(ctx, bid, "Rendez-vous à l'agence lundi.")
    notes = followup.notes(ctx, bid)
    assert [(n.written_on, n.author, n.text) for n in notes] == [
        (clock.value, "Marie Dupont", "Rendez-vous à l'agence lundi."),
        (clock.value - timedelta(days=3), "Marie Dupont", "Appel : permis B en cours.")]
    # the file's history says it in French (it showed the code « note_added »)
    assert [(e.action, e.action_label) for e in followup.audit_trail(ctx, bid)[:2]] == [
        ("note_added", "Note ajoutée"), ("note_added", "Note ajoutée")]
    statement = access.gather(ctx, bid)
    assert [n["text"] for n in statement["dated_notes"]] == [n.text for n in notes]


def test_a_purge_blanks_the_notes(ctx, clock):
    bid = person(ctx)
    followup.add_note(ctx, bid, "Note à effacer", written_on=date(2023, 2, 1))
    with ctx.vault.session() as s:
        s.get(m.Beneficiary, bid).last_contact = date(2023, 2, 1)
    ids = [f.id for f in retention.candidates(ctx).files]
    assert bid in ids
    retention.purge(ctx, [bid])
    with ctx.vault.session() as s:
        note = s.scalars(select(m.Note)).one()
        assert note.text == "" and note.deleted_at is not None
