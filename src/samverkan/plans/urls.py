"""SIP pages: a child's SIPs under /barn/<child_id>/sip/ and one SIP under /sip/<plan_id>/."""

from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("barn/<uuid:child_id>/sip/", views.plan_list, name="list"),
    path("barn/<uuid:child_id>/sip/ny/", views.plan_call, name="call"),
    path("barn/<uuid:child_id>/kronologi/", views.child_chronology, name="chronology"),
    path("sip/<uuid:plan_id>/", views.plan_detail, name="detail"),
    path("sip/<uuid:plan_id>/andra/", views.plan_edit, name="edit"),
    path("sip/<uuid:plan_id>/overenskommen/", views.plan_agree, name="agree"),
    path("sip/<uuid:plan_id>/samtycke/", views.plan_consent_link, name="consent_link"),
    path("sip/<uuid:plan_id>/historik/", views.plan_history, name="history"),
    path("sip/<uuid:plan_id>/sip.pdf", views.plan_pdf, name="pdf"),
    path("sip/<uuid:plan_id>/moten/", views.meeting_schedule, name="meeting"),
    path(
        "sip/<uuid:plan_id>/lankar/<uuid:participant_id>/",
        views.download_link,
        name="download_link",
    ),
    path("sip/hamta/<str:token>/", views.download, name="download"),
]
