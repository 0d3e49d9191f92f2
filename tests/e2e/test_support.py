"""Support episodes in Chromium (issue 12; R0.5, R0.7, R2.8, R2.10).

The principal's report has been decided by intake (set up through `samverkan shell`, as in the
intake journey); intake hands it over to the school-social team; the team's work lead accepts it
on the board and assigns a team social worker; the guardians' and the child's consent to the
service is recorded by that social worker (the consent service in `samverkan shell`, as the
consent journey does); the social worker starts the episode with its start outcomes, keyboard
only, and ends it; the principal is told that the support ended, and nothing of its content.
Every page passes axe-core and no request leaves for another host (conftest.Visitor).
"""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .drafts import switch_language

pytestmark = pytest.mark.e2e

# A decided report of concern from rektor's school about a pupil of 7-15 with custodial
# guardians, not yet handed over. Writes JSON.
SETUP_SCRIPT = r"""
import json, os
from django.utils import timezone
from samverkan.access.actor import actor_load
from samverkan.access.models import User
from samverkan.children.models import Child, Guardianship
from samverkan.consent.rules import age_on
from samverkan.intake import services
from samverkan.intake.models import IntakeItem

principal = actor_load(user=User.objects.get(username="rektor"))
intake = actor_load(user=User.objects.get(username="mottagning"))
school_id = sorted(principal.school_ids)[0]
today = timezone.localdate()
child = None
for candidate in Child.objects.filter(
    municipality_id=principal.tenant_id,
    enrolments__school_id=school_id,
    enrolments__valid_to__isnull=True,
    protection_marking="none",
).order_by("family_name", "pk")[:400]:
    if (
        7 <= age_on(candidate.birth_date, today) <= 15
        and Guardianship.objects.filter(child=candidate, has_custody=True).exists()
        and not IntakeItem.objects.filter(child=candidate).exists()
    ):
        child = candidate
        break
assert child is not None, "no pupil of 7-15 at rektor's school"
item = services.report_submit(
    actor=principal,
    school_id=school_id,
    child_id=child.pk,
    observed=f"Eleven är ofta borta och berättar om bråk hemma (e2e {os.getpid()}).",
    situation="Eleven är i skolan men trött och ledsen.",
    needs_protection_now="no",
    guardians_informed="yes",
)
services.protection_assessment_record(
    actor=intake, item_id=item.pk, protection_needed=False, assessment="Inget omedelbart skydd."
)
services.decision_record(
    actor=intake, item_id=item.pk, decision="not_opened", reason="Stöd från teamet räcker."
)
with open(os.environ["E2E_SUPPORT_OUT"], "w", encoding="utf-8") as out:
    json.dump({"item_id": str(item.pk), "reference": item.reference,
               "child_id": str(child.pk), "child_name": child.full_name,
               "worker_name": User.objects.get(username="teamsocionom").get_full_name()}, out)
"""

# The team social worker records the guardians' and the child's consent to the service, naming
# the school and the team (the holder discloses: the team's side is confirmed by recording).
CONSENT_SCRIPT = r"""
import datetime, os
from django.utils import timezone
from samverkan.access.actor import actor_load
from samverkan.access.models import User
from samverkan.children.models import Child, Guardianship
from samverkan.consent import services
from samverkan.consent.services import EvidenceInput, PartyInput
from samverkan.organisations.models import Unit

worker = actor_load(user=User.objects.get(username="teamsocionom"))
child = Child.objects.get(pk=os.environ["E2E_CHILD"])
team = Unit.objects.get(
    name="Skolsocialt team", valid_to__isnull=True, municipality_id=worker.tenant_id
)
school_id = child.enrolments.filter(valid_to__isnull=True).first().school_id
today = timezone.localdate()
parties = [
    PartyInput("guardian", "given", "written", today, guardian_id=g.guardian_id)
    for g in Guardianship.objects.filter(child=child, has_custody=True)
]
parties.append(PartyInput("child", "given", "written", today))
services.consent_record(
    actor=worker,
    child_id=child.pk,
    purpose="support_service",
    purpose_text="Intensivt stöd i skolan och hemma från skolsocialt team (e2e).",
    unit_ids=[school_id, team.pk],
    categories=["school_situation", "social_situation"],
    direction="both",
    follows_child=False,
    valid_from=today,
    valid_to=today + datetime.timedelta(days=180),
    parties=parties,
    proof=EvidenceInput("oral", received_by="Teamets socionom", received_on=today, how="Hembesök"),
)
"""


