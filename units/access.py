"""Who may read and write what, by unit.

Every screen, API endpoint and export asks one ``Access`` object rather than checking roles
itself, so the permission rules of DESIGN.md ("Units and people", roles) live in one place:

* ministry office: reads and writes everything;
* auditor: reads everything, writes nothing;
* unit head: reads their unit and its sub-units, and may approve re-appointments there;
* unit officer: reads and processes the dossiers of their own unit only;
* API token: its user's rights, or its own unit scope and ``TokenScope`` list: the endpoints
  a token may use at all are named by its scopes (``units.api.permissions.TokenScopes``).
"""

from dataclasses import dataclass, field

from .choices import MembershipRole, TokenScope
from .models import ApiToken, Membership, Unit


@dataclass(frozen=True)
class Access:
    """The units a principal may read, process (write) and approve in, already expanded."""

    read_all: bool = False
    write_all: bool = False
    read_unit_ids: frozenset[int] = field(default_factory=frozenset)
    write_unit_ids: frozenset[int] = field(default_factory=frozenset)
    approve_unit_ids: frozenset[int] = field(default_factory=frozenset)
    is_ministry_office: bool = False
    # A scoped API token's scopes (``TokenScope`` values); None for a person (their roles decide).
    scopes: frozenset[str] | None = None

    def has_scope(self, scope: str) -> bool:
        """Whether the principal's token (if it is a scoped token) carries ``scope``."""
        return self.scopes is None or scope in self.scopes

    @property
    def can_write_catalogue(self) -> bool:
        """Units, fields and the ministry-wide catalogue are edited by the ministry office only
        (or an all-units token given the ``catalogue:write`` scope by it)."""
        return self.write_all and self.has_scope(TokenScope.CATALOGUE_WRITE)

    @property
    def can_read_anything(self) -> bool:
        return self.read_all or bool(self.read_unit_ids)

    def can_read_unit(self, unit_id: int | None) -> bool:
        return self.read_all or unit_id in self.read_unit_ids

    def can_write_unit(self, unit_id: int | None) -> bool:
        return self.write_all or unit_id in self.write_unit_ids

    def can_approve_unit(self, unit_id: int | None) -> bool:
        return self.write_all or unit_id in self.approve_unit_ids

    def readable(self, queryset, unit_field: str = "unit"):
        """``queryset`` narrowed to rows whose ``unit_field`` this principal may read."""
        if self.read_all:
            return queryset
        return queryset.filter(**{f"{unit_field}__in": self.read_unit_ids})

    def writable(self, queryset, unit_field: str = "unit"):
        """``queryset`` narrowed to rows whose ``unit_field`` this principal may process."""
        if self.write_all:
            return queryset
        return queryset.filter(**{f"{unit_field}__in": self.write_unit_ids})


NO_ACCESS = Access()
FULL_ACCESS = Access(read_all=True, write_all=True, is_ministry_office=True)


def _subtree_ids(unit_ids) -> frozenset[int]:
    units = list(Unit.objects.filter(pk__in=unit_ids).only("path"))
    return frozenset(Unit.objects.subtrees(units).values_list("pk", flat=True))


def access_for_user(user) -> Access:
    """The rights a logged-in user has through their memberships (two queries at most)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    if user.is_superuser:
        return FULL_ACCESS
    roles: dict[str, set[int]] = {}
    for role, unit_id in Membership.objects.filter(user=user, unit__is_active=True).values_list("role", "unit_id"):
        roles.setdefault(role, set()).add(unit_id)
    if MembershipRole.MINISTRY_OFFICE in roles:
        return FULL_ACCESS
    head_units = roles.get(MembershipRole.UNIT_HEAD, set())
    officer_units = frozenset(roles.get(MembershipRole.UNIT_OFFICER, set()))
    head_subtree = _subtree_ids(head_units) if head_units else frozenset()
    return Access(
        read_all=MembershipRole.AUDITOR in roles,
        read_unit_ids=head_subtree | officer_units,
        write_unit_ids=officer_units,
        approve_unit_ids=head_subtree,
    )


def access_for_token(token: ApiToken) -> Access:
    """The rights a request authenticated by ``token`` has."""
    if token.inherit_user_scope:
        return access_for_user(token.user)
    scopes = frozenset(token.scopes)
    if token.all_units:
        return Access(read_all=True, write_all=token.may_write, scopes=scopes)
    scoped = _subtree_ids(token.units.values_list("pk", flat=True))
    return Access(read_unit_ids=scoped, write_unit_ids=scoped if token.may_write else frozenset(), scopes=scopes)


def access_for_request(request) -> Access:
    """The rights of the request's principal, computed once per request."""
    cached = getattr(request, "_tthc_access", None)
    if cached is not None:
        return cached
    token = getattr(request, "auth", None)
    access = access_for_token(token) if isinstance(token, ApiToken) else access_for_user(getattr(request, "user", None))
    request._tthc_access = access
    return access


def source_system_of(request) -> str:
    """The source system a request speaks for, or "" (an officer, a user's token or session).

    A token is marked as a source system by a non-empty ``source_system`` (issue 16's sync tokens);
    only such a request may give past times freely (``dossiers.backdating``).
    """
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        return ""
    return getattr(token, "source_system", "") or ""


def units_visible_to(access: Access):
    """Units the principal may read."""
    return access.readable(Unit.objects.all(), unit_field="pk")
