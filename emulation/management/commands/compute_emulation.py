"""``manage.py compute_emulation --year 2026``: compute a year's emulation scores now."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ConflictError
from emulation.models import LeaderScore, UnitScore
from emulation.services import emulation_compute


class Command(BaseCommand):
    help = "Compute the emulation scores of units and leaders for a year (the reporting year 15 Dec – 14 Dec)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="The year, e.g. 2026.")

    def handle(self, *args, year: int, **options):
        try:
            record = emulation_compute(year=year)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except ConflictError as error:
            raise CommandError(error.message) from None
        units = UnitScore.objects.filter(year=record).count()
        leaders = LeaderScore.objects.filter(year=record).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Computed {record.year}: {units} unit score(s), {leaders} leader score(s), "
                f"statistics up to {record.scored_to:%Y-%m-%d}."
            )
        )
