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
