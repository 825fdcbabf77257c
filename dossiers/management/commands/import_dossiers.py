"""``manage.py import_dossiers FILE.csv|FILE.xlsx [--as USERNAME] [--source NAME] [--dry-run]`` (docs/import.md)."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from dossiers import importing
from units.access import access_for_user


class Command(BaseCommand):
    help = (
        "Import dossiers from a CSV or XLSX file pushed by a provincial one-stop system or exported from the "
        "national portal, through the bulk synchronisation service: a row we already hold is left alone, a row with "
        "more steps than we hold adds them, so a file can be imported again. "
        "Exits with status 1 when any row failed; the other rows are still imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .csv (UTF-8, comma or semicolon) or .xlsx file")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="record the events as this user and import only procedures of units they may process",
        )
        parser.add_argument(
            "--source",
            default=importing.FILE_SOURCE,
            help="the source system the dossiers are recorded as coming from (default: import)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, then roll everything back")

    def handle(self, *args, file: Path, username: str | None, source: str, dry_run: bool, verbosity: int, **options):
        user, access = self._resolve_user(username)
        try:
            table = importing.read_table(file)
        except importing.ImportFileError as error:
            raise CommandError(str(error)) from None
        if table.unknown_columns:
            self.stderr.write(
                _("Ignoring unknown columns: %(columns)s") % {"columns": ", ".join(table.unknown_columns)},
                self.style.WARNING,
            )

        # The bar writes carriage returns, so it needs the raw stream rather than Django's wrapper.
        stream = options.get("stderr") or sys.stderr
        with tqdm(total=len(table.rows), file=stream, unit="row", disable=verbosity == 0) as bar:
            report = importing.import_table(
                table, by=user, access=access, dry_run=dry_run, progress=bar.update, source=source
            )

        if dry_run:
            self.stdout.write(_("Dry run: every row was checked and nothing was written."))
        self.stdout.write(_("Imported: %(count)d") % {"count": report.imported})
        if report.updated:
            self.stdout.write(_("Updated (steps added or details corrected): %(count)d") % {"count": report.updated})
        self.stdout.write(_("Already present (unchanged): %(count)d") % {"count": report.already_present})
        self.stdout.write(_("Failed: %(count)d") % {"count": report.failed})
        for error in report.errors:
            self.stdout.write(str(error))
        if report.failed:
            counts = {"failed": report.failed, "total": len(table.rows)}
            if dry_run:
                message = _("%(failed)d of %(total)d rows would fail.") % counts
            else:
                message = _("%(failed)d of %(total)d rows failed; the other rows were imported.") % counts
            raise CommandError(message, returncode=1)

    def _resolve_user(self, username: str | None):
        """The user the events are recorded as, and what they may process (no user: a system import)."""
        if username is None:
            return None, None
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(_("No active user is named %(username)s.") % {"username": username})
        access = access_for_user(user)
        if not (access.write_all or access.write_unit_ids):
            raise CommandError(_("%(username)s may not process dossiers of any unit.") % {"username": username})
        return user, access
