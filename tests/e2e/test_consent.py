"""Consent in Chromium. The holder discloses (DESIGN principle 8): a consent the counsellor
registers for the school stays closed for the school-social team's note until a team social
worker confirms it with evidence; then the counsellor reads the note; a guardian's withdrawal is
recorded on the consent page; the counsellor's next page load no longer shows the note; the log
has the reads and the withdrawal. And the school nurse releases one journal note to the
counsellor, who could not read it before.

The consent is set up through `samverkan shell` against the server's database (the consent
service itself, as the counsellor); the withdrawal goes through the consent page. Every page is
checked with axe-core and no request may leave for another host (conftest.Visitor).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# A pupil at kurator's school with a note in a school-social team (and its open episode), and a consent in force
# naming the school and that team for the note's category, recorded by kurator. Writes JSON.
SETUP_SCRIPT = r"""
import json, os, datetime
from django.utils import timezone
from samverkan.access.actor import actor_load
from samverkan.access.models import User
from samverkan.children import selectors
from samverkan.children.models import Child, Guardianship, Note
from samverkan.consent import services
from samverkan.consent.services import PartyInput

counsellor = actor_load(user=User.objects.get(username="kurator"))
team_worker = actor_load(user=User.objects.get(username="teamsocionom"))
school_id = sorted(counsellor.school_ids)[0]
notes = (
    Note.objects.filter(
        municipality_id=counsellor.tenant_id,
        domain="social_services",
        owner_unit_id__in=team_worker.social_unit_ids,
        child__enrolments__school_id=school_id,
        child__protection_marking="none",
    )
    .select_related("child")
    .order_by("child__family_name", "pk")
)
chosen = None
for note in notes[:200]:
    child, relation = selectors.child_get_visible(actor=counsellor, child_id=note.child_id)
    custodians = Guardianship.objects.filter(child=child, has_custody=True)
    if school_id in relation.current_school_ids and custodians.exists():
        chosen = note
        break
if chosen is None:
    # No pupil of this school is in the team's caseload in this seed: the team writes a note
    # about one (as the team would after a report), straight into its records.
    for candidate in Child.objects.filter(
        municipality_id=counsellor.tenant_id,
        enrolments__school_id=school_id,
        protection_marking="none",
    ).order_by("family_name", "pk")[:200]:
        child, relation = selectors.child_get_visible(actor=counsellor, child_id=candidate.pk)
        custodians = Guardianship.objects.filter(child=child, has_custody=True)
        if school_id in relation.current_school_ids and custodians.exists():
            chosen = Note.objects.create(
                municipality_id=child.municipality_id,
                child=child,
                domain="social_services",
                category="social_situation",
                owner_unit_id=sorted(team_worker.social_unit_ids)[0],
                created_by_id=team_worker.user_id,
                title="Samtal med familjen (e2e)",
                body="Familjen har fått stöd av teamet.",
            )
            # The caseload is the episode (issue 12): the team works with the child.
            from samverkan.support.models import Episode, EpisodeSubject, EpisodeType
            from samverkan.support.services import episode_types_ensure
            episode_types_ensure(municipality_id=child.municipality_id)
            ep = Episode.objects.create(
                municipality_id=child.municipality_id,
                child=child,
                domain="social_services",
                category="social_situation",
                owner_unit_id=chosen.owner_unit_id,
                episode_type=EpisodeType.objects.get(
                    municipality_id=child.municipality_id, code="intensive_school_social"
                ),
                status="active",
                source="principal_contact",
                started_on=timezone.localdate(),
            )
            EpisodeSubject.objects.create(episode=ep, child=child)
            break
