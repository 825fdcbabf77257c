"""The organisation: the unit tree, who heads each unit when, and who may do what."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import MembershipRole, TenureRole, TokenScope, UnitKind

unit_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_]{0,19}$",
    _("Use 1 to 20 capital letters, digits or underscores, e.g. QLD."),
)


class UnitQuerySet(models.QuerySet):
    def active(self):
        """Units still in operation."""
        return self.filter(is_active=True)

    def subtree(self, unit: "Unit"):
        """The unit itself and every unit below it."""
        return self.filter(path__startswith=unit.path)

    def subtrees(self, units):
        """Every unit at or below any of ``units``."""
        paths = [unit.path for unit in units]
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)


class Unit(models.Model):
    """A unit of the ministry (Vụ, Cục, Văn phòng, Thanh tra, trung tâm) in a tree.

    ``path`` is the chain of ids from the root (``/1/7/12/``), kept by ``save()``, so that "this
    unit and its sub-units" is one indexed prefix query rather than a recursive walk.
    """

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[unit_code_validator])
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("active"), default=True)
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self):
        return f"{self.code} – {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language, falling back to Vietnamese."""
        from django.utils.translation import get_language

        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)

    def clean(self):
        super().clean()
        if self.parent_id and self.pk:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("A unit cannot be its own parent.")})
            parent_path = Unit.objects.filter(pk=self.parent_id).values_list("path", flat=True).first() or ""
            if self.path and parent_path.startswith(self.path):
                raise ValidationError({"parent": _("A unit cannot be placed under one of its own sub-units.")})

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            parent_path = "/"
            if self.parent_id:
                parent_path = Unit.objects.values_list("path", flat=True).get(pk=self.parent_id)
            new_path = f"{parent_path}{self.pk}/"
            if new_path != self.path:
                old_path = self.path
                Unit.objects.filter(pk=self.pk).update(path=new_path)
                if old_path:
                    # Moving a unit moves its whole subtree: rewrite the prefix in one UPDATE.
                    Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
                    )
                self.path = new_path


def login_name(user) -> str:
    """A login's name in Vietnamese order (family and middle name, then given name), or ""."""
    return f"{user.last_name} {user.first_name}".strip() if user is not None else ""


class Person(models.Model):
    """Someone who heads or deputises a unit; may or may not have a login.

    A person linked to a login bears the login's name (issue 13): the head who signs in as
    "Hoàng Văn Hải" finds that name on the unit tree, their leader score and the letters they sign.
    """

    full_name = models.CharField(_("full name"), max_length=255)
    title = models.CharField(_("title"), max_length=255, blank=True)
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("login"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        name = login_name(self.user) if self.user_id else ""
        if name and name != self.full_name:
            self.full_name = name
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "full_name"}
        super().save(*args, **kwargs)


class TenureQuerySet(models.QuerySet):
    def heads(self):
        """Tenures as head of unit (thủ trưởng)."""
        return self.filter(role=TenureRole.HEAD)

    def overlapping(self, start, end):
        """Tenures sharing at least one day with [start, end]; ``end=None`` means open-ended."""
        condition = Q(end_date__isnull=True) | Q(end_date__gte=start)
        if end is not None:
            condition &= Q(start_date__lte=end)
        return self.filter(condition)

    def active_on(self, day):
        """Tenures in force on ``day``."""
        return self.overlapping(day, day)


class Tenure(models.Model):
    """Who headed (or deputised) a unit from which date to which date, both days included."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="tenures")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="tenures")
    role = models.CharField(_("role"), max_length=10, choices=TenureRole.choices, default=TenureRole.HEAD)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Empty while still in office."))
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = TenureQuerySet.as_manager()

    class Meta:
        verbose_name = _("tenure")
        verbose_name_plural = _("tenures")
        ordering = ["unit__path", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="tenure_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["unit", "role", "start_date"])]

    def __str__(self):
        end = self.end_date.isoformat() if self.end_date else "…"
        return f"{self.person} – {self.get_role_display()} {self.unit.code} ({self.start_date.isoformat()} – {end})"

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
        if self.role == TenureRole.HEAD and self.unit_id and self.start_date:
            clash = (
                Tenure.objects.heads()
                .filter(unit_id=self.unit_id)
                .overlapping(self.start_date, self.end_date)
                .exclude(pk=self.pk)
                .select_related("person")
                .first()
            )
            if clash:
                end = clash.end_date.strftime("%d/%m/%Y") if clash.end_date else _("now")
                raise ValidationError(
                    {
                        "start_date": _(
                            "This unit already has a head for part of these dates: "
                            "%(person)s from %(start)s to %(end)s."
                        )
                        % {"person": clash.person, "start": clash.start_date.strftime("%d/%m/%Y"), "end": end}
                    }
                )


class Membership(models.Model):
    """A user's role in a unit; it decides what the user may see and do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.unit.code}"


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


WRITE_SCOPES = frozenset(
    {
        TokenScope.DOSSIERS_WRITE,
        TokenScope.SYNC,
        TokenScope.FEEDBACK_WRITE,
        TokenScope.MESSAGES_WRITE,
        TokenScope.CATALOGUE_WRITE,
    }
)


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Tokens neither revoked nor expired."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def for_key(self, key: str):
        """The token whose secret is ``key`` (only its hash is stored)."""
        return self.filter(key_hash=_hash_key(key))


class ApiToken(models.Model):
    """A credential for another system (national portal, provincial one-stop system).

    With ``inherit_user_scope`` the token has exactly its user's rights, read live from the user's
    memberships. Otherwise it is scoped to ``units`` (and their sub-units), or every unit with
    ``all_units``, and may use only the endpoints its ``scopes`` (``TokenScope`` values) name:
    e.g. the national portal reads and receives dossiers and synchronises, but never writes the
    catalogue. Only a hash of the key is stored.
    """

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    inherit_user_scope = models.BooleanField(_("same rights as its user"), default=False)
    all_units = models.BooleanField(_("all units"), default=False)
    units = models.ManyToManyField(Unit, verbose_name=_("units"), blank=True, related_name="api_tokens")
    scopes = models.JSONField(
        _("scopes"),
        default=list,
        blank=True,
        help_text=_('What the token may do, e.g. ["dossiers:read", "dossiers:write", "sync"].'),
    )
    # The one system whose dossiers this token synchronises (``POST /api/v1/sync/dossiers/``); every
    # dossier it creates records this name, and no other system's token may change that dossier.
    source_system = models.SlugField(
        _("source system"),
        max_length=40,
        blank=True,
        help_text=_("Short name of the system that uses this token, e.g. mcdt-byt; required to synchronise."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    def clean(self):
        super().clean()
        scopes = self.scopes if isinstance(self.scopes, list) else None
        if scopes is None or any(scope not in TokenScope.values for scope in scopes):
            raise ValidationError(
                {"scopes": _("Use a list of these scopes: %(scopes)s.") % {"scopes": ", ".join(TokenScope.values)}}
            )
        self.scopes = sorted(set(scopes))

    def has_scope(self, scope: str) -> bool:
        """Whether the token may use endpoints needing ``scope`` (a token with its user's rights may)."""
        return self.inherit_user_scope or scope in self.scopes

    @property
    def may_write(self) -> bool:
        """Whether any of its scopes writes (receives or processes anything)."""
        return self.inherit_user_scope or any(scope in WRITE_SCOPES for scope in self.scopes)

    def set_new_key(self) -> str:
        """Generate a fresh secret, store its hash and return the secret (shown once)."""
        key = secrets.token_urlsafe(32)
        self.key_hash = _hash_key(key)
        self.key_prefix = key[:8]
        return key
