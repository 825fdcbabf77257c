"""Template filters shared by every page."""

from django import template
from django.utils import numberformat
from django.utils.formats import get_format

from config.numbers import number_text

register = template.Library()


@register.filter
def person_name(user) -> str:
    """A user's name in Vietnamese order (family and middle name, then given name), else the username."""
    full_name = f"{user.last_name} {user.first_name}".strip()
    return full_name or user.get_username()


@register.filter
def grouped(value) -> str:
    """A whole number with thousands grouped in the active language (1.470.000 in Vietnamese, 1,470,000 in English).

    Django's Vietnamese locale defines a thousands separator but no grouping, so ``intcomma`` leaves
    amounts in đồng ungrouped and hard to read.
    """
    if value is None or value == "":
        return ""
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=0,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


@register.filter
def number(value, places=2) -> str:
    """A decimal in the active language's format: 90,00 and 1.200,50 in Vietnamese, 90.00 in English."""
    if value is None or value == "":
        return ""
    return number_text(value, places=int(places))
