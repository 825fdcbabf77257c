from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

app_name = "units-api"
router = DefaultRouter()
router.register("units", views.UnitViewSet)
router.register("tenures", views.TenureViewSet)
urlpatterns = [path("auth/token/", views.TokenObtainView.as_view(), name="token"), *router.urls]
