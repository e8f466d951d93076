from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("needs/", views.NeedsListView.as_view(), name="needs"),
    path("desk/", views.DonorDeskView.as_view(), name="donor-desk"),
    path("offers/", views.OfferListView.as_view(), name="offer-list"),
    path("offers/new/", views.OfferCreateView.as_view(), name="offer-create"),
    path("offers/<int:pk>/", views.OfferEditView.as_view(), name="offer-edit"),
    path("offers/<int:pk>/ask/", views.OfferReferralAskView.as_view(), name="referral-ask"),
    path("referrals/", views.ReferralListView.as_view(), name="referral-list"),
    path(
        "interests/<int:pk>/withdraw/",
        views.InterestWithdrawView.as_view(),
        name="interest-withdraw",
    ),
    path(
        "commitments/<int:pk>/<slug:action>/",
        views.CommitmentActionView.as_view(),
        name="commitment-action",
    ),
    path("<str:reference>/interest/", views.InterestExpressView.as_view(), name="interest-express"),
    path(
        "<str:reference>/coverage/",
        views.CoverageUpdateView.as_view(),
        name="coverage-update",
    ),
    path(
        "<str:reference>/commitment/",
        views.CommitmentCreateView.as_view(),
        name="commitment-create",
    ),
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting-create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("meetings/<int:pk>/dossier/", views.MeetingDossierView.as_view(), name="meeting-dossier"),
    path(
        "meetings/<int:pk>/dossier.csv",
        views.MeetingDossierCsvView.as_view(),
        name="meeting-dossier-csv",
    ),
]
