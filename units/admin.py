"""Admin screens for the organisation: units, people, tenures, staff roles and API tokens.

The ministry office maintains these here. Validation lives in the models' ``clean()`` (e.g. two
heads of one unit on the same day), so the admin shows the same messages as the API.
"""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .choices import TenureRole
from .forms import ApiTokenForm, NonOverlappingPeriodsFormSet
from .models import ApiToken, Membership, Person, Tenure, Unit

admin.site.site_header = _("TTHC Tracker administration")
admin.site.site_title = _("TTHC Tracker administration")
admin.site.index_title = _("Catalogue, organisation and calendar")


class HeadTenureInlineFormSet(NonOverlappingPeriodsFormSet):
    """A unit has one head at a time; deputies may overlap."""

    start_field = "start_date"
    end_field = "end_date"

    def takes_part(self, data):
        return data.get("role") == TenureRole.HEAD

    def overlap_message(self, earlier, start, end):
        return gettext(
            "This unit already has a head for part of these dates: %(person)s from %(start)s to %(end)s."
        ) % {"person": earlier.get("person", ""), "start": start, "end": end}


class TenureInline(admin.TabularInline):
    model = Tenure
    formset = HeadTenureInlineFormSet
    extra = 0
    fields = ("person", "role", "start_date", "end_date", "note")
    autocomplete_fields = ("person",)
    ordering = ("-start_date",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "name_en", "kind", "parent", "is_active")
    list_display_links = ("code", "name_vi")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name_vi", "name_en")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    ordering = ("path",)
    inlines = (TenureInline,)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "title", "email", "user")
    list_filter = (("user", admin.EmptyFieldListFilter),)
    search_fields = ("full_name", "title", "email", "user__username")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)


@admin.register(Tenure)
class TenureAdmin(admin.ModelAdmin):
    list_display = ("person", "unit", "role", "start_date", "end_date")
    list_filter = ("role", "unit__kind")
    search_fields = ("person__full_name", "unit__code", "unit__name_vi", "unit__name_en")
    autocomplete_fields = ("person", "unit")
    list_select_related = ("person", "unit")
    date_hierarchy = "start_date"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "role")
    list_filter = ("role", "unit__kind")
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__code", "unit__name_vi")
    autocomplete_fields = ("user", "unit")
    list_select_related = ("user", "unit")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens for other systems. The key is generated here and shown once; only its hash is kept."""

    form = ApiTokenForm

    list_display = (
        "name",
        "user",
        "key_prefix",
        "all_units",
        "scope_list",
        "inherit_user_scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("all_units", "inherit_user_scope", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "key_prefix", "user__username")
    autocomplete_fields = ("user", "units")
    list_select_related = ("user",)
    readonly_fields = ("key_prefix", "created_at", "last_used_at")
    fields = (
        "name",
        "user",
        "inherit_user_scope",
        "all_units",
        "units",
        "scopes",
        "source_system",
        "expires_at",
        "revoked_at",
        "key_prefix",
        "created_at",
        "last_used_at",
    )
    actions = ("revoke",)

    @admin.display(description=_("scopes"))
    def scope_list(self, token):
        return ", ".join(token.scopes) or "—"

    def save_model(self, request, obj, form, change):
        key = None if change else obj.set_new_key()
        super().save_model(request, obj, form, change)
        if key is not None:
            messages.success(
                request,
                _(
                    "API token “%(name)s” created. Copy its key now and give it to the other system; "
                    "only a hash is stored, so it will not be shown again: %(key)s"
                )
                % {"name": obj.name, "key": key},
            )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count},
            messages.SUCCESS,
        )
