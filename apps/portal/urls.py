"""The portal's pages in the ``cases`` namespace (config/urls.py joins them to apps.cases.urls,
after its fixed paths, so that ``new/`` is not read as a reference)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.RequestListView.as_view(), name="request-list"),
    path("export.csv", views.RequestQueueCsvView.as_view(), name="request-export"),
    path("saved-views/", views.SavedViewCreateView.as_view(), name="savedview-create"),
    path("saved-views/<int:pk>/", views.SavedViewUpdateView.as_view(), name="savedview-update"),
    path(
        "saved-views/<int:pk>/delete/",
        views.SavedViewDeleteView.as_view(),
        name="savedview-delete",
    ),
    path("<str:reference>/", views.RequestDetailView.as_view(), name="request-detail"),
    path("<str:reference>/links/", views.CaseLinkAddView.as_view(), name="case-link-add"),
    path(
        "<str:reference>/best-offers/",
        views.CaseBestOffersView.as_view(),
        name="case-best-offers",
    ),
    path(
        "<str:reference>/duplicates/",
        views.CaseDuplicateDecideView.as_view(),
        name="case-duplicate-decide",
    ),
    path(
        "<str:reference>/links/<int:pk>/remove/",
        views.CaseLinkRemoveView.as_view(),
        name="case-link-remove",
    ),
]
