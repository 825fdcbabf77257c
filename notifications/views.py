"""The staff page of messages (``/notifications/``): what was sent to whom, its delivery state, and a retry.

Thin: it reads through ``selectors`` (scoped by ``units.access``) and retries through
``services.message_retry``. Addresses and texts are personal data, shown to those who process the
unit's dossiers; others see the address masked and the subject only.
"""

from functools import cached_property

from django.contrib import messages as flash
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView

from config.exceptions import ConflictError
from units.access import Access, access_for_request

from . import services
from .choices import MessageChannel, MessageStatus
from .filtersets import MessageFilterSet
from .selectors import masked_recipient, may_retry, messages_visible_to, shows_contents


class StaffMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.access.can_read_anything:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def access(self) -> Access:
        return access_for_request(self.request)

    def get_message(self):
        return get_object_or_404(messages_visible_to(self.access), pk=self.kwargs["pk"])


def _decorate(message, access: Access, email: str = ""):
    message.recipient_shown = (
        message.recipient if shows_contents(access, message, email=email) else masked_recipient(message.recipient)
    )
    message.may_retry = may_retry(access, message)
    return message


class MessageListView(StaffMixin, FilterView):
    """Messages newest first, 50 a page, with their delivery state; failed ones may be retried."""

    filterset_class = MessageFilterSet
    template_name = "notifications/message_list.html"
    context_object_name = "outbox"
    paginate_by = 50

    def get_queryset(self):
        return messages_visible_to(self.access).defer("body", "body_html")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        email = self.request.user.email if self.request.user.is_authenticated else ""
        for message in context["outbox"]:
            _decorate(message, self.access, email)
        query = self.request.GET
        context.update(
            status_choices=MessageStatus.choices,
            channel_choices=MessageChannel.choices,
            selected={name: query.get(name, "") for name in ("status", "channel", "kind", "q")},
        )
        return context


class MessageDetailView(StaffMixin, TemplateView):
    template_name = "notifications/message_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        email = self.request.user.email if self.request.user.is_authenticated else ""
        message = _decorate(self.get_message(), self.access, email)
        context.update(message=message, shows_contents=shows_contents(self.access, message, email=email))
        return context


class MessageRetryView(StaffMixin, View):
    """``POST``: send a failed message again (those who process the unit's dossiers)."""

    def post(self, request, pk):
        message = self.get_message()
        if not self.access.can_write_unit(message.unit_id):
            raise PermissionDenied
        try:
            services.message_retry(message=message)
        except ConflictError as error:
            flash.error(request, error.message)
        else:
            flash.success(request, _("The message will be sent again."))
        return redirect("notifications:detail", pk=message.pk)
