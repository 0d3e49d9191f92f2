"""One way in, in Chromium (R1.2; SoL 2025:400 19 kap. 1, 6 §§, 20 kap. 1–2 §§).

A principal sends a report of concern through *Kontakta socialtjänsten* and gets a receipt
with a reference number at once; the intake social worker finds it in the queue, records the
immediate protection assessment and the initial assessment decision with feedback; the
principal then sees the outcome and nothing more of the case. A consultation whose text holds
a personnummer is refused with the text kept. Every page passes axe-core (conftest.Visitor).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from samverkan.children.identity import generate_identity_number

from .drafts import answer_report_questions

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"ANM-\d{4}-\d{6}")
PROTECTION_TEXT = "Barnet bor tillfälligt hos mormor: inget omedelbart skydd (e2e)."
DECISION_REASON = "Uppgifterna om våld behöver utredas (e2e)."


def test_report_is_assessed_and_decided_and_the_principal_sees_only_the_outcome(
    visit: Any, server: Any
) -> None:
    principal = visit()
    page = principal.page
    principal.login("rektor")
    principal.navigate(page.get_by_role("link", name="Kontakta socialtjänsten").first.click)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontakta socialtjänsten")
    principal.navigate(page.get_by_role("button", name="Gör en orosanmälan").click)

    # The child is searched for among the school's pupils (the form never lists them all),
    # inside the form: htmx replaces only the result.
    page.get_by_label("Sök barnet: namn eller personnummer").fill("an")
    page.get_by_role("button", name="Sök barnet").click()
    expect(page.get_by_role("status")).to_contain_text("Sökningen hittade")
    page.get_by_label("Barnet det gäller").select_option(index=1)
    page.get_by_label("Vad har du sett eller hört?").fill(
        "Eleven berättade i dag att pappa slog henne i går kväll."
    )
    page.get_by_label("Hur är barnets situation nu?").fill("Eleven är i skolan och är rädd.")
    answer_report_questions(page)
    expect(page.get_by_label("Jag vill få återkoppling")).to_be_checked()
    principal.navigate(page.get_by_role("button", name="Skicka anmälan").click)

    # The receipt at once: a reference number; the report can only be supplemented.
    expect(page.get_by_role("heading", name="Anmälan är skickad")).to_be_visible()
    match = REFERENCE.search(page.content())
    assert match, "no reference number on the receipt"
    reference = match.group(0)
    expect(page.get_by_text("bara kompletteras", exact=False).first).to_be_visible()

    # Intake: the queue shows it; the worker records the assessment and the decision.
    intake = visit()
    ipage = intake.page
    intake.login("mottagning")
    intake.goto("/mottagning/")
    intake.navigate(ipage.get_by_role("link", name=reference).click)
    expect(ipage.get_by_role("heading", level=1)).to_contain_text(reference)
    ipage.get_by_role("group", name="Behöver barnet skydd omedelbart?").get_by_label("Nej").check()
    ipage.get_by_label("Skyddsbedömning", exact=True).fill(PROTECTION_TEXT)
    intake.navigate(ipage.get_by_role("button", name="Spara skyddsbedömningen").click)
    expect(ipage.get_by_text(PROTECTION_TEXT)).to_be_visible()
    ipage.get_by_role("group", name="Beslut").get_by_label("Utredning inleds", exact=True).check()
    ipage.get_by_label("Motivering").fill(DECISION_REASON)
    expect(ipage.get_by_label("Skicka återkoppling till anmälaren nu")).to_be_checked()
    intake.navigate(ipage.get_by_role("button", name="Spara beslutet").click)
    expect(ipage.get_by_text(DECISION_REASON)).to_be_visible()
    intake.done()

    # The principal sees the outcome, and not the assessment, the reason or the worker.
    principal.goto("/kontakta-socialtjansten/skickat/")
    principal.navigate(page.get_by_role("link", name=reference).click)
    expect(page.get_by_text("Utredning inleds", exact=True)).to_be_visible()
    content = page.content()
    assert PROTECTION_TEXT not in content
    assert DECISION_REASON not in content
    principal.done()

    result = server.samverkan("verify_audit")
    assert result.returncode == 0, f"verify_audit failed:\n{result.stdout}\n{result.stderr}"


def test_a_consultation_naming_a_personnummer_is_refused_with_the_text_kept(visit: Any) -> None:
    counsellor = visit()
    page = counsellor.page
    counsellor.login("kurator")
    counsellor.goto("/kontakta-socialtjansten/konsultation/")
    number = generate_identity_number(datetime.date(2013, 4, 9), 234)
    text = f"Hur gör vi med eleven {number[2:8]}-{number[8:]} som inte vill gå hem?"
    page.get_by_role("group", name="Barnets ålder").get_by_label("13–15 år").check()
    page.get_by_label("Din fråga").fill(text)
    counsellor.navigate(page.get_by_role("button", name="Skicka frågan").click)

    expect(page.get_by_role("heading", name="Det finns ett problem")).to_be_visible()
    expect(page.get_by_text("ser ut som ett personnummer").first).to_be_visible()
    expect(page.get_by_label("Din fråga")).to_have_value(text)

    # Without the number the question goes to social services; no child is named.
    page.get_by_label("Din fråga").fill("Hur gör vi med en elev som inte vill gå hem?")
    counsellor.navigate(page.get_by_role("button", name="Skicka frågan").click)
    expect(page.get_by_text(re.compile(r"KONS-\d{4}-\d{6}")).first).to_be_visible()
    counsellor.done()


def test_routing_rule_and_preview_by_keyboard_and_the_other_pages(visit: Any) -> None:
    """The administrator adds a rule with the keyboard only and previews where a sample child
    goes; the other one-way-in pages are visited for axe."""
    admin = visit()
    page = admin.page
    admin.login("admin")
    admin.goto("/installningar/fordelning/")
    admin.navigate(page.get_by_role("button", name="Ny regel").click)
    page.get_by_label("Namn på regeln").focus()
    page.keyboard.type("Förskolebarn i Norra (e2e)")
    page.get_by_label("Till och med ålder").fill("5")
    page.get_by_label("Mottagande enhet").select_option(label="Mottagningsgruppen barn och unga")
    page.get_by_label("Namn på regeln").focus()
    admin.navigate(lambda: page.keyboard.press("Enter"))
    expect(page.get_by_text("Förskolebarn i Norra (e2e)").first).to_be_visible()
    admin.done()

    school = visit()
    school.login("rektor")
    for path in (
        "/kontakta-socialtjansten/",
        "/kontakta-socialtjansten/skickat/",
        "/kontakta-socialtjansten/begaran-om-stod/",
    ):
        response = school.goto(path)
        assert response is not None
        assert response.status == 200, path
    school.done()

    intake = visit()
    intake.login("mottagning")
    for path in ("/mottagning/?status=all", "/mottagning/konsultationer/"):
        response = intake.goto(path)
        assert response is not None
        assert response.status == 200, path
    intake.done()
