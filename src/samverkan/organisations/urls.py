from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.unit_list, name="list"),
    path("enheter/<uuid:unit_id>/", views.unit_detail, name="detail"),
    path("kontakter/", views.contact_coverage, name="contacts"),
    path("kontakter/flytta/", views.contacts_move, name="contacts_move"),
    path("kontakter/<uuid:school_id>/byt/", views.contact_assign, name="contact_assign"),
]
