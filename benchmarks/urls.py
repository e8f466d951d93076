"""The portal's URLs plus the floor views, for the benchmark only (never in config.urls)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path

from . import pages


@login_required
def floor_view(request, name):
    entry = pages.PAGES_BY_SLUG[name]
    return HttpResponse(entry.floor(pages.CURRENT["built"]))


urlpatterns = [
    path("__floor__/<slug:name>/", floor_view, name="benchmark-floor"),
    path("", include("config.urls")),
]
