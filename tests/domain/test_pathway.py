"""The pathway state machine: every step action from every step status (exhaustive), and the
pathway-level rules (order, skips, réorientation, suspension, closure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import OutcomeCategory, Stage, StepReason, StepStatus
from conseiller_app.domain.errors import ValidationError

TODAY = date(2026, 11, 28)
S = StepStatus
K = P.ActionKind

# Expected result of each step action on the open step, written independently of the code's
# table: None = refused.
EXPECTED: dict[StepStatus, dict[P.ActionKind, StepStatus | None]] = {
    S.PROPOSED: {K.PLAN: S.PLANNED, K.UNPLAN: None, K.START: S.IN_PROGRESS, K.COMPLETE: S.DONE,
                 K.NOT_DONE: S.NOT_DONE, K.ABANDON: None, K.SKIP: S.SKIPPED, K.SUSPEND: S.SUSPENDED,
                 K.RESUME: None, K.REORIENT: S.REDIRECTED},
    S.PLANNED: {K.PLAN: S.PLANNED, K.UNPLAN: S.PROPOSED, K.START: S.IN_PROGRESS, K.COMPLETE: S.DONE,
                K.NOT_DONE: S.NOT_DONE, K.ABANDON: None, K.SKIP: None, K.SUSPEND: S.SUSPENDED,
                K.RESUME: None, K.REORIENT: S.REDIRECTED},
    S.IN_PROGRESS: {K.PLAN: None, K.UNPLAN: None, K.START: None, K.COMPLETE: S.DONE, K.NOT_DONE: None,
                    K.ABANDON: S.ABANDONED, K.SKIP: None, K.SUSPEND: S.SUSPENDED, K.RESUME: None,
                    K.REORIENT: S.REDIRECTED},
}
# A suspended step: resume goes back to what its dates say; ending depends on whether it started.
EXPECTED_SUSPENDED = {
    False: {K.PLAN: None, K.UNPLAN: None, K.START: None, K.COMPLETE: None, K.NOT_DONE: S.NOT_DONE,
            K.ABANDON: None, K.SKIP: None, K.SUSPEND: None, K.RESUME: S.PLANNED, K.REORIENT: S.REDIRECTED},
    True: {K.PLAN: None, K.UNPLAN: None, K.START: None, K.COMPLETE: None, K.NOT_DONE: None,
           K.ABANDON: S.ABANDONED, K.SKIP: None, K.SUSPEND: None, K.RESUME: S.IN_PROGRESS, K.REORIENT: S.REDIRECTED},
}
STEP_KINDS = [K.PLAN, K.UNPLAN, K.START, K.COMPLETE, K.NOT_DONE, K.ABANDON, K.SKIP, K.SUSPEND, K.RESUME, K.REORIENT]
FINAL = [S.DONE, S.ABANDONED, S.NOT_DONE, S.REDIRECTED, S.SKIPPED]


def action_of(kind: P.ActionKind) -> P.Action:
    return {
        K.PLAN: P.Plan(date(2026, 12, 3), date(2026, 12, 3), "session-1"),
        K.UNPLAN: P.Unplan(),
        K.START: P.Start(TODAY),
        K.COMPLETE: P.Complete(TODAY),
        K.NOT_DONE: P.NotDone(StepReason.ABSENT),
        K.ABANDON: P.Abandon(StepReason.REFUSAL, TODAY),
        K.SKIP: P.Skip(StepReason.ALREADY_EXPERIENCED),
        K.SUSPEND: P.Suspend(StepReason.HEALTH),
        K.RESUME: P.Resume(),
        K.REORIENT: P.Reorient(Stage.AWARENESS, StepReason.PROJECT_CHANGED, TODAY),
    }[kind]


def base() -> P.Pathway:
    p = P.Pathway.new(date(2026, 1, 5))
    p = p.apply(P.Propose(Stage.AWARENESS, date(2026, 2, 1)), TODAY)
    p = p.apply(P.Complete(date(2026, 2, 1)), TODAY)
    return p.apply(P.Propose(Stage.TASTER, date(2026, 3, 1)), TODAY)  # open: découverte proposée


def with_open(status: StepStatus, started: bool = False) -> P.Pathway:
    p = base()
    if status is S.PLANNED:
        return p.apply(P.Plan(date(2026, 3, 10)), TODAY)
    if status is S.IN_PROGRESS:
        return p.apply(P.Start(date(2026, 3, 10)), TODAY)
    if status is S.SUSPENDED:
        p = p.apply(P.Plan(date(2026, 3, 10)), TODAY)
        if started:
            p = p.apply(P.Start(date(2026, 3, 10)), TODAY)
        return p.apply(P.Suspend(StepReason.FAMILY), TODAY)
    return p


@pytest.mark.parametrize("status", list(EXPECTED))
@pytest.mark.parametrize("kind", STEP_KINDS)
def test_every_action_from_every_open_status(status, kind):
    p = with_open(status)
    expected = EXPECTED[status][kind]
    assert p.open_step.status is status
    if expected is None:
        with pytest.raises(P.TransitionRefused) as exc:
            p.apply(action_of(kind), TODAY)
        assert "étape" in exc.value.message or "parcours" in exc.value.message  # explained in French
        assert not exc.value.message.isascii()
    else:
        after = p.apply(action_of(kind), TODAY)
        changed = after.steps[len(p.steps) - 1]
        assert changed.status is expected
        assert P.problems(after) == []
        if kind is K.REORIENT:
            assert after.open_step.stage is Stage.AWARENESS and after.open_step.status is S.PROPOSED


@pytest.mark.parametrize("started", [False, True])
@pytest.mark.parametrize("kind", STEP_KINDS)
def test_every_action_from_suspended(started, kind):
    p = with_open(S.SUSPENDED, started)
    assert p.is_suspended and p.state is P.PathwayState.SUSPENDED
    expected = EXPECTED_SUSPENDED[started][kind]
    if expected is None:
        with pytest.raises(P.TransitionRefused):
            p.apply(action_of(kind), TODAY)
    else:
        after = p.apply(action_of(kind), TODAY)
        assert after.steps[len(p.steps) - 1].status is expected
        assert P.problems(after) == []


@pytest.mark.parametrize("final", FINAL)
@pytest.mark.parametrize("kind", STEP_KINDS)
def test_every_action_after_a_final_status(final, kind):
    p = base()
    p = {
        S.DONE: lambda: p.apply(P.Complete(TODAY), TODAY),
        S.ABANDONED: lambda: p.apply(P.Start(TODAY), TODAY).apply(P.Abandon(StepReason.HEALTH, TODAY), TODAY),
        S.NOT_DONE: lambda: p.apply(P.NotDone(StepReason.ABSENT), TODAY),
        S.REDIRECTED: lambda: replace(
            p, steps=(*p.steps[:-1], replace(p.steps[-1], status=S.REDIRECTED, reason=StepReason.PROJECT_CHANGED))
        ),
        S.SKIPPED: lambda: p.apply(P.Skip(StepReason.ALREADY_EXPERIENCED), TODAY),
    }[final]()
    assert p.open_step is None and p.steps[-1].status is final
    if kind is K.REORIENT:  # the only way on from a finished step, besides proposing the next one
        after = p.apply(action_of(kind), TODAY)
        assert after.steps[len(p.steps) - 1].status is final  # finished steps never change
        assert after.open_step.status is S.PROPOSED
    else:
        with pytest.raises(P.TransitionRefused) as exc:
            p.apply(action_of(kind), TODAY)
        assert exc.value.code == "no_open_step"
        assert "proposez" in exc.value.message


def test_table_matches_expectations():
    for status, row in EXPECTED.items():
        for kind, expected in row.items():
            assert P.STEP_TRANSITIONS[status].get(kind) == expected
    assert set(P.STEP_TRANSITIONS) == set(StepStatus)


# --- pathway-level rules -----------------------------------------------------------------------


def test_new_pathway_has_spotting_done():
    p = P.Pathway.new(date(2026, 1, 5))
    assert p.current_stage is Stage.SPOTTING and p.state is P.PathwayState.WAITING
    assert P.next_stage(p) is Stage.AWARENESS


@pytest.mark.parametrize("stage", [Stage.SPOTTING, Stage.EXIT])
def test_special_stages_are_not_proposed(stage):
    with pytest.raises(P.TransitionRefused):
        P.Pathway.new(date(2026, 1, 5)).apply(P.Propose(stage, TODAY), TODAY)


def test_follow_up_only_after_exit():
    with pytest.raises(P.TransitionRefused) as exc:
        P.Pathway.new(date(2026, 1, 5)).apply(P.Propose(Stage.FOLLOW_UP, TODAY), TODAY)
    assert "clôturez" in exc.value.message


def test_skipping_needs_a_reason_and_records_skipped_steps():
    p = P.Pathway.new(date(2026, 1, 5))
    with pytest.raises(P.TransitionRefused) as exc:
        p.apply(P.Propose(Stage.PREP_COURSE, TODAY), TODAY)
    assert "Atelier" in exc.value.message and "Découverte" in exc.value.message and "motif" in exc.value.message
    with pytest.raises(ValidationError):
        p.apply(P.Propose(Stage.PREP_COURSE, TODAY, skip_reason=StepReason.ABSENT), TODAY)  # not a skip reason
    p = p.apply(P.Propose(Stage.PREP_COURSE, TODAY, skip_reason=StepReason.ALREADY_EXPERIENCED), TODAY)
    assert [(s.stage, s.status) for s in p.steps[1:]] == [
        (Stage.AWARENESS, S.SKIPPED), (Stage.TASTER, S.SKIPPED), (Stage.PREP_COURSE, S.PROPOSED)]
    assert all(s.reason is StepReason.ALREADY_EXPERIENCED for s in p.steps[1:3])


def test_going_back_needs_a_reorientation():
    p = base().apply(P.Complete(TODAY), TODAY)  # découverte done
    with pytest.raises(P.TransitionRefused) as exc:
        p.apply(P.Propose(Stage.AWARENESS, TODAY), TODAY)
    assert "réorientation" in exc.value.message
    p = p.apply(P.Reorient(Stage.AWARENESS, StepReason.PROJECT_CHANGED, TODAY), TODAY)
    assert p.open_step.stage is Stage.AWARENESS and p.frontier is Stage.AWARENESS
    assert P.problems(p) == []


def test_repeating_a_stage_after_an_absence():
    p = base().apply(P.NotDone(StepReason.ABSENT), TODAY)
    assert P.next_stage(p) is Stage.TASTER
    p = p.apply(P.Propose(Stage.TASTER, TODAY), TODAY)
    assert p.open_step.stage is Stage.TASTER


def test_one_open_step_at_a_time():
    with pytest.raises(P.TransitionRefused) as exc:
        base().apply(P.Propose(Stage.PREP_COURSE, TODAY, skip_reason=StepReason.OTHER), TODAY)
    assert exc.value.code == "open_step"


def test_suspension_blocks_progress_until_resumed():
    p = with_open(S.SUSPENDED)
    with pytest.raises(P.TransitionRefused) as exc:
        p.apply(P.Complete(TODAY), TODAY)
    assert "reprenez" in exc.value.message
    p = p.apply(P.Resume(), TODAY)
    assert p.open_step.status is S.PLANNED and p.open_step.reason is None


def test_closing_requires_an_outcome_and_ends_the_open_step():
    p = with_open(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        p.apply(P.Close(None, TODAY), TODAY)
    assert "obligatoire" in exc.value.message
    with pytest.raises(P.TransitionRefused) as exc:
        p.apply(P.Close(OutcomeCategory.DURABLE_JOB, TODAY), TODAY)
    assert "avant de clôturer" in exc.value.message
    with pytest.raises(P.TransitionRefused):  # abandon needs a reason (validation) - not done refused
        p.apply(P.Close(OutcomeCategory.OTHER, TODAY, end_status=S.NOT_DONE, end_reason=StepReason.ABSENT), TODAY)
    closed = p.apply(P.Close(OutcomeCategory.DURABLE_JOB, TODAY, "CDI maçon", end_status=S.DONE), TODAY)
    assert closed.is_closed and closed.outcome is OutcomeCategory.DURABLE_JOB
    assert closed.state is P.PathwayState.CLOSED and closed.current_stage is Stage.EXIT
    assert P.problems(closed) == []
    with pytest.raises(P.TransitionRefused):
        closed.apply(P.Close(OutcomeCategory.OTHER, TODAY), TODAY)
    with pytest.raises(P.TransitionRefused):
        closed.apply(P.Propose(Stage.JOB, TODAY), TODAY)
    follow = closed.apply(P.Propose(Stage.FOLLOW_UP, TODAY), TODAY).apply(P.Complete(TODAY), TODAY)
    assert follow.follow_ups_done() == 1 and follow.state is P.PathwayState.CLOSED
    reopened = follow.apply(P.Reorient(Stage.JOB, StepReason.OTHER, TODAY), TODAY)
    assert not reopened.is_closed and reopened.open_step.stage is Stage.JOB


def test_dates_are_checked():
    p = with_open(S.PROPOSED)
    with pytest.raises(ValidationError):
        p.apply(P.Start(date(2027, 1, 1)), TODAY)  # future
    with pytest.raises(ValidationError):
        p.apply(P.Plan(date(2026, 12, 5), date(2026, 12, 1)), TODAY)
    started = p.apply(P.Start(date(2026, 11, 20)), TODAY)
    with pytest.raises(ValidationError):
        started.apply(P.Complete(date(2026, 11, 10)), TODAY)


def test_comments_refuse_a_social_security_number():
    with pytest.raises(ValidationError):
        with_open(S.PROPOSED).apply(P.Skip(StepReason.OTHER, "NIR 1 85 05 78 006 084 36"), TODAY)


def test_summary_lists_allowed_actions_and_proposable_stages():
    s = P.summary(P.Pathway.new(date(2026, 1, 5)))
    assert s["allowed"] == ["propose", "reorient", "close"]
    stages = {x["stage"]: x["skips"] for x in s["proposable"]}
    assert stages["atelier"] == [] and stages["sas"] == ["atelier", "decouverte"]
    assert P.summary(with_open(S.IN_PROGRESS))["allowed"] == ["complete", "abandon", "suspend", "reorient", "close"]


def test_actions_round_trip_as_json():
    for kind in STEP_KINDS:
        a = action_of(kind)
        assert P.Action.from_dict(a.to_dict()).to_dict() == a.to_dict()
    c = P.Close(OutcomeCategory.POSITIVE, TODAY, "formation", S.DONE)
    assert P.Action.from_dict(c.to_dict()) == P.Close("sortie_positive", TODAY, "formation", "realisee")


def test_problems_detects_inconsistencies():
    p = base()
    two_open = replace(p, steps=(*p.steps, P.Step(Stage.TASTER, S.PROPOSED)))
    assert "two_active_steps_same_stage" in P.problems(two_open)
    no_outcome = replace(p, steps=(*p.steps[:-1], P.Step(Stage.EXIT, S.DONE, actual_end=TODAY, actual_start=TODAY)))
    assert any("closed_without_outcome" in x for x in P.problems(no_outcome))
