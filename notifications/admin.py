from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox, read-only: messages change only by being sent or retried (the staff page)."""

    list_display = ("created_at", "kind", "channel", "recipient", "reference", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("reference", "recipient")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
