"""A URLconf with one mistake, for the method matrix to catch: the organizations endpoint given
an open DELETE."""

from django.urls import include, path
from rest_framework import mixins
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from apps.api.views import OrganizationViewSet


class OpenOrganizationViewSet(mixins.DestroyModelMixin, OrganizationViewSet):
    permission_classes = [AllowAny]
    http_method_names = [*OrganizationViewSet.http_method_names, "delete"]


router = DefaultRouter()
router.register("organizations", OpenOrganizationViewSet, basename="organization")
urlpatterns = [path("api/", include(([path("v1/", include(router.urls))], "api")))]
