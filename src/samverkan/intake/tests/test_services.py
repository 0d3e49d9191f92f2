"""intake.services: the one way in from a school to social services and intake's handling
(R1.2–R1.4, R2.8; SoL 2025:400 19 kap. 1, 5, 6 §§, 20 kap. 1–2 §§; OSL 10 kap. 28 §)."""

import datetime
import uuid
from typing import Any

import pytest
from django.db import DatabaseError
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.access.tests.factories import actor_of, staff
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.children.identity import generate_identity_number
from samverkan.children.models import Note
from samverkan.core.errors import AccessDenied, ConcurrentEdit, NotFound
from samverkan.intake import deadlines, selectors, services
from samverkan.intake.errors import (
    ActionInvalid,
    AlreadyRecorded,
    PossibleDuplicate,
    PossibleName,
    SubmissionInvalid,
)
from samverkan.intake.models import (
    Consultation,
    IntakeItem,
    RoutingRule,
    Supplement,
    TeamSchoolContact,
)
from samverkan.notifications.models import Notification
from samverkan.organisations.models import Unit
from samverkan.organisations.tests.factories import UnitFactory
from samverkan.support.models import Episode

pytestmark = pytest.mark.django_db


def report(world: Any, user: str = "principal", **changes: Any) -> IntakeItem:
    values: dict[str, Any] = {
        "school_id": world.school1.pk,
        "child_id": world.child1.pk,
        "observed": "Eleven berättade i dag att pappa slår.",
        "situation": "Eleven är i skolan och vill inte gå hem.",
        "needs_protection_now": "yes",
        "guardians_informed": "no",
        # Tests that make several reports about one child send them on purpose.
        "confirm_duplicate": True,
    }
    values.update(changes)
    return services.report_submit(actor=actor_of(world.users[user]), **values)


def test_a_report_is_routed_to_the_default_intake_unit_with_a_reference(world: Any) -> None:
    item = report(world)
    assert item.owner_unit_id == world.intake.pk
    assert item.domain == "social_services"
    assert item.reference == f"ANM-{timezone.localdate().year}-000001"
    assert report(world, request_id=uuid.uuid4()).reference.endswith("000002")
    assert item.routed_by_rule_id is None
    assert "Standardmottagning" in item.routing_reason
    assert item.decision_due == deadlines.decision_due(timezone.localdate())
    assert item.feedback_requested_at is not None  # default yes (19 kap. 6 §)


def test_the_report_crosses_under_the_reporting_duty_in_the_audit_log(world: Any) -> None:
    item = report(world)
    entry = AuditEvent.objects.get(event="intake.report_submitted")
    assert entry.purpose == services.REPORTING_DUTY
    assert entry.details["basis"].startswith("OSL 10 kap. 28 §")
    assert entry.child_ids == [str(world.child1.pk)]
    assert entry.object_id == str(item.pk)
    assert entry.actor_username == "rektor"  # the reporter is identified


def test_the_receiving_unit_is_notified_without_child_data(world: Any) -> None:
    item = report(world)
    notice = Notification.objects.get(recipient=world.users["intake"])
    assert item.reference in notice.title
    assert "Ella" not in notice.title + notice.body
    assert world.child1.identity_number not in notice.title + notice.body


def test_required_fields_each_say_what_is_missing(world: Any) -> None:
    with pytest.raises(SubmissionInvalid) as caught:
        report(world, observed=" ", situation="", needs_protection_now="", guardians_informed="x")
    assert set(caught.value.details) == {
        "observed",
        "situation",
        "needs_protection_now",
        "guardians_informed",
    }
    assert IntakeItem.objects.count() == 0


def test_a_double_submit_creates_one_item(world: Any) -> None:
    key = uuid.uuid4()
    first = report(world, request_id=key)
    second = report(world, request_id=key)
    assert first.pk == second.pk
    assert IntakeItem.objects.count() == 1
    assert AuditEvent.objects.filter(event="intake.report_submitted").count() == 1


def test_a_database_failure_leaves_nothing_half_saved(world: Any, monkeypatch: Any) -> None:
    def fail(**kwargs: Any) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(services.audit, "record", fail)
    with pytest.raises(DatabaseError):
        report(world)
    assert IntakeItem.objects.count() == 0
    assert Notification.objects.count() == 0


