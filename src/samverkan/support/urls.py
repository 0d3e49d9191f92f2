"""Support pages (Swedish paths)."""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("tavla/", views.board, name="board"),
    path("mina-insatser/", views.caseload, name="caseload"),
    path("<uuid:episode_id>/", views.episode, name="episode"),
    path("<uuid:episode_id>/anta/", views.accept, name="accept"),
    path("<uuid:episode_id>/avboj/", views.decline, name="decline"),
    path("<uuid:episode_id>/medarbetare/", views.assign, name="assign"),
    path("<uuid:episode_id>/starta/", views.start, name="start"),
    path("<uuid:episode_id>/avsluta/", views.end, name="end"),
    path("<uuid:episode_id>/resultat/", views.outcome, name="outcome"),
]
