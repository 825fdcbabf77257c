"""``create_partitions``: the yearly partitions of this year and the next two, where missing (PostgreSQL).

What the beat entry ``partitions-ahead`` does every night (``config.partitions``), for a
database without Celery beat. Idempotent.
"""

from django.core.management.base import BaseCommand
from django.db import connection

from config.partitions import create_partitions_ahead


class Command(BaseCommand):
    help = "Create the missing yearly partitions of the partitioned tables (this year and the next two)."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing to do: only PostgreSQL partitions its tables.")
            return
        created = create_partitions_ahead()
        for name in created:
            self.stdout.write(f"created {name}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} partitions created."))
