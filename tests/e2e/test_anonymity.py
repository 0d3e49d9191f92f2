"""Anonymity that holds, a report about any child, and the link from consultation to report
(issue #14; R1.2, R1.3; SoL 19 kap. 1 §), in Chromium. Every page passes axe-core
(conftest.Visitor).

- A consultation with a malformed number is refused with the text kept (at a phone's size).
- Intake masks a passage of a consultation; the asker sees that and why, never the passage.
- A principal reports a child at another preschool, found in the register by full number.
- A principal reports a child not in the register; intake links it to the register entry.
- Intake's item and consultation pages link each other; converting carries the question.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .drafts import answer_report_questions

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
REFERENCE = re.compile(r"ANM-\d{4}-\d{6}")
CONSULTATION_URL = re.compile(r"/kontakta-socialtjansten/konsultationer/([0-9a-f-]{36})/")

PRESCHOOL_CHILD_SCRIPT = r"""
from samverkan.children.models import Enrolment
from samverkan.demo import data
row = (
    Enrolment.objects.current()
    .filter(
        school__name=data.DEMO_PRESCHOOL,
        school__municipality__code="0999",
        child__protection_marking="none",
    )
    .select_related("child")
    .order_by("child_id")
    .first()
)
print(row.child.identity_number, row.child.given_name, row.child.family_name)
"""


def _preschool_child(server: Any) -> tuple[str, str]:
    """A child at the demo's preschool (not the principal's school): number and full name."""
    result = server.samverkan("shell", "-c", PRESCHOOL_CHILD_SCRIPT)
    assert result.returncode == 0, result.stderr
    number, given, family = result.stdout.strip().splitlines()[-1].split(" ", 2)
    return number, f"{given} {family}"


def _send_consultation(visitor: Any, text: str, *, confirm_names: bool = False) -> str:
    """The counsellor sends a consultation; returns its id (from the page's address)."""
    page = visitor.page
    visitor.goto("/kontakta-socialtjansten/konsultation/")
    page.get_by_role("group", name="Barnets ålder").get_by_label("13–15 år").check()
    page.get_by_label("Din fråga").fill(text)
    visitor.navigate(page.get_by_role("button", name="Skicka frågan").click)
    if confirm_names:
        page.get_by_label(
            "Jag har kontrollerat att texten inte namnger barnet eller familjen"
        ).check()
        visitor.navigate(page.get_by_role("button", name="Skicka frågan").click)
    expect(page.get_by_text(re.compile(r"KONS-\d{4}-\d{6}")).first).to_be_visible()
    match = CONSULTATION_URL.search(page.url)
    assert match, page.url
    return match.group(1)


def test_a_malformed_number_is_refused_with_the_text_kept_on_a_phone(visit: Any) -> None:
    counsellor = visit(**PHONE)
    page = counsellor.page
    counsellor.login("kurator")
    counsellor.goto("/kontakta-socialtjansten/konsultation/")
    # A real child's number written another way, and a date-shaped run with a wrong check digit.
    for text in (
        "Hur gör vi med eleven 2018-01-01-4398 som ofta är hungrig?",
        "Eleven 20150312-1234 vill inte gå hem. Ring mig på 070-123 45 67.",
    ):
        page.get_by_role("group", name="Barnets ålder").get_by_label("13–15 år").check()
        page.get_by_label("Din fråga").fill(text)
        counsellor.navigate(page.get_by_role("button", name="Skicka frågan").click)
        expect(page.get_by_role("heading", name="Det finns ett problem")).to_be_visible()
        expect(page.get_by_text("ett datum följt av fyra siffror").first).to_be_visible()
        expect(page.get_by_label("Din fråga")).to_have_value(text)
    # Nothing is wider than the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    counsellor.done()


def test_a_masked_passage_is_seen_by_the_asker_as_masked_and_why(visit: Any) -> None:
    counsellor = visit()
    counsellor.login("kurator")
    text = "Hur gör vi när Kalle Svensson i 8B ofta är hungrig och trött? (e2e maskering)"
    consultation_id = _send_consultation(counsellor, text, confirm_names=True)

    intake = visit()
    ipage = intake.page
    intake.login("mottagning")
    intake.goto(f"/mottagning/konsultationer/{consultation_id}/")
    expect(ipage.get_by_test_id("consultation-question")).to_contain_text("Kalle Svensson")
    ipage.get_by_label("Avsnitt som ska maskeras").fill("Kalle Svensson")
    ipage.get_by_label("Skäl").fill("Ett fullständigt namn kan identifiera barnet.")
    intake.navigate(ipage.get_by_role("button", name="Maskera avsnittet").click)
    expect(ipage.get_by_test_id("consultation-question")).to_contain_text("[maskerat]")
    expect(ipage.get_by_test_id("consultation-question")).not_to_contain_text("Kalle")
    intake.done()

    page = counsellor.page
    counsellor.goto(f"/kontakta-socialtjansten/konsultationer/{consultation_id}/")
    expect(page.get_by_test_id("redaction")).to_contain_text("maskerade ett avsnitt")
    expect(page.get_by_test_id("redaction")).to_contain_text(
        "Ett fullständigt namn kan identifiera barnet."
    )
    assert "Kalle Svensson" not in page.content()
    counsellor.done()


def test_a_report_about_a_child_at_another_preschool(visit: Any, server: Any) -> None:
    number, name = _preschool_child(server)
    principal = visit()
    page = principal.page
    principal.login("rektor")
    principal.goto("/kontakta-socialtjansten/orosanmalan/")
    page.get_by_label("Ett barn på en annan skola eller förskola i kommunen").check()
    page.get_by_label("Barnets fullständiga personnummer").fill(number)
    principal.navigate(page.get_by_role("button", name="Sök i registret").click)
    expect(page.locator("#register-result")).to_contain_text(f"Barnet i registret: {name}")
    expect(
        page.get_by_label("Ett barn på en annan skola eller förskola i kommunen")
    ).to_be_checked()
    page.get_by_label("Vad har du sett eller hört?").fill(
        "Ett syskon på förskolan berättade för mig om slag hemma (e2e förskola)."
    )
    page.get_by_label("Hur är barnets situation nu?").fill("Barnet är på förskolan i dag.")
    answer_report_questions(page)
    principal.navigate(page.get_by_role("button", name="Skicka anmälan").click)
    expect(page.get_by_role("heading", name="Anmälan är skickad")).to_be_visible()
    assert REFERENCE.search(page.content())
    expect(page.get_by_text(name).first).to_be_visible()
    principal.done()


def test_a_child_not_in_the_register_is_reported_and_intake_links_it(
    visit: Any, server: Any
) -> None:
    number, name = _preschool_child(server)
    principal = visit()
    page = principal.page
    principal.login("rektor")
    principal.goto("/kontakta-socialtjansten/orosanmalan/")
    page.get_by_label("Barnet finns inte i registret, eller jag vet inte personnumret").check()
    page.get_by_label("Barnets namn").fill("Noah Nyinflyttad")
    page.get_by_label("Ungefärlig ålder i år").fill("4")
    page.get_by_label("Det du vet om barnet").fill("Lillebror till en elev i 3A, nyss inflyttad.")
    page.get_by_label("Vad har du sett eller hört?").fill(
        "Storasyster berättade att lillebror lämnas ensam hemma (e2e provisoriskt)."
    )
    page.get_by_label("Hur är barnets situation nu?").fill("Okänt, barnet går inte här.")
    answer_report_questions(page)
    principal.navigate(page.get_by_role("button", name="Skicka anmälan").click)
    expect(page.get_by_role("heading", name="Anmälan är skickad")).to_be_visible()
    match = REFERENCE.search(page.content())
    assert match
    reference = match.group(0)
    sent_url = page.url

    intake = visit()
    ipage = intake.page
    intake.login("mottagning")
    intake.goto("/mottagning/")
    row = ipage.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Finns inte i registret")
    intake.navigate(ipage.get_by_role("link", name=reference).click)
    expect(ipage.get_by_test_id("provisional-child")).to_contain_text("Finns inte i registret")
    expect(ipage.get_by_text("Lillebror till en elev i 3A").first).to_be_visible()
    ipage.get_by_label("Barnets personnummer i registret").fill(number)
    intake.navigate(ipage.get_by_role("button", name="Koppla till barnet i registret").click)
    expect(ipage.get_by_test_id("provisional-child")).to_contain_text("Kopplat till registret")
    expect(ipage.get_by_role("link", name=name).first).to_be_visible()
    intake.done()

    # The sender still sees only what they sent.
    principal.goto(sent_url.replace(principal.server.base_url, "").split("?")[0])
    expect(page.get_by_text("Noah Nyinflyttad").first).to_be_visible()
    assert name not in page.content()
    principal.done()


def test_intake_sees_the_link_from_consultation_to_report(visit: Any, server: Any) -> None:
    counsellor = visit()
    page = counsellor.page
    counsellor.login("kurator")
    question = "Eleven kommer ofta med blåmärken och säger att hon ramlat (e2e koppling)."
    consultation_id = _send_consultation(counsellor, question)

    # Intake asks for a report instead.
    intake = visit()
    ipage = intake.page
    intake.login("mottagning")
    intake.goto(f"/mottagning/konsultationer/{consultation_id}/")
    ipage.get_by_label("Meddelande till frågeställaren (frivilligt)").fill("Gör gärna en anmälan.")
    intake.navigate(ipage.get_by_role("button", name="Be om en orosanmälan").click)
    expect(ipage.get_by_text("ombads").first).to_be_visible()

    # The asker converts: the question is the start of the report's text, to edit.
    counsellor.goto(f"/kontakta-socialtjansten/konsultationer/{consultation_id}/")
    expect(page.get_by_text("Socialtjänsten ber dig göra en orosanmälan")).to_be_visible()
    counsellor.navigate(page.get_by_role("button", name="Gör en orosanmälan").click)
    expect(page.get_by_label("Vad har du sett eller hört?")).to_have_value(question)
    page.get_by_label("Sök barnet: namn eller personnummer").fill("an")
    page.get_by_role("button", name="Sök barnet").click()
    expect(page.get_by_role("status")).to_contain_text("Sökningen hittade")
    page.get_by_label("Barnet det gäller").select_option(index=1)
    page.get_by_label("Vad har du sett eller hört?").fill(
        question + " I dag sa hon att pappa slår."
    )
    page.get_by_label("Hur är barnets situation nu?").fill("Eleven är i skolan.")
    answer_report_questions(page)
    counsellor.navigate(page.get_by_role("button", name="Skicka anmälan").click)
    expect(page.get_by_role("heading", name="Anmälan är skickad")).to_be_visible()
    match = REFERENCE.search(page.content())
    assert match
    reference = match.group(0)
    counsellor.done()

    # Intake's item page names the consultation; the consultation page names the report.
    intake.goto("/mottagning/")
    intake.navigate(ipage.get_by_role("link", name=reference).click)
    link = ipage.get_by_test_id("item-consultation-link")
    expect(link).to_contain_text("KONS-")
    intake.navigate(link.get_by_role("link").click)
    expect(ipage.get_by_test_id("consultation-link")).to_contain_text(reference)
    intake.navigate(ipage.get_by_test_id("consultation-link").get_by_role("link").click)
    expect(ipage.get_by_role("heading", level=1)).to_contain_text(reference)
    intake.done()
