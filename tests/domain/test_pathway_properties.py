"""Property-based: no sequence of actions, allowed or refused, leaves a pathway inconsistent
(two open steps, an open step that is not the last, a closed pathway without outcome, a missing
reason...), and a refused action changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import OutcomeCategory, Stage, StepReason, StepStatus
from conseiller_app.domain.errors import ValidationError

TODAY = date(2026, 11, 28)
days = st.integers(min_value=-60, max_value=5).map(lambda n: TODAY + timedelta(days=n))
reasons = st.sampled_from(list(StepReason))
stages = st.sampled_from(list(Stage))


def reasons_for(status: StepStatus) -> st.SearchStrategy[StepReason]:
    """Mostly a reason that fits the status, sometimes any (to be refused)."""
    return st.sampled_from(P.REASONS[status]) | reasons


BY_KIND = {
    P.ActionKind.PROPOSE: st.builds(P.Propose, stages, days, st.none() | reasons),
    P.ActionKind.PLAN: st.builds(P.Plan, days, st.none() | days, st.none() | st.just("session-1")),
    P.ActionKind.UNPLAN: st.just(P.Unplan()),
    P.ActionKind.START: st.builds(P.Start, days),
    P.ActionKind.COMPLETE: st.builds(P.Complete, days),
    P.ActionKind.NOT_DONE: st.builds(P.NotDone, reasons_for(StepStatus.NOT_DONE)),
    P.ActionKind.ABANDON: st.builds(P.Abandon, reasons_for(StepStatus.ABANDONED), days),
    P.ActionKind.SKIP: st.builds(P.Skip, reasons_for(StepStatus.SKIPPED)),
    P.ActionKind.SUSPEND: st.builds(P.Suspend, reasons_for(StepStatus.SUSPENDED)),
    P.ActionKind.RESUME: st.just(P.Resume()),
    P.ActionKind.REORIENT: st.builds(P.Reorient, stages, reasons_for(StepStatus.REDIRECTED), days),
    P.ActionKind.CLOSE: st.builds(P.Close, st.sampled_from(list(OutcomeCategory)), days, st.just(""),
                                  st.none() | st.sampled_from(list(StepStatus)), st.none() | reasons),
    P.ActionKind.SET_DETAILS: st.builds(P.SetDetails, st.integers(0, 12), st.none() | st.just("cipi"),
                                        st.none() | st.just("fpett"), st.none() | st.integers(0, 500_000)),
}
assert set(BY_KIND) == set(P.ActionKind)
actions = st.one_of(*BY_KIND.values())


def likely_action(p: P.Pathway) -> st.SearchStrategy[P.Action]:
    """Mostly an action of a kind the pathway offers now (its parameters still random), sometimes
    any action at all: random sequences alone are refused almost always after a few steps."""
    offered = [*P.allowed_actions(p), P.ActionKind.SET_DETAILS]
    return st.one_of(st.sampled_from(offered).flatmap(BY_KIND.__getitem__), actions)


def check(p: P.Pathway) -> None:
    assert P.problems(p) == []
    open_steps = [s for s in p.steps if s.status.is_open]
    assert len(open_steps) <= 1
    active_stages = [s.stage for s in p.steps if s.status.is_active]
    assert len(active_stages) == len(set(active_stages))
    if p.is_closed:
        assert p.outcome is not None
        assert p.state is P.PathwayState.CLOSED or p.open_step.stage is Stage.FOLLOW_UP
    assert p.current_stage is p.steps[-1].stage
    assert p.steps[0].stage is Stage.SPOTTING


def test_sequences_keep_the_pathway_consistent():
    """Random sequences of actions, most of them refused; the run must also apply every kind of
    action (a few times each at least) (a pathway refusing everything would pass the checks above)."""
    applied: Counter[P.ActionKind] = Counter()

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(st.data(), st.integers(0, 40))
    def run(data, length):
        p = P.Pathway.new(date(2026, 1, 5))
        for _ in range(length):
            a = data.draw(likely_action(p))
            allowed = P.allowed_actions(p)
            try:
                after = P.apply(p, a, TODAY)
            except (P.TransitionRefused, ValidationError) as exc:
                assert (exc.message and not exc.message.isascii()) or "." in exc.message
                continue  # a refusal leaves ``p`` as it was (immutable)
            # What applies is among what the buttons offer (details are edited at any time).
            assert a.kind in allowed or a.kind is P.ActionKind.SET_DETAILS, (a.kind, allowed)
            assert len(after.steps) >= len(p.steps)  # steps are only appended...
            for old, new in zip(p.steps, after.steps, strict=False):  # ...and finished ones never change status
                if not old.status.is_open:
                    assert new.status is old.status
            p = after
            applied[a.kind] += 1
            check(p)

    run()
    never = {kind for kind in P.ActionKind if not applied[kind]}
    assert not never, f"never applied: {never} (applied: {dict(applied)})"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([Stage.AWARENESS, Stage.TASTER, Stage.PREP_COURSE, Stage.AGENCY,
                                 Stage.AGENCY_PREP, Stage.TRAINING, Stage.JOB]), min_size=1, max_size=10),
       st.sampled_from(list(OutcomeCategory)))
def test_forward_pathways_close_with_their_outcome(targets, outcome):
    """Proposing forward stages (skipping with a reason), doing each, then closing always works."""
    p = P.Pathway.new(date(2026, 1, 5))
    for stage in targets:
        try:
            p = p.apply(P.Propose(stage, TODAY, skip_reason=StepReason.ALREADY_EXPERIENCED), TODAY)
        except P.TransitionRefused as exc:
            assert exc.code == "backwards"
            p = p.apply(P.Reorient(stage, StepReason.PROJECT_CHANGED, TODAY), TODAY)
        p = p.apply(P.Start(TODAY), TODAY).apply(P.Complete(TODAY), TODAY)
        check(p)
    p = p.apply(P.Close(outcome, TODAY), TODAY)
    check(p)
    assert p.outcome is outcome and p.current_stage is Stage.EXIT
