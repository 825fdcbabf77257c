from rest_framework.routers import DefaultRouter

from .views import DossierViewSet

app_name = "dossiers-api"
router = DefaultRouter()
router.register("dossiers", DossierViewSet)
urlpatterns = router.urls
