"""SIP benchmark: the SIP page, a chronology of 200 entries and the SIP's PDF.

    .venv/bin/python bench/plans_bench.py [--requests 300] [--profile sip_page|chronology_200]

In a temporary SQLite data folder (or on $DATABASE_URL when it is set: use a database named
for the bench) with `samverkan.settings.dev` (DEBUG off): migrate, build a tenant with a school,
a school-social team and the region's child psychiatry, one child with an agreed SIP of
20 goals and 20 interventions in 5 versions under a SIP consent, and a second child whose
chronology has 200 entries (intake items with their steps, consents, SIPs). A team social
worker, logged in with `force_login`, gets each page in-process with Django's test Client
`--requests` times after a warm-up, beside the bare /healthz view in the same run; the PDF is
rendered 10 times warm. Query counts are pinned by the tests (plans/tests/test_views.py: 21,
test_chronology.py: 23), flat in the number of rows. The chronology child has a support
episode of the team (the caseload is the episode), so the team worker may open it.

Target ("Fast pages"): p95 <= 15 ms in-process; the PDF under 1 s warm.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _world() -> dict[str, Any]:
    from samverkan.access.roles import Role
    from samverkan.access.tests.factories import staff
    from samverkan.core.models import SecrecyDomain
    from samverkan.organisations.models import Unit
    from samverkan.organisations.tests.factories import (
        MunicipalityFactory,
        SchoolFactory,
        UnitFactory,
    )

    tenant = MunicipalityFactory(name="Benchkommun", code="0991")
    school = SchoolFactory(municipality=tenant, name="Benchskolan")
    team = UnitFactory(
        municipality=tenant, name="Benchteamet", kind=Unit.Kind.TEAM, domain="social_services"
    )
    intake = UnitFactory(
        municipality=tenant, name="Benchmottagningen", function=Unit.Function.INTAKE
    )
    region = UnitFactory(
        municipality=tenant,
        name="BUP Bench",
        kind=Unit.Kind.EXTERNAL,
        domain=SecrecyDomain.HEALTH,
        is_external=True,
    )
    return {
        "tenant": tenant,
        "school": school,
        "team": team,
        "intake": intake,
        "region": region,
        "counsellor": staff(Role.COUNSELLOR, school, username="bench_kurator"),
        "worker": staff(Role.TEAM_SOCIAL_WORKER, team, username="bench_team"),
        "intake_worker": staff(Role.INTAKE_SOCIAL_WORKER, intake, username="bench_mottagning"),
    }


def _child(w: dict[str, Any], tag: str) -> Any:
    from samverkan.children.tests.factories import (
        ChildFactory,
        EnrolmentFactory,
        GuardianFactory,
        GuardianshipFactory,
        NoteFactory,
    )

    child = ChildFactory(municipality=w["tenant"], given_name=f"Bench{tag}")
    GuardianshipFactory(child=child, guardian=GuardianFactory(municipality=w["tenant"]))
    EnrolmentFactory(child=child, school=w["school"])
    NoteFactory(
        child=child,
        owner_unit=w["team"],
        domain="social_services",
        category="social_situation",
        created_by=w["worker"],
    )
    return child


def _sip(w: dict[str, Any], child: Any, *, items: int, versions: int) -> Any:
    from samverkan.access.tests.factories import actor_of
    from samverkan.consent.tests.factories import give_consent
    from samverkan.plans import services
    from samverkan.plans.models import CoordinatedPlan

    consent = give_consent(
        child=child,
        units=[w["school"], w["team"], w["region"]],
        recorded_by=w["counsellor"],
        categories=("plan",),
        purpose="coordinated_plan",
    )
    actor = actor_of(w["counsellor"])
    plan = services.plan_call(
        actor=actor,
        child_id=child.pk,
        reason="Benchmark",
        participants=[
            services.ParticipantInput(w["team"].pk, w["worker"].pk),
            services.ParticipantInput(w["region"].pk, None, "Dr Bench"),
        ],
    )
    CoordinatedPlan.objects.filter(pk=plan.pk).update(consent=consent)
    today = datetime.datetime.now(tz=datetime.UTC).date()
    version = 1
    for number in range(versions):
        content = services.PlanContent(
            lead_unit_id=w["school"].pk,
            goals=tuple(f"Mål {i} i version {number}" for i in range(items)),
            interventions=tuple(
                services.InterventionInput(
                    f"Insats {i}",
                    (w["school"], w["team"], w["region"])[i % 3].pk,
                    f"Person {i}",
                    today,
                    today + datetime.timedelta(days=90),
                    today + datetime.timedelta(days=30),
                )
                for i in range(items)
            ),
            child_words="Jag vill ha lugn och ro.",
        )
        services.plan_save(actor=actor, plan_id=plan.pk, expected_version=version, content=content)
        services.plan_agree(
            actor=actor,
            plan_id=plan.pk,
            expected_version=version + 1,
            attendees="Alla",
            family_agreed=True,
        )
        version += 2
    return plan


def _chronology_child(w: dict[str, Any]) -> Any:
    """A child with about 200 chronology entries for the team worker."""
    from django.utils import timezone

    from samverkan.access.roles import Role
    from samverkan.access.tests.factories import actor_of
    from samverkan.intake import services as intake_services
    from samverkan.intake.models import IntakeItem
    from samverkan.support.tests.factories import episode

    child = _child(w, "Kronologi")
    # The team works with the child (the caseload is the episode): it opens the chronology, and
    # the episode is a source of its own (request, start, member).
    episode(
        child=child,
        team=w["team"],
        members=((w["worker"], Role.TEAM_SOCIAL_WORKER),),
        referring_school=w["school"],
    )
    reporter = actor_of(w["counsellor"])
    for index in range(30):  # 30 items x 6 entries = 180
        item = intake_services.report_submit(
            actor=reporter,
            school_id=w["school"].pk,
            child_id=child.pk,
            observed=f"Iakttagelse {index}",
            situation="I skolan.",
            needs_protection_now="no",
            guardians_informed="yes",
        )
        now = timezone.now()
        IntakeItem.objects.filter(pk=item.pk).update(
            protection_assessed_at=now,
            decided_at=now,
            decision="not_opened",
            feedback_given_at=now,
            meeting_offered_at=now,
            handed_over_to=w["team"],
            handed_over_at=now,
        )
    for _ in range(2):  # 2 SIPs x (called + 4 agreed versions) + consents = 20
        _sip(w, child, items=2, versions=4)
    return child


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--profile",
        choices=["sip_page", "chronology_200"],
        help="Print cProfile's top functions for --requests gets of one page instead of timing.",
    )
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="samverkan-plans-bench-")
    os.environ["SAMVERKAN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "samverkan.settings.dev"
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from samverkan.access.tests.factories import actor_of
    from samverkan.plans import reports, selectors

    assert not settings.DEBUG, "measure with DEBUG off"
    override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]).enable()
    call_command("migrate", "--noinput", verbosity=0)
    w = _world()
    plan = _sip(w, _child(w, "Plan"), items=20, versions=5)
    busy = _chronology_child(w)
    client = Client()
    client.force_login(w["worker"])
    pages = {
        # The bare view in the same run: the machine's own cost of one request (DESIGN 10).
        "bare_healthz": "/healthz",
        "sip_page": f"/sip/{plan.pk}/",
        "chronology_200": f"/barn/{busy.pk}/kronologi/",
    }
    if args.profile:
        import cProfile
        import pstats

        url = pages[args.profile]
        client.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            client.get(url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return 0
    results: dict[str, Any] = {"database": connection.vendor, "requests": args.requests}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        if name == "chronology_200":
            results["chronology_entries"] = response.content.decode().count("<tr class")
        samples = []
        for _ in range(20):
            client.get(url)
        for _ in range(args.requests):
            began = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - began) * 1000)
        results[name] = {
            "p50_ms": round(_p(samples, 0.5), 2),
            "p95_ms": round(_p(samples, 0.95), 2),
        }
    context = selectors.plan_get_visible(actor=actor_of(w["worker"]), plan_id=plan.pk)
    document = reports.plan_document_build(context, datetime.datetime.now(tz=datetime.UTC).date())
    reports.plan_document_render(document)  # cold: loads Pango and fonts
    times = []
    for _ in range(10):
        began = time.perf_counter()
        reports.plan_document_render(document)
        times.append((time.perf_counter() - began) * 1000)
    results["pdf_warm"] = {"p50_ms": round(_p(times, 0.5), 1), "max_ms": round(max(times), 1)}
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
