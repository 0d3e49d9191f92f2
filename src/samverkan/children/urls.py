from django.urls import path

from . import views

app_name = "children"
urlpatterns = [
    path("", views.child_search, name="search"),
    path("<uuid:child_id>/", views.child_detail, name="detail"),
]
