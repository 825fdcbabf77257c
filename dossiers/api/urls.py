from django.urls import path
from rest_framework.routers import DefaultRouter

from .sync_views import DossierChangesView, SyncDossiersView
from .views import DossierViewSet

app_name = "dossiers-api"
router = DefaultRouter()
router.register("dossiers", DossierViewSet)
urlpatterns = [
    path("sync/dossiers/", SyncDossiersView.as_view(), name="sync-dossiers"),
    path("sync/dossiers/changes/", DossierChangesView.as_view(), name="sync-dossier-changes"),
    *router.urls,
]
