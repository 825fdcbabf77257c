"""Reads of the outbox for the staff page and the API, scoped by ``units.access``."""

from units.access import Access

from .choices import MessageStatus
from .models import Message


def messages_visible_to(access: Access):
    """Messages about the units ``access`` may read (messages of no unit: the ministry office and auditors only)."""
    return access.readable(Message.objects.select_related("unit"))


def shows_contents(access: Access, message: Message, *, email: str = "") -> bool:
    """The recipient's address and the text are personal data: shown to those who process the
    unit's dossiers, and to the addressee (``email``, the reader's own address: a head reads the
    re-appointment proposal sent to them)."""
    addressee = bool(email) and message.recipient.strip().lower() == email.strip().lower()
    return addressee or access.can_write_unit(message.unit_id)


def may_retry(access: Access, message: Message) -> bool:
    return message.status == MessageStatus.FAILED and access.can_write_unit(message.unit_id)


def masked_recipient(address: str) -> str:
    """``an.nguyen@example.vn`` → ``a***@***.vn``; ``0912345678`` → ``0912***678``.

    The same rule as the applicant's data on the dossier pages (``dossiers.selectors.mask_personal``,
    which this app, below ``dossiers``, cannot import).
    """
    if "@" in address:
        local_part, _at, domain = address.partition("@")
        return f"{local_part[:1]}***@***.{domain.rsplit('.', 1)[-1]}"
    return f"{address[:4]}{'*' * (len(address) - 7)}{address[-3:]}" if len(address) > 7 else "*" * len(address)
