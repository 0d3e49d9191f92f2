"""Support pages (Swedish paths)."""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("tavla/", views.board, name="board"),
    path("mina-insatser/", views.caseload, name="caseload"),
    path("skickade/", views.sent, name="sent"),
    path("kontakta-teamet/<uuid:child_id>/", views.team_request, name="team_request"),
    path("<uuid:episode_id>/", views.episode, name="episode"),
    path("<uuid:episode_id>/anta/", views.accept, name="accept"),
    path("<uuid:episode_id>/avboj/", views.decline, name="decline"),
    path("<uuid:episode_id>/medarbetare/", views.assign, name="assign"),
    path("<uuid:episode_id>/medarbetare/frigor/", views.release, name="release"),
    path("<uuid:episode_id>/samtycke-vuxen/", views.adult_consent, name="adult_consent"),
    path("<uuid:episode_id>/starta/", views.start, name="start"),
    path("<uuid:episode_id>/avsluta/", views.end, name="end"),
    path("<uuid:episode_id>/resultat/", views.outcome, name="outcome"),
]
