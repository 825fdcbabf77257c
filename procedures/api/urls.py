from rest_framework.routers import DefaultRouter

from . import views

app_name = "procedures-api"
router = DefaultRouter()
router.register("fields", views.FieldViewSet)
router.register("procedures", views.ProcedureViewSet, basename="procedure")
router.register(
    r"procedures/(?P<procedure_code>[^/]+)/versions", views.ProcedureVersionViewSet, basename="procedure-version"
)
router.register("reduction-plans", views.ReductionPlanViewSet)
urlpatterns = router.urls
