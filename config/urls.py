from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from config.api.schema_view import EnglishSchemaView
from dashboards.views import HomeView

api_v1 = [
    path("", include("units.api.urls")),
    path("", include("procedures.api.urls")),
    path("", include("dossiers.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("feedback.api.urls")),
    path("stats/", include("stats.api.urls")),
    path("emulation/", include("emulation.api.urls")),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", EnglishSchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", HomeView.as_view(), name="home"),
    path("", include("units.urls")),
    path("procedures/", include("procedures.urls")),
    path("calendar/", include("workdays.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("lookup/", include("dossiers.public_urls")),
    path("notifications/", include("notifications.urls")),
    path("feedback/public/", include("feedback.public_urls")),
    path("feedback/", include("feedback.urls")),
    path("reports/", include("stats.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("emulation/", include("emulation.urls")),
]

# Errors outside DRF's views answer JSON under /api/ too (config.errors).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
