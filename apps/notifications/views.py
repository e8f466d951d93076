from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import ListView

from . import selectors, services


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "notifications/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 30

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)


class NotificationReadView(LoginRequiredMixin, View):
    """Mark one notification read (only the user's own), back to the list (opening one is
    ``NotificationOpenView``)."""

    def post(self, request, pk):
        services.notification_mark_read(user=request.user, notification_id=pk)
        return redirect("notifications:notification-list")


class NotificationOpenView(LoginRequiredMixin, View):
    """Open a notification (the links of the list and of the e-mails): it is marked read and
    its reader goes on to the place it names. Someone else's notification is not found."""

    def get(self, request, pk):
        notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
        services.notification_mark_read(user=request.user, notification_id=pk)
        if notification.url and url_has_allowed_host_and_scheme(notification.url, None):
            return redirect(notification.url)
        return redirect("notifications:notification-list")


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.notification_mark_all_read(user=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)s notification marked as read.",
                "%(count)s notifications marked as read.",
                count,
            )
            % {"count": count},
        )
        return redirect("notifications:notification-list")
