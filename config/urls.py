from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("units.api.urls")),
    path("", include("procedures.api.urls")),
    path("", include("dossiers.api.urls")),
    path("stats/", include("dossiers.api.stats_urls")),
    path("emulation/", include("emulation.api.urls")),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("units.urls")),
    path("procedures/", include("procedures.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("reports/", include("dossiers.report_urls")),
    path("dashboards/", include("dossiers.dashboard_urls")),
    path("emulation/", include("emulation.urls")),
]
