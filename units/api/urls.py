from rest_framework.routers import DefaultRouter

app_name = "units-api"
router = DefaultRouter()
urlpatterns = router.urls
