"""python manage.py export_crosswalk ENTITY [--output FILE] [--system CODE]"""
from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from mdm.ingest.schema import ENTITIES
from mdm.selectors import crosswalk_rows


class Command(BaseCommand):
    help = "Write the crosswalk of one entity as CSV: golden_id,system,source_key,status,..."

    def add_arguments(self, parser) -> None:
        parser.add_argument("entity", choices=ENTITIES)
        parser.add_argument("--output", "-o", default="-")
        parser.add_argument("--system", default=None)

    def handle(self, *args, **options) -> None:
        header = ["golden_id", "system", "source_key", "status", "first_seen", "last_seen"]
        try:
            handle = self.stdout if options["output"] == "-" else open(options["output"], "w", newline="")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot write {options['output']}: {exc}") from exc
        count = 0
        try:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            for row in crosswalk_rows(entity=options["entity"], system_code=options["system"]):
                writer.writerow(row)
                count += 1
        except BrokenPipeError:
            pass  # the reader stopped early (`| head`): nothing more to write, and no traceback
        finally:
            if handle is not self.stdout:
                handle.close()
        if options["output"] != "-":
            self.stderr.write(f"wrote {count} rows to {options['output']}")
