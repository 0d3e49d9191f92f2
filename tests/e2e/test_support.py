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

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

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
