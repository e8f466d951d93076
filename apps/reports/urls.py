from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/data/", views.DashboardDataView.as_view(), name="dashboard-data"),
    path("export/iati.xml", views.IatiExportView.as_view(), name="export-iati"),
    path("export/<str:table>.<str:fmt>", views.ExportView.as_view(), name="export"),
]
