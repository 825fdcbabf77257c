"""Reads of the outbox for the staff page and the API, scoped by ``units.access``."""

from units.access import Access

from .choices import MessageStatus
from .models import Message


def messages_visible_to(access: Access):
    """Messages about the units ``access`` may read (messages of no unit: the ministry office and auditors only)."""
    return access.readable(Message.objects.select_related("unit"))


def shows_contents(access: Access, message: Message) -> bool:
    """The recipient's address and the text are personal data: shown to those who process the unit's dossiers."""
    return access.can_write_unit(message.unit_id)


def may_retry(access: Access, message: Message) -> bool:
    return message.status == MessageStatus.FAILED and access.can_write_unit(message.unit_id)


def masked_recipient(address: str) -> str:
    """``nguyen.an@example.vn`` → ``ng***@example.vn``; ``0912345678`` → ``0912***678``."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:2]}***@{domain}"
    return f"{address[:4]}***{address[-3:]}" if len(address) > 7 else "***"
