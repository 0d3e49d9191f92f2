"""Use cases about children. Reads of personal data are services too: they write the audit
log in the same transaction (STYLE P2, P5)."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from samverkan.access.actor import Actor
from samverkan.access.decisions import enforce
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction

from . import policies, selectors
from .errors import NoteInvalid
from .models import Child, Note


@transaction.atomic
def child_search(*, actor: Actor, text: str) -> tuple[selectors.ChildQuery, list[Child]]:
    """Search children within the tenant; one audit entry lists every child returned."""
    decision = enforce(policies.can_search_children(actor))
    query = selectors.child_query_parse(text)
    results = selectors.child_search(actor=actor, query=query)
    if query.text and not query.error:
        audit.record(
            actor=actor,
            action=AuditAction.SEARCH,
            event="child.searched",
            object_type="children.child",
            child_ids=[c.pk for c in results],
            grant=decision.grant,
            # The search text may itself be an identity number: record its kind, not the text.
            details={
                "by": "identity_number" if query.identity_digits else "name",
                "hits": len(results),
            },
        )
    return query, results


@transaction.atomic
def caseload_read(*, actor: Actor, limit: int = 50) -> list[Child]:
    """The children in the actor's team's cases, listed by name on the start page: an audited
    read naming every child listed (issue #10)."""
    children = list(selectors.caseload_list(actor=actor)[:limit])
    if children:
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            event="child.caseload_listed",
            object_type="children.child",
            child_ids=[c.pk for c in children],
            purpose="caseload",
            details={"rows": len(children)},
        )
    return children


@transaction.atomic
def child_open(*, actor: Actor, child_id: UUID) -> selectors.ChildOverview:
    """Open a child's page: what the actor may see, and an audit entry for the read."""
    child, relation = selectors.child_get_visible(actor=actor, child_id=child_id)
    decision = policies.can_view_child(actor, relation)
    overview = selectors.child_overview(actor=actor, child=child, relation=relation)
    # Every read under consent logs the consent it relied on (the consent issue, item 4).
    relied = sorted(
        {str(n.shared_under.consent_id) for n in overview.notes if n.shared_under is not None}
    )
    purpose = decision.basis or decision.reason
    if relied:
        purpose = f"{purpose};consent:{','.join(relied)}"[:200]
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        event="child.viewed",
        subject=child,
        child_ids=[child.pk],
        grant=decision.grant,
        purpose=purpose,
        details={
            "notes": [str(n.pk) for n in overview.notes],
            "shared_under_consent": {
                str(n.pk): str(n.shared_under.consent_id)
                for n in overview.notes
                if n.shared_under is not None
            },
        },
    )
    return overview


def note_create(
    *,
    actor: Actor,
    child_id: UUID,
    target: policies.RecordRef,
    title: str,
    body: str,
    request_id: UUID | None = None,
) -> Note:
    """Add a note about a child in the target unit's domain. A repeated request_id returns the
    first note (double submit is harmless)."""
    if request_id is not None:
        existing = Note.objects.filter(request_id=request_id, created_by_id=actor.user_id).first()
        if existing is not None:
            return existing
    try:
        return _note_create(
            actor=actor,
            child_id=child_id,
            target=target,
            title=title,
            body=body,
            request_id=request_id,
        )
    except IntegrityError:
        # A concurrent double submit won the unique request_id: return what it saved.
        existing = Note.objects.filter(request_id=request_id, created_by_id=actor.user_id).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def _note_create(
    *,
    actor: Actor,
    child_id: UUID,
    target: policies.RecordRef,
    title: str,
    body: str,
    request_id: UUID | None,
) -> Note:
    child, relation = selectors.child_get_visible(actor=actor, child_id=child_id)
    decision = enforce(policies.can_create_note(actor, relation, target))
    note = Note(
        municipality_id=actor.tenant_id,
        child=child,
        domain=target.domain,
        category=target.category,
        owner_unit_id=target.owner_unit_id,
        created_by_id=actor.user_id,
        title=title.strip(),
        body=body.strip(),
        request_id=request_id,
    )
    try:
        note.full_clean(exclude=["child", "owner_unit", "created_by", "municipality"])
    except ValidationError as error:
        raise NoteInvalid(details=error.message_dict) from error
    note.save(force_insert=True)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="note.created",
        subject=note,
        child_ids=[child.pk],
        grant=decision.grant,
        details={"domain": note.domain, "category": note.category},
    )
    return note
