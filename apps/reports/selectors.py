"""Reads for dashboards, exports, the IATI file and the public page. Every aggregate is computed
in the database; every list is scoped by the apps' own selectors."""

from apps.cases.models import AssistanceRequest, Status, Visibility
from apps.funding.selectors import funding_for_requests

# Needs shown to the public: published, or past agreement and still seeking co-funding.
PUBLIC_STATUSES = (
    Status.PUBLISHED,
    Status.DONOR_INTEREST,
    Status.AGREEMENT,
    Status.IMPLEMENTATION,
)


def public_need_list(*, batch_size: int = 200) -> list[dict]:
    """Published needs whose State allowed a public summary, with their funding gap.

    Only region, categories, the short summary and the gap; nothing else leaves the portal.
    Needs past agreement are listed only while they still have a gap (seeking co-funding).
    """
    queryset = (
        AssistanceRequest.objects.filter(
            status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC_SUMMARY
        )
        .select_related("requesting_organization")
        .prefetch_related("categories")
        .order_by("pk")
    )
    rows = []
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return rows
        figures = funding_for_requests(batch)
        for case in batch:
            figure = figures[case.pk]
            past_agreement = case.status in (Status.AGREEMENT, Status.IMPLEMENTATION)
            if past_agreement and not figure.seeking_cofunding:
                continue
            rows.append(
                {
                    "region": case.requesting_organization.get_region_display(),
                    "categories": [category.name for category in case.categories.all()],
                    "summary": case.summary,
                    "gap": figure.gap.amount,
                    "currency": figure.currency,
                }
            )
        last_pk = batch[-1].pk
