"""Text input rules every app shares: one Unicode form, no invisible characters, phone numbers.

Plain functions, used by the services (the rule's home) and by the API's input check. Issue 13:
a name typed on a Mac (decomposed: "e" + combining circumflex) must be the same name as one typed
on Windows (composed "ê"); bidirectional-control and zero-width characters make a name display
differently from what is stored (and from what a search finds), so they are refused.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Bidi embeddings/overrides/isolates and marks, zero-width spaces/joiners, word joiner and the
# invisible operators, the byte-order mark used as a zero-width no-break space.
INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
PHONE = re.compile(r"^\+?[0-9]{8,15}$")
PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def nfc(value: str) -> str:
    """``value`` in Unicode normal form C (composed: one code point for "ễ"), as everything is stored."""
    return unicodedata.normalize("NFC", value) if value and not unicodedata.is_normalized("NFC", value) else value


def invisible_message(value: str):
    """The message refusing ``value`` if it holds a bidi-control or zero-width character, else None."""
    match = INVISIBLE.search(value or "")
    if match is None:
        return None
    return _("Remove the invisible character U+%(code)04X (a direction or zero-width mark).") % {
        "code": ord(match.group())
    }


def clean_text(value: str, *, field: str) -> str:
    """``value`` in NFC; ``ValidationError`` on ``field`` if it holds an invisible character."""
    message = invisible_message(value)
    if message:
        raise ValidationError({field: message})
    return nfc(value)


def normalise_phone(value: str, *, field: str) -> str:
    """A phone number as stored: digits with an optional leading +, separators (spaces, dots,
    hyphens, brackets) removed; 8 to 15 digits (E.164). ``ValidationError`` on ``field`` otherwise.
    Empty stays empty."""
    value = (value or "").strip()
    if not value:
        return ""
    compact = PHONE_SEPARATORS.sub("", value)
    if not PHONE.match(compact):
        raise ValidationError({field: _("Enter a phone number: 8 to 15 digits, e.g. 0912 345 678 or +84 912 345 678.")})
    return compact
