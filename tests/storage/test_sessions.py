"""Sessions: creation with holiday warnings, waiting list first in first promoted, attendance
saved per tap, walk-ins, and the pathway following registrations and attendance."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from conseiller_app.domain.errors import DuplicateFile, ValidationError, ValidationErrors
from conseiller_app.storage import models as m
from conseiller_app.storage.services import beneficiaries, pathway, sessions


def person(ctx, last="Lefèvre", first="Zoé", commune="Arras", birth="1990-04-05"):
    return beneficiaries.create(ctx, {"last_name": last, "first_name": first, "birth_date": birth,
                                      "commune": commune, "public": "rsa"})


def atelier(ctx, capacity=2, start="2026-12-07", end=None, **kw):
    data = {"kind": "sensibilisation", "title": "Atelier BTP — Arras", "start_date": start, "end_date": end or start,
            "commune": "Arras", "place": "MDS d'Arras, salle 2", "capacity": capacity, "chantier": "csne",
            "trades": ["macon"]}
    data.update(kw)
    return sessions.create(ctx, data).id


def test_create_validates_and_flags_holidays(ctx):
    out = sessions.create(ctx, {"kind": "decouverte", "title": "Découverte", "start_date": "2026-12-24",
                                "end_date": "2026-12-26", "commune": "Lens", "capacity": 8})
    assert out.warnings == ("Le 25/12/2026 est un jour férié (Noël).", "Le 26/12/2026 est un samedi.")
    got = sessions.get(ctx, out.id)
    assert got.territory == "lens_lievin" and got.seats_left == 8  # territory from the commune
    with pytest.raises(ValidationErrors) as exc:
        sessions.create(ctx, {"kind": "atelier?", "title": "", "start_date": "2026-12-24", "end_date": "2026-12-20",
                              "capacity": 0})
    fields = set(exc.value.by_field())
    assert {"kind", "title", "capacity", "end_date", "territory"} <= fields


def test_waiting_list_first_in_first_promoted(ctx, clock):
    sid = atelier(ctx, capacity=2)
    a, b, c, d = (person(ctx, last=n) for n in ("Alpha", "Bravo", "Charlie", "Delta"))
    assert sessions.register(ctx, sid, a).status == "inscrit"
    assert sessions.register(ctx, sid, b).status == "inscrit"
    r = sessions.register(ctx, sid, c)
    assert (r.status, r.position) == ("liste_attente", 1)
    assert sessions.register(ctx, sid, d).position == 2
    with pytest.raises(ValidationError):
        sessions.register(ctx, sid, c)  # already on the list
    out = sessions.withdraw(ctx, sid, a)
    assert [p.beneficiary_id for p in out.promoted] == [c]  # first in, first promoted
    got = sessions.get(ctx, sid)
    assert (got.registered, got.waiting) == (2, 1)
    assert [(p.beneficiary_id, p.position) for p in got.participants if p.status == "liste_attente"] == [
        (d, 1)]
    # the withdrawn person's step goes back to proposée, the promoted one's is planned
    assert pathway.get(ctx, a).steps[-1].status == "proposee"
    assert pathway.get(ctx, c).steps[-1].status == "planifiee"
    # a waiting-list withdrawal promotes nobody; a larger capacity promotes
    assert sessions.withdraw(ctx, sid, d).promoted == ()
    e = person(ctx, last="Echo")
    sessions.register(ctx, sid, e)
    assert [p.beneficiary_id for p in sessions.update(ctx, sid, {"capacity": 3}).promoted] == [e]
    with pytest.raises(ValidationError):
        sessions.update(ctx, sid, {"capacity": 1})
    # re-registering after a withdrawal reuses the row
    assert sessions.register(ctx, sid, a).status == "liste_attente"


def test_attendance_per_tap_and_results_move_the_pathway(ctx, clock, vault):
    sid = atelier(ctx, capacity=5, start="2026-12-07")
    a, b, c = person(ctx, last="Alpha"), person(ctx, last="Bravo"), person(ctx, last="Charlie")
    regs = {x: sessions.register(ctx, sid, x).registration_id for x in (a, b, c)}
    clock.value = date(2026, 12, 7)
    sessions.set_attendance(ctx, regs[a], "present")
    sessions.set_attendance(ctx, regs[b], "absent")
    sessions.set_attendance(ctx, regs[c], "absent")
    sessions.set_attendance(ctx, regs[c], "excuse")  # a second tap corrects the first
    with vault.session() as s:  # each tap is committed at once
        assert s.get(m.Registration, regs[c]).attendance == "excuse"
        taps = s.scalars(select(m.AuditEntry.action).where(m.AuditEntry.action == "attendance")).all()
        assert len(taps) == 4
    with pytest.raises(ValidationError):
        sessions.set_attendance(ctx, regs[a], "peut-être")
    assert [p.last_name for p in sessions.participants(ctx, sid, "brav")] == ["Bravo"]
    out = sessions.record_results(ctx, sid)
    assert out.updated == 3 and out.attendance_missing == 0
    assert pathway.get(ctx, a).steps[-1].status == "realisee"
    last_b = pathway.get(ctx, b).steps[-1]
    assert (last_b.status, last_b.reason) == ("non_realisee", "absent")
    assert pathway.get(ctx, c).steps[-1].status == "proposee"  # excused: to reschedule
    assert sessions.record_results(ctx, sid).updated == 0  # idempotent


def test_results_say_per_person_what_was_done_and_what_was_not(ctx, clock):
    """« Reporter les présences » used to count one update and skip the others in silence."""
    from conseiller_app.domain import pathway as P
    from conseiller_app.domain.enums import OutcomeCategory, Stage, StepReason, StepStatus

    sid = atelier(ctx, capacity=5, start="2026-12-07")
    moved, closed, unpointed = person(ctx, last="Alpha"), person(ctx, last="Bravo"), person(ctx, last="Charlie")
    today = ctx.today()
    pathway.apply(ctx, closed, [P.Propose(Stage.JOB, today, skip_reason=StepReason.ALREADY_EXPERIENCED),
                                P.Start(today), P.Close(OutcomeCategory.DURABLE_JOB, today, "CDII", StepStatus.DONE)])
    regs = {}
    for x in (moved, closed, unpointed):
        out = sessions.register(ctx, sid, x)
        regs[x] = out.registration_id
    assert "n'a pas été mis à jour" in sessions.register(ctx, atelier(ctx), closed).pathway_note
    clock.value = date(2026, 12, 7)
    sessions.set_attendance(ctx, regs[moved], "present")
    sessions.set_attendance(ctx, regs[closed], "present")
    out = sessions.record_results(ctx, sid)
    by_name = {p.last_name: p for p in out.people}
    assert by_name["Alpha"].outcome == "updated"
    assert by_name["Bravo"].outcome == "unchanged" and "parcours clôturé" in by_name["Bravo"].detail
    assert by_name["Charlie"].outcome == "not_pointed"
    again = {p.last_name: p for p in sessions.record_results(ctx, sid).people}
    assert again["Alpha"].outcome == "unchanged" and again["Alpha"].detail.startswith("déjà reporté")


def test_walk_in_creates_a_minimal_file_to_complete(ctx, clock):
    sid = atelier(ctx, capacity=1)
    person_id = person(ctx)
    sessions.register(ctx, sid, person_id)
    clock.value = date(2026, 12, 7)
    out = sessions.add_walk_in(ctx, sid, {"last_name": "Dupré-Lagarde", "first_name": "Maëlle",
                                          "birth_date": "12/03/1999"})
    assert out.status == "inscrit"  # in the room: beyond capacity
    f = beneficiaries.get(ctx, out.beneficiary_id)
    assert f.to_complete and f.commune_name == "Arras" and f.public == "autre"
    got = sessions.get(ctx, sid)
    walk = [p for p in got.participants if p.walk_in]
    assert len(walk) == 1 and walk[0].attendance == "present" and walk[0].to_complete
    assert pathway.get(ctx, out.beneficiary_id).steps[-1].status == "planifiee"
    with pytest.raises(ValidationErrors):
        sessions.add_walk_in(ctx, sid, {"last_name": "Sans", "first_name": "Date"})


def test_a_walk_in_with_the_name_and_birth_date_of_a_file_creates_no_duplicate(ctx, clock):
    sid = atelier(ctx, capacity=5)
    existing = person(ctx, last="Lefèvre", first="Zoé", birth="1990-04-05")
    clock.value = date(2026, 12, 7)
    walk_in = {"last_name": "LEFEVRE", "first_name": "zoé", "birth_date": "05/04/1990"}
    with pytest.raises(DuplicateFile) as exc:
        sessions.add_walk_in(ctx, sid, walk_in)
    assert [d.id for d in exc.value.matches] == [existing]
    assert beneficiaries.count(ctx) == 1 and sessions.get(ctx, sid).participants == ()  # nothing written
    # The conseiller recognises the person: her own file is registered and marked present.
    out = sessions.add_walk_in(ctx, sid, walk_in, existing_id=existing)
    assert out.beneficiary_id == existing and beneficiaries.count(ctx) == 1
    (p,) = sessions.get(ctx, sid).participants
    assert p.attendance == "present" and p.walk_in
    # A namesake, really someone else: created once confirmed.
    other = sessions.add_walk_in(ctx, atelier(ctx), walk_in, create_anyway=True)
    assert other.beneficiary_id != existing and beneficiaries.count(ctx) == 2


def test_list_filters(ctx):
    atelier(ctx, capacity=1, start="2026-12-07")
    atelier(ctx, capacity=3, start="2027-01-11", chantier="erbm", trades=["plaquiste"])
    sessions.create(ctx, {"kind": "sas", "title": "SAS Lens", "start_date": "2027-02-01", "end_date": "2027-02-26",
                          "commune": "Lens", "capacity": 10})
    assert len(sessions.list_sessions(ctx)) == 3
    assert [x.chantier for x in sessions.list_sessions(ctx, kind="sensibilisation")] == ["csne", "erbm"]
    assert len(sessions.list_sessions(ctx, territory="lens_lievin")) == 1
    assert len(sessions.list_sessions(ctx, trade="plaquiste")) == 1
    assert len(sessions.list_sessions(ctx, date_from=date(2027, 1, 1))) == 2
    assert sessions.list_sessions(ctx, kind="sas")[0].warnings == ()  # weekends of a 4-week course: normal


def test_registration_the_pathway_cannot_follow_returns_a_note(ctx):
    sid = sessions.create(ctx, {"kind": "sas", "title": "SAS", "start_date": "2027-02-01", "end_date": "2027-02-26",
                                "commune": "Arras", "capacity": 10}).id
    out = sessions.register(ctx, sid, person(ctx))
    assert out.status == "inscrit" and "n'a pas été mis à jour" in out.pathway_note
