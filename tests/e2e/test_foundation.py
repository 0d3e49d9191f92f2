"""The foundation's journeys in Chromium: what a principal and an intake social worker see and
cannot reach, protected personal data, signing in (also by keyboard only) and the audit log.

Every page a journey loads is checked with axe-core (no serious or critical violation) and no
request may leave for another host (see conftest.Visitor). Elements are found by role and
Swedish label only.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

NOT_FOUND = "Sidan finns inte"
FORBIDDEN = "Du saknar behörighet"


def dashed(identity_number: str) -> str:
    """20150312-1234 from the stored 12 digits."""
    return f"{identity_number[:8]}-{identity_number[8:]}"


def masked(identity_number: str) -> str:
    return f"{identity_number[:8]}-XXXX"


def full_name(child: dict[str, Any]) -> str:
    return f"{child['given_name']} {child['family_name']}"


def h1(page: Any) -> Any:
    return page.get_by_role("heading", level=1)


def search(visitor: Any, text: str) -> None:
    page = visitor.page
    page.get_by_label("Namn eller personnummer").fill(text)
    visitor.navigate(page.get_by_role("button", name="Sök", exact=True).click)


def expect_not_found(visitor: Any, path: str) -> None:
    response = visitor.goto(path)
    assert response is not None
    assert response.status == 404, f"{path} answered {response.status}"
    expect(h1(visitor.page)).to_have_text(NOT_FOUND)


def test_principal_sees_own_school_and_nothing_else(visit: Any, server: Any) -> None:
    facts = server.facts
    child = facts["own_child"]
    assert child, "the demo has no pupil at rektor's school with a unique name to search for"
    v = visit()
    page = v.page

    v.login("rektor")
    expect(h1(page)).to_contain_text("Välkommen")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Din kontakt i socialtjänsten")).to_be_visible()
    contact = facts["contact"]
    expect(main).to_contain_text(contact["name"])
    expect(main.get_by_role("link", name=contact["phone"])).to_be_visible()
    expect(main.get_by_role("link", name=contact["email"])).to_be_visible()
    navigation = page.get_by_role("navigation", name="Huvudmeny")
    expect(navigation.get_by_role("link", name="Logg")).to_have_count(0)

    # Search an own pupil by name, open the page.
    search(v, full_name(child))
    expect(page.get_by_role("heading", name="1 träff")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=child["family_name"])
    expect(row.get_by_role("cell", name=masked(child["identity_number"]))).to_be_visible()
    link_name = f"{child['family_name']}, {child['given_name']}"
    v.navigate(row.get_by_role("link", name=link_name).click)
    expect(h1(page)).to_have_text(full_name(child))
    child_url = page.url

    # A pupil of another school and a child of another tenant: 404, as if they did not exist.
    expect_not_found(v, f"/barn/{facts['other_school_child']['id']}/")
    expect_not_found(v, f"/barn/{facts['other_tenant_child']['id']}/")
    # The audit log is for log reviewers only.
    response = v.goto("/logg/")
    assert response is not None
    assert response.status == 403
    expect(h1(page)).to_have_text(FORBIDDEN)

    # Add a note to the own pupil.
    v.navigate(lambda: page.goto(child_url))
    page.get_by_label("Rubrik").fill("Samtal om frånvaro")
    page.get_by_label("Anteckning", exact=True).fill("Vi har pratat med eleven om frånvaron.")
    v.navigate(page.get_by_role("button", name="Spara anteckning").click)
    expect(page.get_by_role("alert")).to_contain_text("Anteckningen är sparad.")
    expect(page.get_by_role("heading", name="Samtal om frånvaro")).to_be_visible()

    # An empty note: the Swedish error summary links to the field, and the typed text stays.
    page.get_by_label("Rubrik").fill("Utan text")
    page.get_by_label("Anteckning", exact=True).fill("")
    response = v.navigate(page.get_by_role("button", name="Spara anteckning").click)
    assert response is not None
    assert response.status == 400
    summary = page.get_by_role("alert").filter(has_text="Det finns ett problem")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="Skriv anteckningen.")).to_be_visible()
    expect(page).to_have_title(f"Fel: {full_name(child)} – Samverkan")
    expect(page.get_by_label("Rubrik")).to_have_value("Utan text")
    expect(page.get_by_label("Anteckning", exact=True)).to_have_accessible_description(
        "Fel: Skriv anteckningen."
    )

    v.logout()
    expect(h1(page)).to_have_text("Logga in")
    v.done()


def test_intake_social_worker_finds_any_child_of_the_own_tenant_only(
    visit: Any, server: Any
) -> None:
    facts = server.facts
    child = facts["intake_child"]
    other_tenant = facts["other_tenant_child"]
    v = visit()
    page = v.page

    v.login("mottagning")
    expect(h1(page)).to_contain_text("Välkommen")
    # A child of a school the intake worker has no tie to, found by identity number.
    search(v, dashed(child["identity_number"]))
    expect(page.get_by_role("heading", name="1 träff")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=masked(child["identity_number"]))
    v.navigate(row.get_by_role("link").first.click)
    expect(h1(page)).to_have_text(full_name(child))

    # The other tenant's child: not found by number, and its URL answers 404.
    v.goto("/barn/")
    search(v, dashed(other_tenant["identity_number"]))
    expect(page.get_by_role("heading", name="0 träffar")).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text(other_tenant["family_name"])
    expect_not_found(v, f"/barn/{other_tenant['id']}/")

    # A mistyped check digit: a Swedish message that says what to do, the text kept.
    digits = child["identity_number"]
    wrong = f"{digits[:8]}-{digits[8:11]}{(int(digits[11]) + 1) % 10}"
    v.goto("/barn/")
    search(v, wrong)
    field = page.get_by_label("Namn eller personnummer")
    expect(field).to_have_value(wrong)
    expect(page).to_have_title("Fel: Sök barn – Samverkan")
    expect(page.get_by_role("main")).to_contain_text("Kontrollsiffran stämmer inte")
    expect(field).to_have_accessible_description(
        "Till exempel Ella Andersson eller 20150312-1234. Sökningen loggas. "
        "Fel: Kontrollsiffran stämmer inte. Kontrollera att du skrivit rätt."
    )

    # The organisation pages: the municipality's schools, and one school with its contacts.
    navigation = page.get_by_role("navigation", name="Huvudmeny")
    v.navigate(navigation.get_by_role("link", name="Organisation").click)
    expect(h1(page)).to_have_text("Organisation")
    v.navigate(page.get_by_role("link", name="Centralskolan", exact=True).click)
    expect(h1(page)).to_have_text("Centralskolan")
    v.done()


def test_steering_group_member_reaches_no_child(visit: Any, server: Any) -> None:
    v = visit()
    page = v.page
    v.login("styrgrupp")
    expect(h1(page)).to_contain_text("Välkommen")
    expect(page.get_by_label("Namn eller personnummer")).to_have_count(0)
    navigation = page.get_by_role("navigation", name="Huvudmeny")
    expect(navigation.get_by_role("link", name="Sök barn")).to_have_count(0)
    for path in ("/barn/", f"/barn/{server.facts['own_child']['id']}/", "/logg/"):
        response = v.goto(path)
        assert response is not None
        assert response.status == 403, f"{path} answered {response.status}"
        expect(h1(page)).to_have_text(FORBIDDEN)
    v.done()


def test_protected_child_shows_marking_and_no_address(visit: Any, server: Any) -> None:
    child = server.facts["protected_child"]
    v = visit()
    page = v.page
    v.login("rektor")
    v.goto(f"/barn/{child['id']}/")
    expect(h1(page)).to_have_text(full_name(child))
    expect(page.get_by_role("main")).to_contain_text("Skyddade personuppgifter")
    expect(page.get_by_role("term").filter(has_text="Adress")).to_have_count(0)
    content = page.content()
    assert child["street_address"], "the protected demo child has no address to hide"
    assert child["street_address"] not in content
    v.done()


def test_wrong_password_gives_a_swedish_error(visit: Any, server: Any) -> None:
    v = visit()
    page = v.page
    v.login("larare", "inte-rätt-lösenord")
    expect(h1(page)).to_have_text("Logga in")
    expect(page).to_have_title("Fel: Logga in – Samverkan")
    summary = page.get_by_role("alert").filter(has_text="Det finns ett problem")
    expect(summary).to_contain_text("Fel användarnamn eller lösenord")
    expect(page.get_by_label("Användarnamn")).to_have_value("larare")
    expect(page.get_by_label("Lösenord", exact=True)).to_have_value("")

    # The accessibility statement is public and linked from every page's footer.
    v.navigate(page.get_by_role("link", name="Tillgänglighetsredogörelse").click)
    expect(h1(page)).to_have_text("Tillgänglighetsredogörelse")
    v.done()


def test_login_form_works_with_the_keyboard_only(visit: Any, server: Any) -> None:
    v = visit()
    page = v.page
    v.goto("/logga-in/")
    keyboard = page.keyboard
    keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hoppa till huvudinnehållet")).to_be_focused()
    username = page.get_by_label("Användarnamn")
    for _ in range(10):
        if username.evaluate("element => element === document.activeElement"):
            break
        keyboard.press("Tab")
    expect(username).to_be_focused()
    keyboard.type("rektor")
    keyboard.press("Tab")
    expect(page.get_by_label("Lösenord", exact=True)).to_be_focused()
    keyboard.type("samverkan-demo")
    v.navigate(lambda: keyboard.press("Enter"))
    expect(h1(page)).to_contain_text("Välkommen")
    v.done()


def test_log_reviewer_sees_denials_and_reads(visit: Any, server: Any) -> None:
    facts = server.facts
    other_school = facts["other_school_child"]["id"]
    # The principal reads an own pupil and is refused twice (each worker has its own server,
    # so this journey makes its own events).
    principal = visit()
    principal.login("rektor")
    principal.goto(f"/barn/{facts['own_child']['id']}/")
    expect_not_found(principal, f"/barn/{other_school}/")
    principal.goto("/logg/")
    principal.done()

    v = visit()
    page = v.page
    v.login("loggranskare")
    v.navigate(
        page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Logg").click
    )
    expect(h1(page)).to_have_text("Loggen över läsningar och ändringar")
    page.get_by_label("Användarnamn").fill("rektor")
    v.navigate(page.get_by_role("button", name="Filtrera").click)
    rows = page.get_by_role("row").filter(has_text="rektor")
    expect(rows.filter(has_text="Nekad åtkomst").first).to_be_visible()
    expect(rows.filter(has_text="child.viewed").first).to_be_visible()

    # The refused child's id finds the denial.
    page.get_by_label("Användarnamn").fill("")
    page.get_by_label("Barnets id").fill(other_school)
    v.navigate(page.get_by_role("button", name="Filtrera").click)
    denied = page.get_by_role("row").filter(has_text="access.denied")
    expect(denied.filter(has_text="rektor").first).to_be_visible()
    v.done()

    result = server.samverkan("verify_audit")
    assert result.returncode == 0, f"verify_audit failed:\n{result.stdout}\n{result.stderr}"
