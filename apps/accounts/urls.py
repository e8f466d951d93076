from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("preferences/api-token/", views.ApiTokenView.as_view(), name="api-token"),
]