def test_only_children_at_the_senders_school(world: Any) -> None:
    with pytest.raises(NotFound):  # child2 is at school2: invisible to school1's principal
        report(world, child_id=world.child2.pk)
    with pytest.raises(AccessDenied):  # principal of school1 cannot send from school2
        report(world, school_id=world.school2.pk)
    with pytest.raises(SubmissionInvalid):
        report(world, child_id=None)


@pytest.mark.parametrize("user", ["steering", "admin", "log_reviewer", "intake", "team_worker"])
def test_only_school_staff_send(world: Any, user: str) -> None:
    with pytest.raises((AccessDenied, NotFound)):
        report(world, user=user)


def test_routing_rule_by_age_and_school(world: Any) -> None:
    young = UnitFactory(municipality=world.a, name="Mottagning barn", function=Unit.Function.INTAKE)
    rule = RoutingRule.objects.create(
        municipality=world.a, name="13–15 år", position=1, age_from=13, age_to=15, target_unit=young
    )
    item = report(world)
    assert item.owner_unit_id == young.pk
    assert item.routed_by_rule_id == rule.pk
    assert "13–15 år" in item.routing_reason
    # The original intake worker no longer handles it; the other unit's staff do.
    with pytest.raises(NotFound):
        services.item_read(actor=actor_of(world.users["intake"]), item_id=item.pk)


def test_consultation_refuses_identity_numbers_and_asks_about_names(world: Any) -> None:
    actor = actor_of(world.users["counsellor"])
    number = generate_identity_number(datetime.date(2013, 5, 5), 42)
    with pytest.raises(SubmissionInvalid) as caught:
        services.consultation_submit(
            actor=actor, school_id=world.school1.pk, age_group="13-15", question=f"Om {number}"
        )
    assert "personnummer" in caught.value.details["question"][0]
    with pytest.raises(PossibleName):
        services.consultation_submit(
            actor=actor,
            school_id=world.school1.pk,
            age_group="13-15",
            question="Hur gör vi med Ella Andersson?",
        )
    assert Consultation.objects.count() == 0
    consultation = services.consultation_submit(
        actor=actor,
        school_id=world.school1.pk,
        age_group="13-15",
        question="Hur gör vi med Ella Andersson?",
        names_confirmed=True,
    )
    assert consultation.routed_to_id == world.intake.pk
    assert consultation.reference.startswith("KONS-")


def test_consultation_answer_and_conversion_to_a_report(world: Any) -> None:
    asker = actor_of(world.users["counsellor"])
    consultation = services.consultation_submit(
        actor=asker, school_id=world.school1.pk, age_group="13-15", question="Hur gör vi?"
    )
    with pytest.raises(NotFound):  # another school's principal
        services.consultation_answer(
            actor=actor_of(world.users["principal2"]), consultation_id=consultation.pk, answer="x"
        )
    answered = services.consultation_answer(
        actor=actor_of(world.users["intake"]), consultation_id=consultation.pk, answer="Anmäl."
    )
    assert answered.status == Consultation.Status.ANSWERED
    assert answered.answered_at
    assert Notification.objects.filter(
        recipient=world.users["counsellor"], kind=services.NOTIFY_ANSWERED
    ).exists()
    # The same answer again is harmless; a different one is refused.
    services.consultation_answer(
        actor=actor_of(world.users["intake"]), consultation_id=consultation.pk, answer="Anmäl."
    )
    with pytest.raises(AlreadyRecorded):
        services.consultation_answer(
            actor=actor_of(world.users["intake"]), consultation_id=consultation.pk, answer="Nej"
        )
    item = report(world, user="counsellor", consultation_id=consultation.pk)
    assert item.consultation_id == consultation.pk
    with pytest.raises(SubmissionInvalid):
        report(world, user="counsellor", consultation_id=consultation.pk)


def handle(world: Any, user: str = "intake") -> Any:
    return actor_of(world.users[user])


