"""Root URLconf. Every view declares its policy (access.decisions.policy)."""

from django.urls import include, path

from samverkan.access import views as access_views
from samverkan.consent import views as consent_views
from samverkan.core import views as core_views

from .api import api_urls

urlpatterns = [
    path("", access_views.start, name="start"),
    path("logga-in/", access_views.LoginView.as_view(), name="login"),
    path("logga-ut/", access_views.LogoutView.as_view(), name="logout"),
    path("sprak/", access_views.set_language, name="set_language"),
    path("barn/<uuid:child_id>/samtycken/", include("samverkan.consent.urls")),
    path("samtycken/vantar/", consent_views.consents_waiting, name="consent_waiting"),
    path(
        "samtycken/<uuid:consent_id>/bekrafta/",
        consent_views.consent_confirm,
        name="consent_confirm",
    ),
    path("barn/", include("samverkan.children.urls")),
    path("organisation/", include("samverkan.organisations.urls")),
    path("logg/", include("samverkan.audit.urls")),
    path("notiser/", include("samverkan.notifications.urls")),
    path("insatser/", include("samverkan.support.urls")),
    path("", include("samverkan.plans.urls")),
    path("", include("samverkan.intake.urls")),
    path("tillganglighet/", core_views.accessibility, name="accessibility"),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/", api_urls()),
]

handler403 = "samverkan.core.views.permission_denied"
handler404 = "samverkan.core.views.page_not_found"
handler500 = "samverkan.core.views.server_error"
