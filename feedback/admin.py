from django.contrib import admin

from .models import Feedback, FeedbackEvent


class FeedbackEventInline(admin.TabularInline):
    model = FeedbackEvent
    extra = 0
    can_delete = False
    fields = ("sequence", "kind", "at", "by", "note", "data")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read-only: feedback changes only through its steps (the staff pages and the API)."""

    list_display = ("code", "received_on", "unit", "classification", "status", "due_date", "handling", "liked")
    list_filter = ("status", "classification", "source", "handling")
    search_fields = ("code", "title")
    date_hierarchy = "received_on"
    inlines = [FeedbackEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