def test_the_whole_handling_of_a_report(world: Any) -> None:
    item = report(world)
    intake = handle(world)
    item = services.item_assign(
        actor=intake, item_id=item.pk, user_id=world.users["intake"].pk, version=item.version
    )
    assert item.status == IntakeItem.Status.IN_PROGRESS
    with pytest.raises(ActionInvalid):  # the decision needs the protection assessment first
        services.decision_record(
            actor=intake, item_id=item.pk, decision="opened", reason="Allvarlig oro"
        )
    item = services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=False, assessment="Inget akut skydd."
    )
    assert item.protection_assessed_at is not None
    item = services.decision_record(
        actor=intake,
        item_id=item.pk,
        decision="opened",
        reason="Allvarlig oro",
        give_feedback_now=True,
    )
    assert item.status == IntakeItem.Status.DECIDED
    assert item.feedback_given_at is not None
    view = selectors.sent_item_get(actor=actor_of(world.users["principal"]), item_id=item.pk)
    assert view.outcome == "Utredning inleds"
    assert Notification.objects.filter(
        recipient=world.users["principal"], kind=services.NOTIFY_FEEDBACK
    ).exists()
    events = list(AuditEvent.objects.filter(object_id=str(item.pk)).values_list("event", flat=True))
    for event in (
        "intake.assigned",
        "intake.protection_assessed",
        "intake.decided",
        "intake.feedback_given",
    ):
        assert event in events


def test_the_reporter_sees_no_outcome_before_feedback_and_never_the_reasons(world: Any) -> None:
    item = report(world)
    intake = handle(world)
    services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=False, assessment="Hemlig bedömning"
    )
    services.decision_record(actor=intake, item_id=item.pk, decision="not_opened", reason="x")
    view = selectors.sent_item_get(actor=actor_of(world.users["principal"]), item_id=item.pk)
    assert view.outcome == ""
    services.feedback_give(actor=intake, item_id=item.pk)
    view = selectors.sent_item_get(actor=actor_of(world.users["principal"]), item_id=item.pk)
    assert view.outcome == "Utredning inleds inte"


def test_set_once_steps_are_idempotent_and_otherwise_refused(world: Any) -> None:
    item = report(world)
    intake = handle(world)
    services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=True, assessment="Placering prövas"
    )
    services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=True, assessment="Placering prövas"
    )
    with pytest.raises(AlreadyRecorded):
        services.protection_assessment_record(
            actor=intake, item_id=item.pk, protection_needed=False, assessment="Annat"
        )
    assert AuditEvent.objects.filter(event="intake.protection_assessed").count() == 1


def test_extension_needs_a_later_date_and_a_reason(world: Any) -> None:
    item = report(world)
    intake = handle(world)
    with pytest.raises(ActionInvalid) as caught:
        services.decision_extend(
            actor=intake, item_id=item.pk, new_due=item.decision_due, reason=""
        )
    assert set(caught.value.details) == {"new_due", "reason"}
    later = item.decision_due + datetime.timedelta(days=14)  # type: ignore[operator]
    item = services.decision_extend(
        actor=intake, item_id=item.pk, new_due=later, reason="Väntar på tolk", version=item.version
    )
    assert item.extended_due == later
    with pytest.raises(ConcurrentEdit):
        services.decision_extend(
            actor=intake, item_id=item.pk, new_due=later, reason="x", version=item.version - 1
        )


def test_feedback_asked_for_later(world: Any) -> None:
    item = report(world, wants_feedback=False)
    intake = handle(world)
    services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=False, assessment="Ok"
    )
    services.decision_record(actor=intake, item_id=item.pk, decision="opened", reason="")
    with pytest.raises(ActionInvalid):  # the reporter has not asked for it
        services.feedback_give(actor=intake, item_id=item.pk)
    item = services.feedback_request(actor=actor_of(world.users["principal"]), item_id=item.pk)
    assert item.feedback_requested_at is not None
    facts = deadlines.evaluate(selectors.item_facts(item), timezone.localdate())
    assert facts.feedback_date == timezone.localdate()  # asked after the decision: at once


