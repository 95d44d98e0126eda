"""Install the standard unit set (UN/ECE Rec 20) with its global conversions; safe to re-run."""
from django.core.management.base import BaseCommand

from mdm.audit import change_context
from mdm.uom.standard import install_standard_units


class Command(BaseCommand):
    help = "Install the standard units of measure and global conversions (idempotent)."

    def handle(self, *args, **options) -> None:
        with change_context(reason="seed_units"):
            units, conversions = install_standard_units()
        self.stdout.write(f"Added {units} units and {conversions} global conversions.")
