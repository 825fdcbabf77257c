"""Writes to the organisation: units, tenures and API tokens.

Every write validates with the model's ``full_clean()`` so the API, the admin and the forms give
the same messages, and locks the unit row it depends on so that two requests at the same moment
cannot both pass a check ("no other head on these dates") that only one of them may pass.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from config.exceptions import ConflictError

from .choices import TenureRole, UnitKind
from .models import ApiToken, Person, Tenure, Unit

# A token exchanged for a password is a session for a script: it must not outlive a password
# change by much, so it expires; integrations get long-lived tokens from the ministry office.
EXCHANGED_TOKEN_LIFETIME = datetime.timedelta(days=30)


def lock_units(*units: Unit | None) -> None:
    """Lock the given units' rows until the transaction ends, in id order to avoid deadlocks."""
    ids = sorted({unit.pk for unit in units if unit is not None and unit.pk})
    if ids:
        list(Unit.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def save_validated(instance: models.Model) -> None:
    """``full_clean()`` then save; a unique clash that slipped past the check becomes its message."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        # Another request inserted the same code between our check and our insert: run the
        # check again so the caller gets the same per-field message as without the race.
        instance.validate_unique()
        instance.validate_constraints()
        raise


def set_fields(instance: models.Model, data: dict[str, Any], allowed: Iterable[str]) -> None:
    """Assign ``data`` to ``instance``; a field outside ``allowed`` is a programming error."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"Cannot update {', '.join(sorted(unknown))} of {type(instance).__name__}.")
    for name, value in data.items():
        setattr(instance, name, value)


def model_delete(*, instance: models.Model) -> None:
    """Delete ``instance``, or raise ``ConflictError`` naming what still refers to it."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as error:
        objects = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in objects})
        raise ConflictError(
            _("%(object)s cannot be deleted: %(related)s still refer to it.")
            % {"object": capfirst(str(instance)), "related": ", ".join(kinds)},
            code="protected",
        ) from None


# --- Units ----------------------------------------------------------------------------------

UNIT_FIELDS = ("code", "name_vi", "name_en", "kind", "parent", "is_active")


@transaction.atomic
def unit_create(
    *,
    code: str,
    name_vi: str,
    name_en: str = "",
    kind: str = UnitKind.DEPARTMENT,
    parent: Unit | None = None,
    is_active: bool = True,
) -> Unit:
    """Add a unit to the tree (under ``parent``, or as a root)."""
    lock_units(parent)
    unit = Unit(code=code, name_vi=name_vi, name_en=name_en, kind=kind, parent=parent, is_active=is_active)
    save_validated(unit)
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, data: dict[str, Any]) -> Unit:
    """Change a unit; a new ``parent`` moves the unit with its whole subtree."""
    lock_units(unit, data.get("parent"))
    unit.refresh_from_db()  # the path may have moved since the caller read it
    set_fields(unit, data, UNIT_FIELDS)
    save_validated(unit)
    return unit


def unit_delete(*, unit: Unit) -> None:
    """Delete a unit that nothing refers to; one with sub-units, tenures or procedures is refused."""
    model_delete(instance=unit)


# --- Tenures --------------------------------------------------------------------------------

TENURE_FIELDS = ("person", "unit", "role", "start_date", "end_date", "note")


@transaction.atomic
def tenure_create(
    *,
    person: Person,
    unit: Unit,
    start_date: datetime.date,
    role: str = TenureRole.HEAD,
    end_date: datetime.date | None = None,
    note: str = "",
) -> Tenure:
    """Record that ``person`` heads or deputises ``unit`` from ``start_date`` to ``end_date`` (included).

    The unit row is locked first, so the check that no other head overlaps these dates sees every
    tenure committed before ours and none can be committed alongside it.
    """
    lock_units(unit)
    tenure = Tenure(person=person, unit=unit, role=role, start_date=start_date, end_date=end_date, note=note)
    save_validated(tenure)
    return tenure


@transaction.atomic
def tenure_update(*, tenure: Tenure, data: dict[str, Any]) -> Tenure:
    """Change a tenure (typically: close it with an ``end_date``)."""
    lock_units(tenure.unit, data.get("unit"))
    set_fields(tenure, data, TENURE_FIELDS)
    save_validated(tenure)
    return tenure


def tenure_delete(*, tenure: Tenure) -> None:
    """Delete a tenure recorded by mistake."""
    model_delete(instance=tenure)


# --- API tokens -----------------------------------------------------------------------------


@transaction.atomic
def api_token_create(
    *,
    user: AbstractBaseUser,
    name: str,
    inherit_user_scope: bool = False,
    all_units: bool = False,
    units: Iterable[Unit] = (),
    scopes: Iterable[str] = (),
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns it with its secret key, which is never stored or shown again.

    ``scopes`` are ``units.choices.TokenScope`` values (ignored with ``inherit_user_scope``: such
    a token has its user's rights). Raises ``ValidationError`` for an unknown scope.
    """
    token = ApiToken(
        user=user,
        name=name,
        inherit_user_scope=inherit_user_scope,
        all_units=all_units,
        scopes=list(scopes),
        expires_at=expires_at,
    )
    key = token.set_new_key()
    token.full_clean()
    token.save()
    units = list(units)
    if units:
        token.units.set(units)
    return token, key