@pytest.fixture
def report(server: Any) -> dict[str, str]:
    out = server.data_dir / "support.json"
    result = server.samverkan("shell", "-c", SETUP_SCRIPT, extra_env={"E2E_SUPPORT_OUT": str(out)})
    assert result.returncode == 0, f"setting up the report failed:\n{result.stderr[-3000:]}"
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_intake_hands_over_the_lead_assigns_the_worker_starts_and_ends_the_school_is_told(
    visit: Any, server: Any, report: dict[str, str]
) -> None:
    child_name = report["child_name"]

    # Intake hands the decided report over to the school-social team.
    intake = visit()
    ipage = intake.page
    intake.login("mottagning")
    intake.goto(f"/mottagning/arenden/{report['item_id']}/")
    ipage.get_by_role("group", name="Team").get_by_label("Skolsocialt team").check()
    ipage.get_by_label("Meddelande till teamet").fill("Behöver stöd i skolan och hemma (e2e).")
    intake.navigate(ipage.get_by_role("button", name="Lämna över").click)
    expect(ipage.get_by_text("Överlämnat till Skolsocialt team", exact=False)).to_be_visible()
    intake.done()

    # The work lead sees the request on the board, accepts it and assigns a social worker.
    lead = visit()
    lpage = lead.page
    lead.login("gruppledare")
    lead.navigate(lpage.get_by_role("link", name="Tavla").click)
    expect(lpage.get_by_role("heading", level=1)).to_have_text("Teamets tavla")
    lead.navigate(lpage.get_by_role("link", name=child_name).first.click)
    types = lpage.get_by_role("group", name="Insatstyp")
    types.get_by_label("Intensivt skolsocialt stöd").check()
    members = lpage.get_by_role("group", name="Medarbetare")
    members.get_by_label(f"{report['worker_name']} (Socialsekreterare, team)").check()
    lead.navigate(lpage.get_by_role("button", name="Anta och utse medarbetare").click)
    expect(lpage.get_by_text("Antagen, inte startad")).to_be_visible()
    episode_path = urlsplit(lpage.url).path
    lead.done()

    # The assigned social worker finds it among their episodes.
    worker = visit()
    wpage = worker.page
    worker.login("teamsocionom")
    worker.navigate(wpage.get_by_role("link", name="Mina insatser").first.click)
    worker.navigate(wpage.get_by_role("link", name=child_name).first.click)

    # Starting without the consent to the service is refused, with what is missing.
    worker.navigate(wpage.get_by_role("button", name="Starta insatsen").click)
    expect(wpage.get_by_text("Samtycke till insatsen för", exact=False).first).to_be_visible()

    # The guardians' and the child's consent is recorded by the worker.
    result = server.samverkan(
        "shell", "-c", CONSENT_SCRIPT, extra_env={"E2E_CHILD": report["child_id"]}
    )
    assert result.returncode == 0, f"recording the consent failed:\n{result.stderr[-3000:]}"

    # Start with outcomes, by keyboard: the form is usable without a mouse.
    worker.goto(episode_path)
    wpage.get_by_label("Närvaro i skolan, procent").fill("64")
    wpage.get_by_role("group", name="Behörig till ett nationellt gymnasieprogram").get_by_label(
        "Nej"
    ).first.check()
    wpage.get_by_role(
        "group", name="Familjens skattning av struktur och kontroll (1 = ingen, 5 = full)"
    ).get_by_label("2", exact=True).check()
    wpage.get_by_role("button", name="Starta insatsen").focus()
    worker.navigate(lambda: wpage.keyboard.press("Enter"))
    expect(wpage.get_by_text("Insatsen har startat.")).to_be_visible()
    expect(wpage.get_by_text("Pågår", exact=True)).to_be_visible()

    # End it: the goals were reached.
    wpage.get_by_role("group", name="Skäl att avsluta").get_by_label("Målen är nådda").check()
    wpage.get_by_role("group", name="Målen är nådda").get_by_label("Ja", exact=True).check()
    worker.navigate(wpage.get_by_role("button", name="Avsluta insatsen").click)
    expect(wpage.get_by_text("Insatsen är avslutad.")).to_be_visible()
    worker.done()

    # The principal is told it ended, without content.
    principal = visit()
    ppage = principal.page
    principal.login("rektor")
    principal.goto("/notiser/")
    notice = ppage.get_by_text("Ett stöd från Skolsocialt team har avslutats").first
    expect(notice).to_be_visible()
    content = ppage.content()
    assert "Målen är nådda" not in content
    assert "64" not in ppage.locator("main").inner_text()
    principal.done()

    result = server.samverkan("verify_audit")
    assert result.returncode == 0, f"verify_audit failed:\n{result.stdout}\n{result.stderr}"


