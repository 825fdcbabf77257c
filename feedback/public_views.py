"""The citizen's feedback pages (no login): send feedback about one's dossier, follow it, like or dislike it.

Sending is reached from the dossier's public status page and needs the same (dossier code,
lookup code) pair; following an item needs its own pair (its code and lookup code, given when it
is sent and in the e-mail or SMS). Both count against the same per-client limits as the dossier
lookups (``dossiers.public_views.limited``), with the same neutral answer for a wrong pair.
Everything the citizen typed is shown as text.
"""

import hmac

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from config.exceptions import ConflictError
from config.forms import add_service_errors
from dossiers.lookup import format_lookup_code, normalise_lookup_code
from dossiers.public_views import TooManyLookups, find_dossier, limited, private, too_many_context
from dossiers.public_views import neutral_message as neutral_dossier_message

from . import services
from .choices import Action
from .deadlines import allowed_actions, derive_state
from .forms import FeedbackLookupForm, PublicFeedbackForm, PublicFeedbackRateForm
from .models import Feedback


def feedback_by_lookup(*, code: str, lookup_code: str) -> Feedback | None:
    """The item whose code and lookup code are both the given ones, else None (compared in constant time)."""
    code = (code or "").strip().upper()[:30]
    typed = normalise_lookup_code(lookup_code or "")
    if not code or not typed:
        return None
    item = Feedback.objects.select_related("unit", "dossier").filter(code=code).first()
    stored = item.lookup_code if item is not None else "0" * 12
    return item if item is not None and hmac.compare_digest(stored.encode(), typed.encode()) else None


def neutral_message() -> str:
    return _("No feedback matches this code and lookup code. Check both against the message you received.")


class FeedbackSendView(View):
    """``/feedback/send/?code=…&key=…`` (the dossier's pair): the form, and sending it."""

    template_name = "feedback/public_send.html"

    def get(self, request):
        if not request.GET.get("code") and not request.GET.get("key"):
            # Reached without a dossier: send the applicant to look theirs up first (nothing counted).
            return private(render(request, self.template_name, {"not_found": neutral_dossier_message()}))
        try:
            dossier = find_dossier(request, code=request.GET.get("code", ""), key=request.GET.get("key", ""))
        except TooManyLookups:
            return private(render(request, self.template_name, too_many_context(), status=429))
        if dossier is None:
            return private(render(request, self.template_name, {"not_found": neutral_dossier_message()}))
        form = PublicFeedbackForm(initial={"code": dossier.code, "key": format_lookup_code(dossier.lookup_code)})
        return private(render(request, self.template_name, {"dossier": dossier, "form": form}))

    def post(self, request):
        form = PublicFeedbackForm(request.POST)
        try:
            dossier = find_dossier(request, code=request.POST.get("code", ""), key=request.POST.get("key", ""))
        except TooManyLookups:
            return private(render(request, self.template_name, too_many_context(), status=429))
        if dossier is None:
            return private(render(request, self.template_name, {"not_found": neutral_dossier_message()}))
        context = {"dossier": dossier, "form": form}
        if not form.is_valid():
            return private(render(request, self.template_name, context, status=400))
        data = form.cleaned_data
        try:
            item = services.feedback_submit_public(
                dossier=dossier,
                topic=data["topic"],
                title=data["title"],
                content=data["content"],
                email=data["email"],
                phone=data["phone"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return private(render(request, self.template_name, context, status=400))
        except ConflictError as error:
            context["conflict"] = error.message
            return private(render(request, self.template_name, context, status=409))
        messages.success(
            request,
            _(
                "Thank you: your feedback was received as %(code)s. Keep its lookup code %(key)s to follow it; "
                "the answer is due by %(day)s."
            )
            % {
                "code": item.code,
                "key": format_lookup_code(item.lookup_code),
                "day": item.answer_by.strftime("%d/%m/%Y"),
            },
        )
        return redirect(services.feedback_lookup_path(item))


def item_context(item: Feedback, *, rating_form=None) -> dict:
    may_rate = Action.RATE in allowed_actions(derive_state(list(item.events.order_by("sequence"))))
    if may_rate and rating_form is None:
        rating_form = PublicFeedbackRateForm(initial={"code": item.code, "key": format_lookup_code(item.lookup_code)})
    return {"item": item, "may_rate": may_rate, "rating_form": rating_form}


class FeedbackStatusView(View):
    """``/feedback/lookup/?code=…&key=…``: an item's status, its answer, and the like or dislike."""

    template_name = "feedback/public_status.html"

    def get(self, request):
        if "code" not in request.GET and "key" not in request.GET:
            return private(render(request, self.template_name, {"form": FeedbackLookupForm()}))
        form = FeedbackLookupForm(request.GET)
        context = {"form": form}
        status = 200
        if form.is_valid():
            try:
                item = limited(
                    request,
                    code=form.cleaned_data["code"],
                    find=lambda: feedback_by_lookup(
                        code=form.cleaned_data["code"], lookup_code=form.cleaned_data["key"]
                    ),
                )
            except TooManyLookups:
                context.update(too_many_context())
                status = 429
            else:
                if item is None:
                    form.add_error(None, neutral_message())
                else:
                    context.update(item_context(item))
        return private(render(request, self.template_name, context, status=status))


class FeedbackRateView(View):
    """``POST /feedback/lookup/rate/``: the sender likes or dislikes the handling, once."""

    template_name = "feedback/public_status.html"

    def post(self, request):
        form = PublicFeedbackRateForm(request.POST)
        lookup = FeedbackLookupForm({"code": request.POST.get("code", ""), "key": request.POST.get("key", "")})
        if not lookup.is_valid():
            return private(render(request, self.template_name, {"form": lookup}, status=400))
        try:
            item = limited(
                request,
                code=lookup.cleaned_data["code"],
                find=lambda: feedback_by_lookup(
                    code=lookup.cleaned_data["code"], lookup_code=lookup.cleaned_data["key"]
                ),
            )
        except TooManyLookups:
            return private(render(request, self.template_name, {"form": lookup, **too_many_context()}, status=429))
        if item is None:
            lookup.add_error(None, neutral_message())
            return private(render(request, self.template_name, {"form": lookup}))
        if not form.is_valid():
            return private(render(request, self.template_name, item_context(item, rating_form=form), status=400))
        try:
            services.feedback_rate(
                feedback=item, liked=form.cleaned_data["liked"], comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return private(render(request, self.template_name, item_context(item, rating_form=form), status=400))
        except ConflictError as error:
            return private(
                render(request, self.template_name, {**item_context(item), "conflict": error.message}, status=409)
            )
        messages.success(request, _("Thank you: your rating has been recorded."))
        return redirect(services.feedback_lookup_path(item))
