from rest_framework.routers import DefaultRouter

app_name = "procedures-api"
router = DefaultRouter()
urlpatterns = router.urls
