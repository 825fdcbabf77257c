from rest_framework.routers import DefaultRouter

from .views import FeedbackViewSet

app_name = "feedback-api"
router = DefaultRouter()
router.register("feedback", FeedbackViewSet)
urlpatterns = router.urls