assert chosen is not None, "no pupil at kurator's school to share a note about"
child = chosen.child
today = timezone.localdate()
parties = [
    PartyInput("guardian", "given", "written", today, guardian_id=g.guardian_id)
    for g in custodians.select_related("guardian")
]
parties.append(PartyInput("child", "given", "written", today))
nurse = actor_load(user=User.objects.get(username="skolskoterska"))
health_note = Note.objects.create(
    municipality_id=child.municipality_id,
    child=child,
    domain="school",
    category="student_health_care",
    owner_unit_id=school_id,
    created_by_id=nurse.user_id,
    title=f"Hälsosamtal {today.isoformat()} (e2e {os.getpid()})",
    body="Sover dåligt, ont i magen på morgonen.",
)
consent = services.consent_record(
    actor=counsellor,
    child_id=child.pk,
    purpose="information_exchange",
    purpose_text="Samordna stödet i skolan och hemma (e2e).",
    unit_ids=[school_id, chosen.owner_unit_id],
    categories=[chosen.category, "student_health_care"],
    direction="both",
    follows_child=False,
    valid_from=today,
    valid_to=today + datetime.timedelta(days=90),
    parties=parties,
    proof=services.EvidenceInput(
        "oral", received_by="Kim Kurator", received_on=today, how="Vid möte på skolan"
    ),
)
guardian = custodians.select_related("guardian").first().guardian
with open(os.environ["E2E_CONSENT_OUT"], "w", encoding="utf-8") as out:
    json.dump({
        "child_id": str(child.pk),
        "consent_id": str(consent.pk),
        "note_id": str(chosen.pk),
        "note_title": chosen.title,
        "health_note_title": health_note.title,
        "guardian_name": f"{guardian.given_name} {guardian.family_name}",
    }, out)
