"""`manage.py sync_status`: per target pending, oldest pending age, failures, dead letters, last success."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from sync.selectors import target_summaries

COLUMNS = ("target", "active", "circuit_open", "pending", "oldest_pending_age_s", "failures_24h", "dead_letters",
           "last_success")


class Command(BaseCommand):
    help = "Show the delivery health of every sync target."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Machine-readable output")

    def handle(self, *args, **options) -> None:
        rows = target_summaries()
        if options["json"]:
            self.stdout.write(json.dumps(rows, default=str, indent=2))
            return
        cells = [[self._cell(row[column]) for column in COLUMNS] for row in rows]
        widths = [max([len(column)] + [len(line[i]) for line in cells]) for i, column in enumerate(COLUMNS)]
        self.stdout.write("  ".join(column.ljust(width) for column, width in zip(COLUMNS, widths, strict=True)))
        for line in cells:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if not rows:
            self.stdout.write("no targets yet: see `manage.py create_target --help`")

    @staticmethod
    def _cell(value) -> str:
        if value is None:
            return "-"
        if hasattr(value, "isoformat"):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return str(value)
