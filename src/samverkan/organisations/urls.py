from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.unit_list, name="list"),
    path("enheter/<uuid:unit_id>/", views.unit_detail, name="detail"),
]
