"""Form plumbing every app's screens share: Bootstrap classes, date inputs, service errors on fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

# Django's Vietnamese for an integer field's error reads "Nhập một số tổng thể." (a "total"
# number); our catalogue says "Nhập một số nguyên.". Marked here so that makemessages keeps the
# override in locale/vi.
WHOLE_NUMBER_MESSAGE = gettext_noop("Enter a whole number.")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LocalDecimalField(forms.DecimalField):
    """A decimal typed and shown in the interface language: "8,5" and "8.5" are both accepted in
    Vietnamese, and a value is shown back as "10,00" (a browser's number input would show
    "10.00", the English form, whatever the page's language). Thousands separators are not
    accepted: points and percentages never need them."""

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)


class BootstrapFormMixin:
    """Bootstrap 5 classes on every widget, and ``is-invalid`` on the fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css_class = "form-check-input"
            elif isinstance(widget, forms.Select):
                css_class = "form-select"
            else:
                css_class = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css_class}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)
