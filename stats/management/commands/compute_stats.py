"""``compute_stats --from DATE --to DATE``: recompute the daily rollups of a range (backfills)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from stats.rollups import stats_backfill


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date in YYYY-MM-DD form.") from None


class Command(BaseCommand):
    help = "Recompute the daily statistics (rollups) from one date to another, both included."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument(
            "--to", dest="date_to", help="Last day, YYYY-MM-DD (default: yesterday; today is still in progress)."
        )

    def handle(self, *args, date_from, date_to, **options):
        start = _date(date_from)
        end = _date(date_to) if date_to else timezone.localdate() - datetime.timedelta(days=1)
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}.")
        if end > timezone.localdate():
            raise CommandError(f"--to {end} is in the future.")
        with tqdm(total=(end - start).days + 1, unit="day", desc="Statistics", file=self.stderr._out) as bar:
            run = stats_backfill(date_from=start, date_to=end, progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(f"Computed {run.days_computed} days from {start} to {end}: {run.rows_written} rows.")
        )
