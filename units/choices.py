from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    DEPARTMENT = "department", _("Department (Vụ)")
    ADMINISTRATION = "administration", _("Administration (Cục)")
    OFFICE = "office", _("Ministry Office")
    INSPECTORATE = "inspectorate", _("Inspectorate")
    CENTRE = "centre", _("Centre")
    OTHER = "other", _("Other")


class TenureRole(models.TextChoices):
    HEAD = "head", _("Head")
    DEPUTY = "deputy", _("Deputy")


class MembershipRole(models.TextChoices):
    MINISTRY_OFFICE = "ministry_office", _("Ministry office")
    UNIT_HEAD = "unit_head", _("Unit head")
    UNIT_OFFICER = "unit_officer", _("Unit officer")
    AUDITOR = "auditor", _("Auditor")


class TokenScope(models.TextChoices):
    """What an integration's API token may do (on top of its unit scope).

    A request whose token lacks the scope an endpoint names is a 403 before anything is read.
    Reading the catalogue (units, fields, procedures, tenures) needs no scope.
    """

    DOSSIERS_READ = "dossiers:read", _("Dossiers: read")
    DOSSIERS_WRITE = "dossiers:write", _("Dossiers: receive and process")
    SYNC = "sync", _("Synchronisation with another system")
    FEEDBACK_READ = "feedback:read", _("Feedback: read")
    FEEDBACK_WRITE = "feedback:write", _("Feedback: enter and handle")
    MESSAGES_READ = "messages:read", _("Messages: read")
    MESSAGES_WRITE = "messages:write", _("Messages: send again")
    CATALOGUE_WRITE = "catalogue:write", _("Catalogue: write (units, fields, procedures, tenures, plans)")
    STATS_READ = "stats:read", _("Statistics: read")
    EMULATION_READ = "emulation:read", _("Emulation: read")
