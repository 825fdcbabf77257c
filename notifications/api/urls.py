from rest_framework.routers import DefaultRouter

from .views import MessageViewSet

app_name = "notifications-api"
router = DefaultRouter()
router.register("messages", MessageViewSet)
urlpatterns = router.urls
