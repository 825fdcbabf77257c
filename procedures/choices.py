from django.db import models
from django.utils.translation import gettext_lazy as _


class CompetentLevel(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class OnlineService(models.TextChoices):
    NONE = "none", _("Not online")
    PARTIAL = "partial", _("Partial online service")
    FULL = "full", _("Full online service")


class ChangeKind(models.TextChoices):
    NEW = "new", _("New")
    AMENDED = "amended", _("Amended")
    REPLACED = "replaced", _("Replaced")
    ABOLISHED = "abolished", _("Abolished")
