from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.PortalSettingsView.as_view(), name="portal-settings"),
    path("exchange-rates/", views.ExchangeRateListView.as_view(), name="exchange-rate-list"),
]
