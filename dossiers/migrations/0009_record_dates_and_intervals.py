"""Upgrade the dossiers already stored to the national index's pause rules (issue 10).

For every dossier, in batches: replay its events once with the calendar as it stands now, write
the dates each event fixed into its data (so no later calendar change can move them), store the
re-derived projection (the new ``overdue_from``, and the timeliness of dossiers that ended while
waiting for a supplement, now judged on their request day) and write its state intervals.

The statistics are not recomputed here: run ``manage.py compute_stats --from <first day>`` once
after the upgrade (README, "Upgrading").
"""

from django.db import migrations

BATCH = 1000


def forward(apps, schema_editor):
    from dossiers.deadlines import DossierState, derive_state
    from workdays.calendar import WorkCalendar

    Dossier = apps.get_model("dossiers", "Dossier")
    Event = apps.get_model("dossiers", "DossierEvent")
    Interval = apps.get_model("dossiers", "StateInterval")
    Override = apps.get_model("workdays", "CalendarOverride")
    calendar = WorkCalendar(dict(Override.objects.values_list("date", "kind")))

    ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        events = {pk: [] for pk in batch}
        for event in Event.objects.filter(dossier_id__in=batch).order_by("dossier_id", "sequence"):
            events[event.dossier_id].append(event)
        changed_events, dossiers, intervals = [], [], []
        for dossier in Dossier.objects.filter(pk__in=batch):
            history = events[dossier.pk]
            if not history:
                continue
            before = [dict(event.data or {}) for event in history]
            state = derive_state(history, processing_days=dossier.processing_days, calendar=calendar, record=True)
            changed_events.extend(event for event, old in zip(history, before) if event.data != old)
            for name, value in state.stored_values().items():
                setattr(dossier, name, value)
            dossiers.append(dossier)
            intervals.extend(
                Interval(
                    dossier_id=dossier.pk,
                    unit_id=dossier.unit_id,
                    procedure_id=dossier.procedure_id,
                    field_id=dossier.field_id,
                    starts_on=interval.starts_on,
                    ends_on=interval.ends_on,
                    due=interval.due,
                    overdue_from=interval.overdue_from,
                )
                for interval in state.intervals
            )
        Event.objects.bulk_update(changed_events, ["data"], batch_size=500)
        Dossier.objects.bulk_update(dossiers, list(DossierState.STORED_FIELDS), batch_size=500)
        Interval.objects.filter(dossier_id__in=batch).delete()
        Interval.objects.bulk_create(intervals, batch_size=2000)


class Migration(migrations.Migration):
    # Record the dates under the calendar the dossiers were counted on, before the official days
    # shipped with this release change it.
    run_before = [("workdays", "0003_official_days")]

    dependencies = [
        ("dossiers", "0008_state_intervals"),
        ("workdays", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=True)]