def test_who_may_handle(world: Any) -> None:
    item = report(world)
    for user in ("principal", "teacher", "team_worker", "family_coordinator", "steering"):
        with pytest.raises(NotFound):
            services.item_read(actor=handle(world, user), item_id=item.pk)
    assert services.item_read(actor=handle(world, "unit_head"), item_id=item.pk).pk == item.pk
    with pytest.raises(NotFound):  # another school's principal never sees the item
        selectors.sent_item_get(actor=handle(world, "principal2"), item_id=item.pk)
    with pytest.raises(NotFound):
        selectors.sent_item_get(actor=handle(world, "principal_b"), item_id=item.pk)
    # The teacher at the same school does not see the principal's report either.
    with pytest.raises(NotFound):
        selectors.sent_item_get(actor=handle(world, "teacher"), item_id=item.pk)
    assert selectors.sent_item_get(actor=handle(world, "principal"), item_id=item.pk)


def test_queue_is_audited_and_ordered_by_urgency(world: Any) -> None:
    calm = report(world, needs_protection_now="no", request_id=uuid.uuid4())
    urgent = report(world, needs_protection_now="yes", request_id=uuid.uuid4())
    items = services.queue_read(actor=handle(world))
    assert [i.pk for i in items] == [urgent.pk, calm.pk]
    entry = AuditEvent.objects.get(event="intake.queue_viewed")
    assert entry.action == AuditAction.SEARCH
    assert entry.child_ids == [str(world.child1.pk)]
    with pytest.raises(AccessDenied):
        services.queue_read(actor=handle(world, "principal"))


def test_support_request_needs_a_consent_in_force(world: Any) -> None:
    actor = actor_of(world.users["counsellor"])
    values: dict[str, Any] = {
        "school_id": world.school1.pk,
        "child_id": world.child1.pk,
        "support_wished": "Stöd från skolsocialt team",
        "situation": "Hög frånvaro",
    }
    with pytest.raises(SubmissionInvalid) as caught:
        services.support_request_submit(actor=actor, consent_id=None, **values)
    assert "consent" in caught.value.details
    with pytest.raises(SubmissionInvalid):
        services.support_request_submit(actor=actor, consent_id=uuid.uuid4(), **values)
    assert IntakeItem.objects.count() == 0


def test_handover_to_a_team_puts_the_child_in_its_caseload(world: Any) -> None:
    item = report(world)
    intake = handle(world)
    with pytest.raises(ActionInvalid):  # a report is handed over after the decision
        services.handover(actor=intake, item_id=item.pk, team_id=world.team.pk, note="")
    services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=False, assessment="Ok"
    )
    services.decision_record(actor=intake, item_id=item.pk, decision="not_opened", reason="")
    TeamSchoolContact.objects.create(
        municipality=world.a,
        team=world.team,
        school=world.school1,
        member=world.users["team_worker"],
    )
    item = services.handover(
        actor=intake, item_id=item.pk, team_id=world.team.pk, note="Behöver stöd i skolan"
    )
    assert item.status == IntakeItem.Status.HANDED_OVER
    # The item becomes an episode request for the team (issue 12), not a placeholder note.
    assert Note.objects.filter(child=world.child1, owner_unit=world.team).count() == 1
    assert Episode.objects.filter(
        intake_item=item, owner_unit=world.team, status=Episode.Status.REQUESTED
    ).exists()
    # The team's school-responsible member and the principal are each told to contact the other.
    assert Notification.objects.filter(
        recipient=world.users["team_worker"], kind=services.NOTIFY_HANDOVER
    ).exists()
    assert Notification.objects.filter(
        recipient=world.users["principal"], kind=services.NOTIFY_HANDOVER
    ).exists()
    # The team now opens the item, but intake's own steps stay intake's.
    team = handle(world, "team_worker")
    assert services.item_read(actor=team, item_id=item.pk).pk == item.pk
    with pytest.raises(AccessDenied):
        services.feedback_give(actor=team, item_id=item.pk)


def test_supplements_never_change_the_report(world: Any) -> None:
    item = report(world)
    principal = actor_of(world.users["principal"])
    key = uuid.uuid4()
    services.supplement_add(actor=principal, item_id=item.pk, body="Mamma ringde.", request_id=key)
    services.supplement_add(actor=principal, item_id=item.pk, body="Mamma ringde.", request_id=key)
    assert Supplement.objects.filter(item=item).count() == 1
    item.refresh_from_db()
    assert item.observed == "Eleven berättade i dag att pappa slår."
    with pytest.raises(NotFound):
        services.supplement_add(actor=handle(world, "principal2"), item_id=item.pk, body="x")


