from django.urls import path

from . import views

app_name = "emulation"
urlpatterns = [
    path("", views.YearListView.as_view(), name="years"),
    path("me/", views.OwnScoresView.as_view(), name="own"),
    path("<int:year>/", views.YearDetailView.as_view(), name="year"),
    path("<int:year>/export.xlsx", views.ExportView.as_view(), name="export"),
    path("<int:year>/tracking.xlsx", views.TrackingExportView.as_view(), name="tracking"),
    path("<int:year>/compute/", views.ComputeView.as_view(), name="compute"),
    path("<int:year>/scheme/", views.SchemeEditView.as_view(), name="scheme"),
    path("<int:year>/manual/", views.ManualScoreView.as_view(), name="manual"),
    path("<int:year>/heads/", views.HeadsView.as_view(), name="heads"),
    path("<int:year>/self-assessment/", views.SelfAssessmentListView.as_view(), name="self_assessments"),
    path("<int:year>/self-assessment/<str:code>/", views.SelfAssessmentView.as_view(), name="self_assessment"),
    path(
        "<int:year>/self-assessment/<str:code>/files/<int:file>/",
        views.EvidenceFileView.as_view(),
        name="evidence_file",
    ),
    path("<int:year>/finalise/", views.FinaliseView.as_view(), name="finalise"),
    path("<int:year>/reopen/", views.ReopenView.as_view(), name="reopen"),
    path("<int:year>/units/<str:code>/", views.UnitBreakdownView.as_view(), name="unit"),
    path("<int:year>/leaders/<int:tenure>/", views.LeaderBreakdownView.as_view(), name="leader"),
]
