from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    """The two classes of feedback (phản ánh, kiến nghị) the national index counts."""

    REGULATION = "regulation", _("Regulation or procedure")
    CONDUCT = "conduct", _("Officials' conduct")


class Topic(models.TextChoices):
    """What a citizen says the feedback is about, on the public page."""

    DOSSIER = "dossier", _("How my dossier was handled")
    PROCEDURE = "procedure", _("The procedure or its rules")
    CONDUCT = "conduct", _("An official's conduct")


# A citizen's topic → the class staff start from (they may reclassify).
TOPIC_CLASSIFICATION = {
    Topic.DOSSIER: Classification.CONDUCT,
    Topic.PROCEDURE: Classification.REGULATION,
    Topic.CONDUCT: Classification.CONDUCT,
}


class Source(models.TextChoices):
    PUBLIC_PAGE = "public", _("Sent from the public status page")
    DIRECT = "direct", _("Sent to the ministry directly")
    GOVERNMENT_OFFICE = "government_office", _("Forwarded by the Government Office")
    AGENCY = "agency", _("Forwarded by another agency")


class Status(models.TextChoices):
    RECEIVED = "received", _("Being handled")
    AWAITING_INFORMATION = "awaiting_information", _("Awaiting more information")
    REFUSED = "refused", _("Refused")
    ANSWERED = "answered", _("Answered, not yet published")
    PUBLISHED = "published", _("Answer published")


OPEN_STATUSES = (Status.RECEIVED, Status.AWAITING_INFORMATION)


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classified")
    REFUSED = "refused", _("Refused")
    INFORMATION_REQUESTED = "information_requested", _("More information requested")
    INFORMATION_RECEIVED = "information_received", _("More information received")
    ANSWERED = "answered", _("Answered")
    PUBLISHED = "published", _("Answer published")
    RATED = "rated", _("Sender's like or dislike")


class Handling(models.TextChoices):
    """Whether a handled item (refused or answered) met its deadline."""

    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class Action(models.TextChoices):
    """What staff may do next with an item; each is one service."""

    CLASSIFY = "classify", _("Classify")
    REFUSE = "refuse", _("Refuse")
    REQUEST_INFORMATION = "request_information", _("Ask for more information")
    RECEIVE_INFORMATION = "receive_information", _("Record the information received")
    ANSWER = "answer", _("Answer")
    PUBLISH = "publish", _("Publish the answer")
    RATE = "rate", _("Record the sender's like or dislike")
