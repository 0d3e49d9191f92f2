"""Consent pages under /barn/<child_id>/samtycken/ (the child_id comes from the include)."""

from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("ny/", views.consent_record, name="record"),
    path("<uuid:consent_id>/", views.consent_detail, name="detail"),
    path("<uuid:consent_id>/parter/ny/", views.party_add, name="party_add"),
    path(
        "<uuid:consent_id>/parter/<uuid:party_id>/aterkalla/",
        views.party_withdraw,
        name="party_withdraw",
    ),
    path("<uuid:consent_id>/blankett.pdf", views.consent_form_pdf, name="form_pdf"),
    path("<uuid:consent_id>/underlag/", views.evidence_download, name="evidence"),
    path(
        "<uuid:consent_id>/underlag/<uuid:confirmation_id>/",
        views.evidence_download,
        name="confirmation_evidence",
    ),
    path("utlamna/", views.record_release, name="release"),
    path("utlamnanden/<uuid:release_id>/aterta/", views.release_revoke, name="release_revoke"),
]