"""


def h1(page: Any) -> Any:
    return page.get_by_role("heading", level=1)


@pytest.fixture
def consent(server: Any) -> dict[str, str]:
    out = server.data_dir / "consent.json"
    result = server.samverkan("shell", "-c", SETUP_SCRIPT, extra_env={"E2E_CONSENT_OUT": str(out)})
    assert result.returncode == 0, f"setting up the consent failed:\n{result.stderr[-3000:]}"
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_withdrawal_ends_what_the_counsellor_sees_and_is_logged(
    visit: Any, server: Any, consent: dict[str, str]
) -> None:
    child_page = f"/barn/{consent['child_id']}/"
    consent_page = f"/barn/{consent['child_id']}/samtycken/{consent['consent_id']}/"
    note = consent["note_title"]

    # The school registered the consent: social services' note stays closed until they confirm.
    counsellor = visit()
    page = counsellor.page
    counsellor.login("kurator")
    counsellor.goto(child_page)
    expect(h1(page)).to_be_visible()
    expect(page.get_by_role("heading", name=note, exact=True)).to_have_count(0)
    counsellor.goto(consent_page)
    expect(page.get_by_text("Väntar på bekräftelse från: socialtjänsten")).to_be_visible()

    # A team social worker sees the waiting consent on the start page and confirms it.
    worker = visit()
    wpage = worker.page
    worker.login("teamsocionom")
    worker.goto("/")
    worker.navigate(wpage.get_by_role("link", name="väntar på bekräftelse").click)
    expect(h1(wpage)).to_have_text("Samtycken som väntar på bekräftelse")
    confirm = wpage.locator(f'a[href="/samtycken/{consent["consent_id"]}/bekrafta/"]')
    worker.navigate(confirm.click)
    worker.navigate(wpage.get_by_role("button", name="Bekräfta samtycket").click)
    expect(wpage.get_by_text("Välj vad samtycket bygger på.").first).to_be_visible()
    wpage.get_by_label("Muntligt samtycke", exact=True).check()
    wpage.get_by_label("Muntligt samtycke mottaget av").fill("Sam Socialsekreterare")
    wpage.get_by_label("Datum då det muntliga samtycket lämnades").fill(
        datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    )
    wpage.get_by_label("Hur det muntliga samtycket lämnades").fill("Telefonsamtal med mamma")
    worker.navigate(wpage.get_by_role("button", name="Bekräfta samtycket").click)
    expect(wpage.get_by_text("Samtycket är bekräftat.")).to_be_visible()
    worker.done()

    # Now the counsellor sees the team's note, marked as shared.
    counsellor.goto(child_page)
    expect(page.get_by_role("heading", name=note, exact=True)).to_be_visible()
    expect(page.get_by_text("Delas med stöd av samtycke").first).to_be_visible()
    counsellor.goto(consent_page)
    expect(page.get_by_text("Gäller", exact=True).first).to_be_visible()

    # A guardian withdraws: the counsellor records it on the consent page.
    card = page.locator(".govuk-summary-card").filter(
        has=page.get_by_role("heading", name=consent["guardian_name"], exact=True)
    )
    card.get_by_label("Vem meddelade återkallelsen").fill("Vårdnadshavaren")
    card.get_by_label("Muntligt", exact=True).check()
    card.get_by_label("Skäl").fill("Vårdnadshavaren ringde och återkallade.")
    counsellor.navigate(card.get_by_role("button", name="Återkalla").click)
    expect(page.get_by_text("Återkallat", exact=True).first).to_be_visible()
    expect(page.get_by_text("Vårdnadshavaren ringde och återkallade.")).to_be_visible()

    # The next page load no longer shows the note.
    counsellor.goto(child_page)
    expect(h1(page)).to_be_visible()
    expect(page.get_by_role("heading", name=note, exact=True)).to_have_count(0)
    expect(page.get_by_text("Delas med stöd av samtycke")).to_have_count(0)
    counsellor.done()

    # The log has both reads (the first relying on the consent) and the withdrawal.
    reviewer = visit()
    page = reviewer.page
    reviewer.login("loggranskare")
    reviewer.goto("/logg/")
    page.get_by_label("Barnets id").fill(consent["child_id"])
    reviewer.navigate(page.get_by_role("button", name="Filtrera").click)
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="child.viewed").filter(has_text="kurator")).to_have_count(3)
    # The filter by child finds entries about the child itself; consent entries are about the
    # consent, so they are found by who recorded them.
    page.get_by_label("Barnets id").fill("")
    page.get_by_label("Användarnamn").fill("kurator")
    reviewer.navigate(page.get_by_role("button", name="Filtrera").click)
    expect(rows.filter(has_text="consent.withdrawn")).to_have_count(1)
    expect(rows.filter(has_text="consent.given")).to_have_count(1)
    expect(rows.filter(has_text="child.viewed")).to_have_count(3)
    reviewer.done()

    # The same facts straight from the log: the first read relied on the consent, the second
    # on nothing, and the withdrawal came in between.
    check = server.samverkan(
        "shell",
        "-c",
        "import json\n"
        "from samverkan.audit.models import AuditEvent as A\n"
        "rows = A.objects.filter(actor_username='kurator').order_by('id')\n"
        "print(json.dumps([(r.event, r.purpose, r.details.get('shared_under_consent'))"
        f" for r in rows if '{consent['child_id']}' in r.child_ids]))",
    )
    assert check.returncode == 0, check.stderr
    events = json.loads(check.stdout.strip().splitlines()[-1])
    reads = [e for e in events if e[0] == "child.viewed"]
    assert reads[0][2] == {}
    assert reads[1][1].endswith(f"consent:{consent['consent_id']}")
    assert reads[1][2] == {consent["note_id"]: consent["consent_id"]}
    assert reads[-1][2] == {}
    order = [e[0] for e in events]
    assert order.index("consent.withdrawn") < len(order) - 1 - order[::-1].index("child.viewed")

    result = server.samverkan("verify_audit")
    assert result.returncode == 0, f"verify_audit failed:\n{result.stdout}\n{result.stderr}"


def test_the_nurse_releases_one_journal_note_to_the_counsellor(
    visit: Any, consent: dict[str, str]
) -> None:
    child_page = f"/barn/{consent['child_id']}/"
    title = consent["health_note_title"]

    counsellor = visit()
    page = counsellor.page
    counsellor.login("kurator")
    counsellor.goto(child_page)
    expect(h1(page)).to_be_visible()
    expect(page.get_by_role("heading", name=title, exact=True)).to_have_count(0)

    nurse = visit()
    npage = nurse.page
    nurse.login("skolskoterska")
    nurse.goto(child_page)
    expect(npage.get_by_role("heading", name=title, exact=True)).to_be_visible()
    nurse.navigate(npage.get_by_role("button", name=f"Lämna ut journalanteckningen {title}").click)
    expect(
        npage.get_by_text("Journalanteckningen är utlämnad till samtyckets mottagare.")
    ).to_be_visible()
    expect(npage.get_by_role("button", name=f"Återta utlämnandet {title}")).to_be_visible()
    nurse.done()

    counsellor.goto(child_page)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    counsellor.done()