# An accepted family coordination episode of Familjeteamet about a pupil of 7-15 with exactly
# one guardian, familjeombud its member, the guardian listed as the family's adult; the child's
# side of the family's mandate (R2.6) recorded by familjeombud. Writes JSON.
FAMILY_SCRIPT = r"""
import datetime, json, os
from django.db.models import Count
from django.utils import timezone
from samverkan.access.actor import actor_load
from samverkan.access.models import User
from samverkan.access.roles import Role
from samverkan.children.models import Child, Guardianship
from samverkan.consent import services as consent_services
from samverkan.consent.rules import age_on
from samverkan.consent.services import EvidenceInput, PartyInput
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations.models import Unit
from samverkan.support.models import Episode, EpisodeMember, EpisodeSubject, EpisodeType
from samverkan.support.services import episode_types_ensure

user = User.objects.get(username="familjeombud")
coordinator = actor_load(user=user)
team = Unit.objects.get(name="Familjeteamet", valid_to__isnull=True,
                        municipality_id=coordinator.tenant_id)
today = timezone.localdate()
child = None
for candidate in (
    Child.objects.filter(municipality_id=coordinator.tenant_id, protection_marking="none",
                         enrolments__valid_to__isnull=True)
    .annotate(n=Count("guardianships", distinct=True)).filter(n=1)
).order_by("family_name", "pk")[:400]:
    if (7 <= age_on(candidate.birth_date, today) <= 15
            and Guardianship.objects.filter(child=candidate, has_custody=True).exists()
            and not Episode.objects.filter(child=candidate).exists()):
        child = candidate
        break
assert child is not None, "no pupil of 7-15 with one guardian"
guardianship = Guardianship.objects.get(child=child)
episode_types_ensure(municipality_id=coordinator.tenant_id)
episode = Episode.objects.create(
    municipality_id=coordinator.tenant_id, child=child, domain=SecrecyDomain.SOCIAL_SERVICES,
    category=RecordCategory.SOCIAL_SITUATION, owner_unit=team, created_by=user,
    episode_type=EpisodeType.objects.get(municipality_id=coordinator.tenant_id,
                                         code="family_coordination"),
    status=Episode.Status.ACCEPTED, subject_kind=Episode.SubjectKind.FAMILY,
    source=Episode.Source.SUPPORT_REQUEST, decided_by=user, decided_at=timezone.now(),
)
EpisodeSubject.objects.create(episode=episode, child=child)
EpisodeSubject.objects.create(episode=episode, adult_id=guardianship.guardian_id)
EpisodeMember.objects.create(episode=episode, user=user, role=Role.FAMILY_COORDINATOR,
                             organisation="social_services", is_lead=True, assigned_by=user)
school_id = child.enrolments.filter(valid_to__isnull=True).first().school_id
consent_services.consent_record(
    actor=coordinator, child_id=child.pk, purpose="family_mandate",
    purpose_text="Familjeombudet samordnar familjens stöd (e2e).",
    unit_ids=[school_id, team.pk], categories=["school_situation", "social_situation"],
    direction="both", follows_child=False, valid_from=today,
    valid_to=today + datetime.timedelta(days=180),
    parties=[PartyInput("guardian", "given", "written", today,
                        guardian_id=guardianship.guardian_id),
             PartyInput("child", "given", "written", today)],
    proof=EvidenceInput("oral", received_by="Familjeombud", received_on=today, how="Hembesök"),
)
g = guardianship.guardian
with open(os.environ["E2E_SUPPORT_OUT"], "w", encoding="utf-8") as out:
    json.dump({"episode_id": str(episode.pk), "adult": f"{g.given_name} {g.family_name}"}, out)
"""

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"the page scrolls sideways on a phone: {width} > {inner}"


def test_a_family_episode_with_one_adult_starts_from_the_pages(visit: Any, server: Any) -> None:
    """Family coordination (R2.3, R2.6): the adult consents for their own part, recorded on the
    episode page with oral evidence; the episode then starts from the page."""
    out = server.data_dir / "support_family.json"
    result = server.samverkan("shell", "-c", FAMILY_SCRIPT, extra_env={"E2E_SUPPORT_OUT": str(out)})
    assert result.returncode == 0, f"setting up the family failed:\n{result.stderr[-3000:]}"
    family = json.loads(out.read_text(encoding="utf-8"))

    worker = visit()
    page = worker.page
    worker.login("familjeombud")
    worker.goto(f"/insatser/{family['episode_id']}/")

    # Starting before the adult's own consent is refused, naming the adult.
    worker.navigate(page.get_by_role("button", name="Starta insatsen").click)
    expect(page.get_by_text(f"Samtycke från {family['adult']} för egen del.").first).to_be_visible()

    page.get_by_role("group", name="Vem samtycket gäller").get_by_label(family["adult"]).check()
    page.get_by_role("group", name="Svar för egen del").get_by_label(
        "Samtycker", exact=True
    ).check()
    page.get_by_role("group", name="Vad samtycket bygger på").get_by_label(
        "Muntligt samtycke"
    ).check()
    page.get_by_label("Muntligt samtycke mottaget av").fill("Familjeombudet")
    page.get_by_label("Datum för svaret", exact=False).fill(
        datetime.date.today().isoformat()  # noqa: DTZ011 - the server's day in Stockholm
    )
    page.get_by_label("Hur det muntliga samtycket lämnades").fill("Vid hembesök")
    worker.navigate(page.get_by_role("button", name="Registrera svaret").click)
    expect(page.get_by_text("Den vuxnas svar för egen del är registrerat.")).to_be_visible()
    expect(page.get_by_text("Har samtyckt")).to_be_visible()

    page.get_by_role(
        "group", name="Familjens skattning av struktur och kontroll (1 = ingen, 5 = full)"
    ).first.get_by_label("3", exact=True).check()
    worker.navigate(page.get_by_role("button", name="Starta insatsen").click)
    expect(page.get_by_text("Insatsen har startat.")).to_be_visible()
    expect(page.get_by_text("Pågår", exact=True)).to_be_visible()
    worker.done()


