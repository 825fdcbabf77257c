from django.contrib import admin

from .models import Index766Config


@admin.register(Index766Config)
class Index766ConfigAdmin(admin.ModelAdmin):
    """The ministry office sets each year's points, targets and not-applicable rule of the national index."""

    list_display = ("year", "not_applicable_rule", "paper_result_assumed")
