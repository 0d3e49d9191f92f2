"""The SIP policy matrix (STYLE P4): each row checks the pure decision and its Q twin."""

from typing import Any

import pytest

from samverkan.access.tests.factories import actor_of
from samverkan.children.tests.test_policies import USERS
from samverkan.plans import policies, selectors
from samverkan.plans.models import CoordinatedPlan
from samverkan.plans.tests.factories import called_sip

# Under the SIP consent: the school's principal, counsellor and special educator and the team's
# social workers and unit head are its recipients; the caller (counsellor) and the team's named
# social worker write; the counsellor, named person of the lead organisation, agrees.
READ = {"principal", "counsellor", "team_worker", "unit_head"}
WRITE = {"counsellor", "team_worker"}
AGREE = {"counsellor"}


def _decide(world: Any, user: str, plan: CoordinatedPlan) -> tuple[Any, Any, Any, bool]:
    actor = actor_of(world.users[user])
    context = selectors.PlanContext(
        plan,
        selectors.plan_facts(plan=selectors._plans().get(pk=plan.pk)),
        selectors.plan_consents(child=plan.child),
    )
    by_filter = (
        CoordinatedPlan.objects.filter(policies.plans_visible_to(actor, context.consents))
        .filter(pk=plan.pk)
        .exists()
    )
    return (
        policies.can_view_plan(actor, context.facts, context.consents),
        policies.can_edit_plan(actor, context.facts, context.consents),
        policies.can_agree_plan(actor, context.facts, context.consents),
        by_filter,
    )


@pytest.mark.parametrize("user", USERS)
def test_plan_under_consent_matrix(world: Any, user: str) -> None:
    sip = called_sip(world)

    view, edit, agree, by_filter = _decide(world, user, sip.plan)

    assert bool(view) is (user in READ), view.reason
    assert by_filter is (user in READ)
    assert bool(edit) is (user in WRITE), edit.reason
    assert bool(agree) is (user in AGREE), agree.reason


@pytest.mark.parametrize("user", USERS)
def test_plan_without_consent_is_the_callers_alone(world: Any, user: str) -> None:
    sip = called_sip(world, linked=False)

    view, edit, agree, by_filter = _decide(world, user, sip.plan)

    assert bool(view) is (user == "counsellor")
    assert by_filter is (user == "counsellor")
    assert bool(edit) is (user == "counsellor")
    assert not agree
    assert agree.reason in ("no_consent", "other_tenant")


@pytest.mark.parametrize("user", USERS)
def test_plan_under_a_consent_one_side_has_not_confirmed_is_closed_to_all(
    world: Any, user: str
) -> None:
    sip = called_sip(world, confirmed=("school",))

    view, edit, agree, by_filter = _decide(world, user, sip.plan)

    assert not view
    assert not by_filter
    assert not edit
    assert not agree


@pytest.mark.parametrize("user", USERS)
def test_withdrawn_consent_closes_the_plan_to_the_caller_too(world: Any, user: str) -> None:
    sip = called_sip(world)
    sip.consent.parties.update(withdrawn_at="2020-01-01T00:00:00Z")

    view, _edit, _agree, by_filter = _decide(world, user, sip.plan)

    assert not view
    assert not by_filter


def test_teacher_ticked_in_the_consent_reads_but_does_not_write(world: Any) -> None:
    sip = called_sip(world)
    sip.consent.recipients.create(unit=world.school1, role="teacher")

    view, edit, agree, by_filter = _decide(world, "teacher", sip.plan)

    assert view
    assert by_filter
    assert edit.reason == "not_participant"
    assert agree.reason == "not_lead"


def test_organisation_not_named_by_the_consent_opens_nothing(world: Any) -> None:
    sip = called_sip(world)
    sip.consent.units.remove(world.team)

    for user in READ:
        view, _edit, _agree, by_filter = _decide(world, user, sip.plan)
        assert not view
        assert not by_filter


def test_information_exchange_consent_does_not_carry_a_sip(world: Any) -> None:
    sip = called_sip(world)
    type(sip.consent).objects.filter(pk=sip.consent.pk).update(purpose="information_exchange")

    view, _edit, _agree, by_filter = _decide(world, "principal", sip.plan)

    assert not view
    assert not by_filter


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("principal", True),
        ("counsellor", True),
        ("nurse", True),
        ("teacher", False),
        ("intake", True),
        ("team_worker", True),
        ("family_coordinator", False),
        ("steering", False),
        ("principal_b", False),
    ],
)
def test_who_calls_a_sip(world: Any, user: str, allowed: bool) -> None:
    from samverkan.children import selectors as child_selectors

    actor = actor_of(world.users[user])
    relation = child_selectors.child_relation(child=world.child1)

    assert bool(policies.can_call_plan(actor, relation)) is allowed
