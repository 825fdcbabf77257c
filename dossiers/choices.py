from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")
    POSTAL = "postal", _("Public postal service")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Status(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Awaiting supplement")
    ENDED = "ended", _("Processing ended")
    RETURNED = "returned", _("Result returned")


OPEN_STATUSES = (Status.PROCESSING, Status.AWAITING_SUPPLEMENT)


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    REFUSED = "refused", _("Refused")
    STOPPED = "stopped", _("Stopped")
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    SUPPLEMENT_RECEIVED = "supplement_received", _("Supplement received")
    REAPPOINTED = "reappointed", _("Re-appointed with apology")
    ENDED = "ended", _("Processing ended")
    RETURNED = "returned", _("Result returned")
    RATED = "rated", _("Rated by the applicant")
    DEADLINE_RECALCULATED = "deadline_recalculated", _("Deadline recalculated")


class Action(models.TextChoices):
    """What an officer may do next with a dossier; each is one service."""

    REQUEST_SUPPLEMENT = "request_supplement", _("Request supplement")
    RECEIVE_SUPPLEMENT = "receive_supplement", _("Receive supplement")
    REAPPOINT = "reappoint", _("Re-appoint with apology")
    END = "end", _("End processing")
    RETURN = "return", _("Return result")
    RATE = "rate", _("Record rating")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the head's approval")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
