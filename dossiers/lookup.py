"""The lookup code printed on a dossier's receipt: the applicant's key to the public status page.

A lookup code is 12 characters drawn by ``secrets`` from Crockford's base-32 alphabet (digits and
capital letters without I, L, O and U), so it carries 60 bits of randomness and has nothing to do
with the dossier's code, which is predictable (unit, date, running number). Only the pair (dossier
code, lookup code) opens the public page; with 2**60 possible keys per dossier and lookups
rate-limited per client (``config.ratelimit``), guessing is hopeless.

Codes given to dossiers that existed before lookup codes were introduced were drawn by the
database (migration 0007) from 12 hexadecimal digits: 48 bits, in the same alphabet.

Applicants type codes from paper, so ``normalise_lookup_code`` forgives what people do: spaces
and hyphens, lower case, and the letters O, I and L for the digits 0, 1 and 1.
"""

import secrets

import segno

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
BITS = LENGTH * 5  # 32 = 2**5 symbols
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_lookup_code() -> str:
    """A fresh random lookup code, e.g. ``"7KQ2M9XA4TPC"``."""
    # 60 random bits, five per symbol: the same uniform draw as one ``secrets.choice`` per symbol
    # (the alphabet has exactly 32), with one call to the system's random source instead of 12.
    bits = secrets.randbits(BITS)
    return "".join(ALPHABET[(bits >> shift) & 31] for shift in range(0, BITS, 5))


def normalise_lookup_code(text: str) -> str:
    """What the applicant typed, as stored: ``" 7kq2-m9xa-4tpc "`` → ``"7KQ2M9XA4TPC"``."""
    cleaned = "".join(text.split()).replace("-", "").upper()
    return cleaned.translate(_CONFUSABLE)[: LENGTH + 4]  # a little slack: a longer text never matches


def format_lookup_code(code: str) -> str:
    """The code in groups of four, as printed: ``"7KQ2-M9XA-4TPC"``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def qr_svg(url: str, *, title: str) -> str:
    """``url`` as a QR code in an inline ``<svg>`` (error correction M, so a creased or stained
    receipt still scans). It has a viewBox and no size: the page's CSS gives it one."""
    return segno.make(url, error="m", micro=False).svg_inline(
        border=2, omitsize=True, title=title, svgclass="lookup-qr", lineclass=None
    )
