"""Form pieces shared by the admin screens."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import TokenScope
from .models import ApiToken


class NonOverlappingPeriodsFormSet(forms.BaseInlineFormSet):
    """An inline whose rows are periods [start, end] (no end: still running) that must not overlap.

    The model's ``clean()`` checks one row against the rows already saved; it cannot see the other
    rows submitted in the same form (two new rows, or a row whose dates change together with
    another's). This check covers those, with the same message as the model.
    """

    start_field: str
    end_field: str

    def takes_part(self, data: dict) -> bool:
        """Whether a row counts (e.g. only head tenures may not overlap)."""
        return True

    def overlap_message(self, earlier: dict, start: str, end: str) -> str:
        raise NotImplementedError

    def clean(self):
        super().clean()
        # Rows with errors of their own are left out: their dates are not known to be what was meant.
        rows = [
            form
            for form in self.forms
            if not form.errors
            and not self._should_delete_form(form)
            and form.cleaned_data.get(self.start_field)
            and self.takes_part(form.cleaned_data)
        ]
        rows.sort(key=lambda form: form.cleaned_data[self.start_field])
        for index, form in enumerate(rows):
            for earlier in rows[:index]:
                earlier_end = earlier.cleaned_data.get(self.end_field)
                if earlier_end is None or form.cleaned_data[self.start_field] <= earlier_end:
                    form.add_error(
                        self.start_field,
                        self.overlap_message(
                            earlier.cleaned_data,
                            earlier.cleaned_data[self.start_field].strftime("%d/%m/%Y"),
                            earlier_end.strftime("%d/%m/%Y") if earlier_end else gettext("now"),
                        ),
                    )
                    break


class ApiTokenForm(forms.ModelForm):
    """The admin's token form: scopes as checkboxes rather than raw JSON."""

    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=TokenScope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ignored when the token has its user's rights."),
    )

    class Meta:
        model = ApiToken
        fields = ["name", "user", "inherit_user_scope", "all_units", "units", "scopes", "expires_at", "revoked_at"]
