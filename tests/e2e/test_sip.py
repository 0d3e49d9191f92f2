"""The SIP in Chromium (issue 13). The counsellor calls a SIP with the school-social team and
the region's child psychiatry; the guardians' consent for the SIP is recorded (the school's
side, through the consent service) and confirmed by the team's social worker on the
confirmation page; the counsellor links it, writes the plan and marks it agreed with the family;
then changes it into version 2 and compares the versions. The PDF is read by its text; the
invitation's calendar file is parsed and names no child; a teacher of the child outside the
consent's roles cannot open the plan; the chronology shows the steps to the team and the
school-visible part to the principal. Every page passes axe and nothing leaves for another
host (conftest.Visitor).
"""

from __future__ import annotations

import datetime
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 1)
    .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${e.textContent.trim().slice(0, 40)}`)
    .slice(0, 8);
}"""


def _wider_than_screen(page: Any) -> list[str]:
    """What sticks out of the phone's screen (so the page scrolls sideways); none is good."""
    return list(page.evaluate(WIDER_THAN_SCREEN))


# A pupil of kurator's school with guardians and no SIP yet; the ids the forms need. The SIP
# consent is recorded later (CONSENT_SCRIPT), as the counsellor, naming the three units.
SETUP_SCRIPT = r"""
import json, os
from samverkan.access.actor import actor_load
from samverkan.access.models import User
from samverkan.children import selectors
from samverkan.children.models import Child, Guardianship, Note
from samverkan.organisations.models import Unit
from samverkan.plans.models import CoordinatedPlan

counsellor = actor_load(user=User.objects.get(username="kurator"))
worker = User.objects.get(username="teamsocionom")
team = actor_load(user=worker)
school_id = sorted(counsellor.school_ids)[0]
taken = set(CoordinatedPlan.objects.values_list("child_id", flat=True))
chosen = None
for candidate in Child.objects.filter(
    municipality_id=counsellor.tenant_id,
    enrolments__school_id=school_id,
    enrolments__valid_to__isnull=True,
    protection_marking="none",
).order_by("family_name", "pk")[:300]:
    if candidate.pk in taken:
        continue
    if Guardianship.objects.filter(child=candidate, has_custody=True).exists():
        chosen = candidate
        break
assert chosen is not None
region = Unit.objects.get(municipality_id=counsellor.tenant_id, function="child_psychiatry")
team_id = next(g.unit_id for g in team.grants if g.role == "team_social_worker")
# The team works with the child (an episode and its own note, as after a hand-over): the child is
# in its caseload (the caseload is the episode), so the team opens the page and chronology.
from samverkan.support.tests.factories import episode
episode(
    child=chosen,
    team=Unit.objects.get(pk=team_id),
    members=((worker, "team_social_worker"),),
    referring_school=Unit.objects.get(pk=school_id),
)
Note.objects.create(
    municipality_id=chosen.municipality_id,
    child=chosen,
    domain="social_services",
    category="social_situation",
    owner_unit_id=team_id,
    created_by_id=worker.pk,
    title="Samtal med familjen (e2e)",
    body="Teamet har träffat familjen.",
)
with open(os.environ["E2E_SIP_OUT"], "w", encoding="utf-8") as out:
    json.dump({
        "child_id": str(chosen.pk),
        "child_name": chosen.full_name,
        "identity": chosen.identity_number,
        "school_id": str(school_id),
        "team_id": str(team_id),
        "worker_id": str(worker.pk),
        "region_id": str(region.pk),
    }, out)
"""

CONSENT_SCRIPT = r"""
import json, os, datetime
from django.utils import timezone
from samverkan.access.actor import actor_load
from samverkan.access.models import User
from samverkan.children.models import Guardianship
from samverkan.consent import services
from samverkan.consent.services import PartyInput

facts = json.loads(os.environ["E2E_SIP_FACTS"])
counsellor = actor_load(user=User.objects.get(username="kurator"))
today = timezone.localdate()
parties = [
    PartyInput("guardian", "given", "written", today, guardian_id=g.guardian_id)
    for g in Guardianship.objects.filter(child_id=facts["child_id"], has_custody=True)
]
parties.append(PartyInput("child", "heard", "oral", today, oral_received_by="Kim Kurator"))
consent = services.consent_record(
    actor=counsellor,
    child_id=facts["child_id"],
    purpose="coordinated_plan",
    purpose_text="Samordnad individuell plan med skolan, socialtjänsten och BUP (e2e).",
    unit_ids=[facts["school_id"], facts["team_id"], facts["region_id"]],
    categories=["plan"],
    direction="both",
    follows_child=False,
    valid_from=today,
    valid_to=today + datetime.timedelta(days=180),
    parties=parties,
    proof=services.EvidenceInput(
        "oral", received_by="Kim Kurator", received_on=today, how="Vid möte på skolan"
    ),
)
with open(os.environ["E2E_SIP_OUT"], "w", encoding="utf-8") as out:
    json.dump({"consent_id": str(consent.pk)}, out)
"""

# The server has sent the invitations already (its task backend); send the meeting's reminder,
# which goes the same way with the same calendar file, into memory and write what would travel.
ICS_SCRIPT = r"""
import json, os
from django.conf import settings
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
from django.core import mail
mail.outbox = []
from samverkan.plans import meetings
from samverkan.plans.models import PlanMeeting

facts = json.loads(os.environ["E2E_SIP_FACTS"])
meeting = PlanMeeting.objects.filter(plan__child_id=facts["child_id"]).latest("created_at")
meetings.meeting_messages_send(meeting_id=meeting.pk, kind="reminder")
with open(os.environ["E2E_SIP_OUT"], "w", encoding="utf-8") as out:
    json.dump([
        {"to": m.to[0], "text": m.subject + "\n" + m.body,
         "ics": [a[1].decode() if isinstance(a[1], bytes) else a[1] for a in m.attachments]}
        for m in mail.outbox
    ], out)
"""


def h1(page: Any) -> Any:
    return page.get_by_role("heading", level=1)


def _run(server: Any, script: str, name: str, facts: dict[str, str] | None = None) -> Any:
    out = server.data_dir / f"{name}.json"
    env = {"E2E_SIP_OUT": str(out), "E2E_SIP_FACTS": json.dumps(facts or {})}
    result = server.samverkan("shell", "-c", script, extra_env=env)
    assert result.returncode == 0, f"{name} failed:\n{result.stderr[-3000:]}"
    return json.loads(out.read_text(encoding="utf-8"))


def test_counsellor_calls_agrees_and_changes_a_sip(visit: Any, server: Any) -> None:
    facts = _run(server, SETUP_SCRIPT, "sip_setup")
    today = datetime.datetime.now(tz=ZoneInfo("Europe/Stockholm")).date()

    # The counsellor calls a SIP with the school-social team and the region.
    counsellor = visit()
    page = counsellor.page
    counsellor.login("kurator")
    counsellor.goto(f"/barn/{facts['child_id']}/sip/")
    counsellor.navigate(page.get_by_role("link", name="Kalla till SIP").click)
    counsellor.navigate(page.get_by_role("button", name="Kalla till SIP").click)
    expect(page.get_by_text("Skriv varför SIP:en kallas.").first).to_be_visible()
    page.get_by_label("Varför kallas till SIP?").fill("Eleven är ofta borta från skolan.")
    page.locator("#id_participants-0-unit").select_option(facts["team_id"])
    page.locator("#id_participants-0-person").select_option(facts["worker_id"])
    page.locator("#id_participants-1-unit").select_option(facts["region_id"])
    page.locator("#id_participants-1-person_name").fill("Dr Rut Region")
    page.locator("#id_participants-1-person_email").fill("rut.region@example.se")
    counsellor.navigate(page.get_by_role("button", name="Kalla till SIP").click)
    expect(page.get_by_text("SIP:en är kallad.")).to_be_visible()
    expect(page.get_by_text("Väntar på samtycke")).to_be_visible()
    plan_url = page.url.removeprefix(server.base_url)

    # The guardians' consent for the SIP is recorded by the school ...
    consent = _run(server, CONSENT_SCRIPT, "sip_consent", facts)
    # ... and confirmed by the team's social worker on the confirmation page.
    worker = visit()
    wpage = worker.page
    worker.login("teamsocionom")
    worker.goto(f"/samtycken/{consent['consent_id']}/bekrafta/")
    wpage.get_by_label("Muntligt samtycke", exact=True).check()
    wpage.get_by_label("Muntligt samtycke mottaget av").fill("Sam Socialsekreterare")
    wpage.get_by_label("Datum då det muntliga samtycket lämnades").fill(today.isoformat())
    wpage.get_by_label("Hur det muntliga samtycket lämnades").fill("Telefonsamtal med mamma")
    worker.navigate(wpage.get_by_role("button", name="Bekräfta samtycket").click)
    expect(wpage.get_by_text("Samtycket är bekräftat.")).to_be_visible()

    # The counsellor links the consent, writes the plan and the family agrees.
    counsellor.goto(plan_url)
    page.get_by_label("Samtycke för SIP").select_option(consent["consent_id"])
    counsellor.navigate(page.get_by_role("button", name="Koppla samtycket").click)
    expect(page.get_by_text("Samtycket är kopplat till SIP:en.")).to_be_visible()
    counsellor.navigate(page.get_by_role("link", name="Ändra planen").click)
    page.locator("#id_goals-0-text").fill("Eleven går i skolan varje dag.")
    page.locator("#id_interventions-0-text").fill("Kurator träffar eleven varje vecka.")
    page.locator("#id_interventions-0-responsible_unit").select_option(facts["school_id"])
    page.locator("#id_interventions-0-responsible_person").fill("Kim Kurator")
    page.locator("#id_interventions-0-start_on").fill(today.isoformat())
    page.locator("#id_interventions-0-until_on").fill(
        (today + datetime.timedelta(days=90)).isoformat()
    )
    page.locator("#id_interventions-0-follow_up_on").fill(
        (today + datetime.timedelta(days=30)).isoformat()
    )
    page.get_by_label("Vad barnet säger, med barnets egna ord").fill("Jag vill ha lugn och ro.")
    counsellor.navigate(page.get_by_role("button", name="Spara planen").click)
    expect(page.get_by_text("Planen är sparad som version 1.")).to_be_visible()
    page.get_by_label("Vilka deltog?").fill("Kim Kurator, Sam i teamet, Dr Rut Region, familjen")
    page.get_by_label("Familjen är överens om planen").check()
    counsellor.navigate(page.get_by_role("button", name="Planen är överenskommen").click)
    expect(page.get_by_text("Överenskommen, version 1")).to_be_visible()

    # A change makes version 2; the history shows both side by side.
    counsellor.navigate(page.get_by_role("link", name="Ändra planen (blir en ny version)").click)
    page.locator("#id_goals-0-text").fill("Eleven går i skolan minst fyra dagar i veckan.")
    counsellor.navigate(page.get_by_role("button", name="Spara planen").click)
    expect(page.get_by_text("Planen är sparad som version 2.")).to_be_visible()
    counsellor.navigate(page.get_by_role("link", name="Jämför versioner").click)
    expect(page.get_by_role("table")).to_contain_text("Eleven går i skolan varje dag.")
    expect(page.get_by_role("table")).to_contain_text("minst fyra dagar i veckan")

    # The PDF holds goals, interventions, the responsible and the time.
    pdf = page.request.get(server.url(plan_url + "sip.pdf"))
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf.body())).pages).split()
    )
    for expected in (
        "Eleven går i skolan varje dag.",
        "Kurator träffar eleven varje vecka.",
        "Kim Kurator",
        today.isoformat(),
    ):
        assert expected in text, expected

    # A meeting: the calendar files that travel name no child.
    counsellor.goto(plan_url)
    page.get_by_text("Boka möte och skicka kallelser").click()
    page.get_by_label("Datum").fill((today + datetime.timedelta(days=7)).isoformat())
    page.get_by_label("Börjar klockan").fill("13:00")
    page.get_by_label("Slutar klockan").fill("14:00")
    page.get_by_label("Plats").fill("Elevhälsans rum")
    counsellor.navigate(page.get_by_role("button", name="Boka mötet").click)
    expect(page.get_by_text("Mötet är bokat.")).to_be_visible()
    sent = _run(server, ICS_SCRIPT, "sip_ics", facts)
    assert {m["to"] for m in sent} >= {"rut.region@example.se"}
    for message in sent:
        for data in message["ics"]:
            event = Calendar.from_ical(data).walk("VEVENT")[0]
            everything = data + message["text"]
            assert facts["child_name"] not in everything
            for part in facts["child_name"].split():
                assert part not in everything
            assert facts["identity"] not in everything
            assert str(event["SUMMARY"]).startswith("SIP-möte")

    # The team and the principal see the steps in the chronology; a teacher cannot open it.
    worker.goto(f"/barn/{facts['child_id']}/kronologi/")
    expect(wpage.get_by_role("link", name="SIP version 1 överenskommen")).to_be_visible()
    # The support episode (issue 12) is a source of its own, linked to the episode.
    expect(wpage.get_by_role("link", name="Förfrågan om stöd till").first).to_be_visible()
    worker.done()
    # On a phone (390 x 844): the SIP page and the chronology are usable without scrolling
    # sideways, and pass axe like every page.
    phone = visit(**PHONE)
    phone.login("teamsocionom")
    for path in (plan_url, f"/barn/{facts['child_id']}/kronologi/"):
        phone.goto(path)
        expect(h1(phone.page)).to_be_visible()
        assert _wider_than_screen(phone.page) == [], path
    expect(phone.page.get_by_role("link", name="SIP version 1 överenskommen")).to_be_visible()
    phone.done()
    principal = visit()
    principal.login("rektor")
    principal.goto(f"/barn/{facts['child_id']}/kronologi/")
    expect(principal.page.get_by_role("link", name="SIP version 1 överenskommen")).to_be_visible()
    principal.done()
    teacher = visit()
    teacher.login("larare")
    response = teacher.goto(plan_url)
    assert response is not None
    assert response.status == 404
    teacher.done()
    counsellor.done()
