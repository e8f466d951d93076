from django.views.generic import TemplateView

from . import selectors


class PublicNeedsView(TemplateView):
    """Published needs whose State allowed a public summary; no sign-in."""

    template_name = "reports/public_needs.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "needs": selectors.public_need_list()}
