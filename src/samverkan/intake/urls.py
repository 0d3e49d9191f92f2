"""URLs of the one way in. Three sections, each with its own views module:
the school side (views_school), intake's handling (views_intake), routing configuration
(views_admin)."""

from django.urls import path

from . import views_admin, views_intake, views_school

app_name = "intake"

school = [
    path("kontakta-socialtjansten/", views_school.entry, name="entry"),
    path(
        "kontakta-socialtjansten/konsultation/",
        views_school.consultation_new,
        name="consultation_new",
    ),
    path("kontakta-socialtjansten/orosanmalan/", views_school.report_new, name="report_new"),
    path("kontakta-socialtjansten/begaran-om-stod/", views_school.request_new, name="request_new"),
    path("kontakta-socialtjansten/skickat/", views_school.sent_list, name="sent_list"),
    path(
        "kontakta-socialtjansten/skickat/<uuid:item_id>/",
        views_school.sent_item,
        name="sent_item",
    ),
    path(
        "kontakta-socialtjansten/skickat/<uuid:item_id>/komplettera/",
        views_school.supplement,
        name="supplement",
    ),
    path(
        "kontakta-socialtjansten/skickat/<uuid:item_id>/begar-aterkoppling/",
        views_school.feedback_request,
        name="feedback_request",
    ),
    path(
        "kontakta-socialtjansten/konsultationer/<uuid:consultation_id>/",
        views_school.consultation_sent,
        name="consultation_sent",
    ),
]

intake = [
    path("mottagning/", views_intake.queue, name="queue"),
    path("mottagning/arenden/<uuid:item_id>/", views_intake.item, name="item"),
    path("mottagning/arenden/<uuid:item_id>/tilldela/", views_intake.assign, name="assign"),
    path(
        "mottagning/arenden/<uuid:item_id>/skyddsbedomning/",
        views_intake.protection,
        name="protection",
    ),
    path("mottagning/arenden/<uuid:item_id>/forlang/", views_intake.extend, name="extend"),
    path("mottagning/arenden/<uuid:item_id>/beslut/", views_intake.decide, name="decide"),
    path(
        "mottagning/arenden/<uuid:item_id>/aterkoppling/",
        views_intake.feedback,
        name="feedback",
    ),
    path("mottagning/arenden/<uuid:item_id>/mote/", views_intake.meeting, name="meeting"),
    path("mottagning/arenden/<uuid:item_id>/overlamna/", views_intake.handover, name="handover"),
    path("mottagning/arenden/<uuid:item_id>/anteckning/", views_intake.note, name="note"),
    path(
        "mottagning/arenden/<uuid:item_id>/barnet/",
        views_intake.resolve_child,
        name="resolve_child",
    ),
    path("mottagning/konsultationer/", views_intake.consultation_queue, name="consultation_queue"),
    path(
        "mottagning/konsultationer/<uuid:consultation_id>/",
        views_intake.consultation_handle,
        name="consultation_handle",
    ),
    path(
        "mottagning/konsultationer/<uuid:consultation_id>/maskera/",
        views_intake.consultation_redact,
        name="consultation_redact",
    ),
    path(
        "mottagning/konsultationer/<uuid:consultation_id>/be-om-anmalan/",
        views_intake.consultation_ask_report,
        name="consultation_ask_report",
    ),
]

admin = [
    path("installningar/fordelning/", views_admin.routing, name="routing"),
    path("installningar/fordelning/ny/", views_admin.rule_new, name="rule_new"),
    path("installningar/fordelning/<uuid:rule_id>/", views_admin.rule_edit, name="rule_edit"),
    path("installningar/fordelning/standard/", views_admin.default_unit, name="default_unit"),
    path("installningar/fordelning/provkor/", views_admin.preview, name="preview"),
    path("installningar/team/<uuid:team_id>/", views_admin.team_profile, name="team_profile"),
]

urlpatterns = school + intake + admin
