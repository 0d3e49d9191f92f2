"""Writes about the organisation: naming each school's social-services contact (R4.3)."""

import datetime
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from samverkan.access.actor import Actor
from samverkan.access.decisions import enforce
from samverkan.access.models import User
from samverkan.audit import services as audit_services
from samverkan.audit.models import AuditAction
from samverkan.core.errors import ConcurrentEdit, NotFound
from samverkan.notifications import services as notification_services

from . import policies, selectors
from .errors import ContactInvalid
from .models import SchoolContact, Unit

NOTIFICATION_KIND = "contact.changed"


@transaction.atomic
def contact_assign(
    *,
    actor: Actor,
    school_id: UUID,
    social_worker_id: UUID,
    kind: str,
    valid_from: datetime.date,
    current_contact_id: UUID | None = None,
    check_current: bool = False,
    request_id: UUID | None = None,
) -> SchoolContact:
    """Name a school's contact (or deputy) from `valid_from`: the current one of that kind ends
    the day before. With `check_current`, `current_contact_id` is the current contact the form
    showed (None: none); if it has changed since, ConcurrentEdit. Submitting the same change
    twice makes one change."""
    enforce(policies.can_manage_contacts(actor))
    school = selectors.unit_get(actor=actor, unit_id=school_id)
    worker = selectors.social_worker_get(actor=actor, user_id=social_worker_id)
    if not school.is_school:
        raise ContactInvalid(_("Kontaktpersoner kan bara anges för skolor och förskolor."))
    if kind not in SchoolContact.Kind.values:
        raise ContactInvalid(_("Välj kontaktperson eller ersättare."), field="kind")
    open_contacts = [
        c
        for c in selectors.open_contacts_for_update(actor=actor, school_ids={school.pk})
        if c.kind == kind
    ]
    current = open_contacts[0] if open_contacts else None
    if current is not None and current.social_worker_id == worker.pk:
        return current  # the same change again (a double submit): nothing to do
    if check_current and (current.pk if current else None) != current_contact_id:
        raise ConcurrentEdit
    _check_start(current, valid_from)
    new = _replace(
        actor=actor,
        school=school,
        current=current,
        worker=worker,
        kind=kind,
        valid_from=valid_from,
        request_id=request_id,
    )
    staff = selectors.school_leaders_and_student_health(school_ids={school.pk})
    _notify(school=school, contacts=[(current, new)], staff=staff.get(school.pk, []))
    return new


@transaction.atomic
def contacts_reassign_all(
    *,
    actor: Actor,
    from_social_worker_id: UUID,
    to_social_worker_id: UUID,
    valid_from: datetime.date,
) -> list[SchoolContact]:
    """A social worker leaves: every current primary and deputy contact of theirs moves to
    another worker from `valid_from`, in one step."""
    enforce(policies.can_manage_contacts(actor))
    old_worker = _user_in_tenant(actor, from_social_worker_id)
    worker = selectors.social_worker_get(actor=actor, user_id=to_social_worker_id)
    if old_worker.pk == worker.pk:
        raise ContactInvalid(
            _("Välj en annan person att flytta kontakterna till."), field="to_worker"
        )
    current = selectors.open_contacts_for_update(actor=actor, social_worker_id=old_worker.pk)
    if not current:
        raise ContactInvalid(
            _("%(name)s är inte kontaktperson eller ersättare för någon skola.")
            % {"name": old_worker.get_full_name() or old_worker.username},
            field="from_worker",
        )
    for contact in current:
        _check_start(contact, valid_from)
    staff = selectors.school_leaders_and_student_health(school_ids={c.school_id for c in current})
    created = []
    for contact in current:
        new = _replace(
            actor=actor,
            school=contact.school,
            current=contact,
            worker=worker,
            kind=contact.kind,
            valid_from=valid_from,
            request_id=None,
        )
        created.append(new)
        _notify(
            school=contact.school,
            contacts=[(contact, new)],
            staff=staff.get(contact.school_id, []),
        )
    return created


def _user_in_tenant(actor: Actor, user_id: UUID) -> User:
    user = User.objects.filter(pk=user_id, municipality_id=actor.tenant_id).first()
    if user is None:
        raise NotFound
    return user


def _check_start(current: SchoolContact | None, valid_from: datetime.date) -> None:
    if current is not None and valid_from <= current.valid_from:
        raise ContactInvalid(
            _("Datumet måste vara efter %(date)s, då nuvarande %(kind)s började.")
            % {"date": current.valid_from.isoformat(), "kind": current.get_kind_display().lower()},
            field="valid_from",
        )


def _replace(
    *,
    actor: Actor,
    school: Unit,
    current: SchoolContact | None,
    worker: User,
    kind: str,
    valid_from: datetime.date,
    request_id: UUID | None,
) -> SchoolContact:
    if current is not None:
        current.valid_to = valid_from - datetime.timedelta(days=1)
        current.save(update_fields=["valid_to", "updated_at"])
    new = SchoolContact(
        municipality_id=actor.tenant_id,
        school=school,
        social_worker=worker,
        kind=kind,
        valid_from=valid_from,
    )
    new.full_clean()
    new.save()
    details = {
        "school_id": str(school.pk),
        "kind": kind,
        "social_worker_id": str(worker.pk),
        "previous_contact_id": str(current.pk) if current else "",
        "previous_social_worker_id": str(current.social_worker_id) if current else "",
        "valid_from": valid_from.isoformat(),
    }
    if request_id is not None:
        details["request_id"] = str(request_id)
    audit_services.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="contact.changed",
        subject=new,
        grant=policies.can_manage_contacts(actor).grant,
        details=details,
    )
    return new


def _notify(
    *, school: Unit, contacts: list[tuple[SchoolContact | None, SchoolContact]], staff: list[User]
) -> None:
    """Tell the school's leaders and student health (`staff`), and the old and new social
    worker. Written in the product's language (Swedish), whatever the actor's page language."""
    with translation.override(settings.LANGUAGE_CODE):
        _notify_in_language(school=school, contacts=contacts, staff=staff)


def _notify_in_language(
    *, school: Unit, contacts: list[tuple[SchoolContact | None, SchoolContact]], staff: list[User]
) -> None:
    for old, new in contacts:
        worker = new.social_worker
        details = ", ".join(
            part
            for part in (worker.get_full_name() or worker.username, worker.phone, worker.email)
            if part
        )
        if new.kind == SchoolContact.Kind.PRIMARY:
            title = _("Ny kontaktperson i socialtjänsten för %(school)s") % {"school": school.name}
        else:
            title = _("Ny ersättare i socialtjänsten för %(school)s") % {"school": school.name}
        body = _("%(title)s: %(details)s från %(date)s.") % {
            "title": title,
            "details": details,
            "date": new.valid_from.isoformat(),
        }
        recipients = [*staff, worker]
        if old is not None:
            recipients.append(old.social_worker)
        notification_services.notify(
            recipients=recipients,
            kind=NOTIFICATION_KIND,
            title=title,
            body=body,
            url=reverse("organisations:detail", args=[school.pk]),
        )