def test_the_board_and_an_episode_are_usable_on_a_phone(visit: Any, server: Any) -> None:
    """390 x 844: no sideways scrolling on the work lead's board or an episode page; axe clean
    (every page load is checked by the Visitor)."""
    lead = visit(**PHONE)
    page = lead.page
    lead.login("gruppledare")
    lead.goto("/insatser/tavla/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Teamets tavla")
    _no_horizontal_scroll(page)
    link = page.locator("main table a").first
    expect(link).to_be_visible()
    lead.navigate(link.click)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Insats för")
    _no_horizontal_scroll(page)
    lead.done()


# A pupil of 7-15 at rektor's school with no episode yet. Writes JSON.
PUPIL_SCRIPT = r"""
import json, os
from django.utils import timezone
from samverkan.access.actor import actor_load
from samverkan.access.models import User
from samverkan.children.models import Child
from samverkan.consent.rules import age_on
from samverkan.support.models import Episode

principal = actor_load(user=User.objects.get(username="rektor"))
school_id = sorted(principal.school_ids)[0]
today = timezone.localdate()
child = next(
    c for c in Child.objects.filter(
        municipality_id=principal.tenant_id, enrolments__school_id=school_id,
        enrolments__valid_to__isnull=True, protection_marking="none",
    ).order_by("-family_name", "pk")[:400]
    if 7 <= age_on(c.birth_date, today) <= 15 and not Episode.objects.filter(child=c).exists()
)
with open(os.environ["E2E_SUPPORT_OUT"], "w", encoding="utf-8") as out:
    json.dump({"child_id": str(child.pk), "child_name": child.full_name}, out)
"""


def test_the_principal_asks_the_team_the_lead_declines_the_principal_sees_why(
    visit: Any, server: Any
) -> None:
    """R2.8: the principal contacts the team's school-responsible member from the pupil's page;
    what is typed survives the language switch (core.drafts); the work lead sees the request on
    the board and declines it with a reason; the principal reads the reason."""
    out = server.data_dir / "support_pupil.json"
    result = server.samverkan("shell", "-c", PUPIL_SCRIPT, extra_env={"E2E_SUPPORT_OUT": str(out)})
    assert result.returncode == 0, f"finding a pupil failed:\n{result.stderr[-3000:]}"
    pupil = json.loads(out.read_text(encoding="utf-8"))
    note = "Eleven är ofta borta och familjen vill ha stöd (e2e R2.8)."

    principal = visit()
    ppage = principal.page
    principal.login("rektor")
    principal.goto(f"/barn/{pupil['child_id']}/")
    principal.navigate(ppage.get_by_role("link", name="Kontakta teamets skolansvariga").click)
    ppage.get_by_role("group", name="Team").get_by_label("Skolsocialt team", exact=False).check()
    ppage.locator("textarea[name='note']").fill(note)
    switch_language(principal, "English", "Byt språk")
    expect(ppage.locator("textarea[name='note']")).to_have_value(note)
    principal.navigate(ppage.locator("main form button[type='submit']").first.click)
    expect(ppage.locator("main")).to_contain_text(pupil["child_name"])
    principal.done()

    lead = visit()
    lpage = lead.page
    lead.login("gruppledare")
    lead.goto("/insatser/tavla/")
    lead.navigate(lpage.get_by_role("link", name=pupil["child_name"]).first.click)
    expect(lpage.get_by_text("Rektors kontakt med teamet", exact=False)).to_be_visible()
    lpage.get_by_label("Skäl att avböja").fill("Familjeteamet passar bättre (e2e).")
    lead.navigate(lpage.get_by_role("button", name="Avböj").click)
    expect(lpage.get_by_text("Förfrågan är avböjd.", exact=False)).to_be_visible()
    lead.done()

    again = visit()
    apage = again.page
    again.login("rektor")
    again.goto("/insatser/skickade/")
    expect(apage.get_by_text("Familjeteamet passar bättre (e2e).")).to_be_visible()
    again.done()
