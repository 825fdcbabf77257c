"""The public page of the working-day calendar: the non-working days of a year and where each comes from."""

import datetime

from django.http import Http404
from django.utils import timezone, translation
from django.views.generic import TemplateView

from .calendar import FIRST_YEAR, LAST_YEAR
from .selectors import PACKAGE, overrides_without_effect, special_days


class SpecialDaysView(TemplateView):
    """``/calendar/<year>/``: for everyone, signed in or not, so a clerk or an applicant can see
    why an appointment date moved."""

    template_name = "workdays/special_days.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = kwargs.get("year") or timezone.localdate().year
        if not FIRST_YEAR <= year <= LAST_YEAR - 1:
            raise Http404
        days = special_days(year, language=translation.get_language() or "vi")
        user = self.request.user
        context.update(
            year=year,
            days=days,
            days_off=sum(1 for day in days if day.kind == "day_off"),
            working_days=sum(1 for day in days if day.kind == "working_day"),
            without_effect=overrides_without_effect(year),
            package=PACKAGE,
            years=range(max(FIRST_YEAR, year - 3), min(LAST_YEAR - 1, year + 2) + 1),
            # The ministry office applies an override to the open dossiers (a page of ``dossiers``).
            may_apply=user.is_authenticated and _is_ministry_office(user),
            today=timezone.localdate(),
            weekdays=[datetime.date(2024, 1, day).strftime("%A") for day in range(1, 8)],
        )
        return context


def _is_ministry_office(user) -> bool:
    from units.access import access_for_user

    return access_for_user(user).is_ministry_office