def test_an_intake_worker_of_another_unit_is_not_assignable(world: Any) -> None:
    item = report(world)
    other_unit = UnitFactory(municipality=world.a, name="Annan", function=Unit.Function.INTAKE)
    other = staff(Role.INTAKE_SOCIAL_WORKER, other_unit, username="annan")
    with pytest.raises(ActionInvalid):
        services.item_assign(actor=handle(world), item_id=item.pk, user_id=other.pk)


def test_an_item_stays_open_until_decided_and_any_feedback_given(world: Any) -> None:
    """The stored is_open flag (the queue's index) follows every step."""
    item = report(world)
    intake = handle(world)
    assert item.is_open
    services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=False, assessment="Ok"
    )
    services.decision_record(actor=intake, item_id=item.pk, decision="opened", reason="")
    item.refresh_from_db()
    assert item.is_open  # the reporter asked for feedback: still owed
    services.feedback_give(actor=intake, item_id=item.pk)
    item.refresh_from_db()
    assert not item.is_open
    quiet = report(world, wants_feedback=False, request_id=uuid.uuid4())
    services.protection_assessment_record(
        actor=intake, item_id=quiet.pk, protection_needed=False, assessment="Ok"
    )
    services.decision_record(actor=intake, item_id=quiet.pk, decision="not_opened", reason="")
    quiet.refresh_from_db()
    assert not quiet.is_open
    assert [i.pk for i in selectors.queue(actor=intake)] == []


def test_the_outcome_goes_to_the_reporter_alone(world: Any) -> None:
    """SoL 19 kap. 6 §: the principal sees the school's items and their status, but the
    outcome of a teacher's report only the teacher sees."""
    item = report(world, user="teacher")
    intake = handle(world)
    services.protection_assessment_record(
        actor=intake, item_id=item.pk, protection_needed=False, assessment="Ok"
    )
    services.decision_record(
        actor=intake, item_id=item.pk, decision="opened", reason="", give_feedback_now=True
    )
    by_teacher = selectors.sent_item_get(actor=handle(world, "teacher"), item_id=item.pk)
    by_principal = selectors.sent_item_get(actor=handle(world, "principal"), item_id=item.pk)
    assert by_teacher.outcome == "Utredning inleds"
    assert by_principal.outcome == ""
    assert by_principal.item.pk == item.pk


def test_the_same_words_about_the_same_child_within_a_day_warn_and_never_refuse(
    world: Any,
) -> None:
    """Issue #11: Back and send again with a new form made a second report. The same sender's
    same words about the same child within 24 hours are a warning with the earlier receipt;
    sent anyway, the new item is flagged for intake and the audit entry names the first."""
    first = report(world, confirm_duplicate=False)

    with pytest.raises(PossibleDuplicate) as warning:
        report(world, request_id=uuid.uuid4(), confirm_duplicate=False, situation="Annat.")
    second = report(world, request_id=uuid.uuid4(), confirm_duplicate=True)

    assert warning.value.details["reference"] == first.reference
    assert warning.value.details["url"].endswith(f"/{first.pk}/")
    assert IntakeItem.objects.count() == 2
    assert second.likely_duplicate_of_id == first.pk
    entry = AuditEvent.objects.get(event="intake.report_submitted", object_id=str(second.pk))
    assert entry.details["duplicate_of"] == first.reference


def test_other_words_another_child_or_a_day_later_send_without_a_warning(world: Any) -> None:
    first = report(world, confirm_duplicate=False)

    other_words = report(
        world, request_id=uuid.uuid4(), confirm_duplicate=False, observed="Nytt i dag."
    )
    IntakeItem.objects.filter(pk=first.pk).update(
        received_at=timezone.now() - datetime.timedelta(hours=25)
    )
    a_day_later = report(world, request_id=uuid.uuid4(), confirm_duplicate=False)

    assert other_words.likely_duplicate_of_id is None
    assert a_day_later.likely_duplicate_of_id is None
