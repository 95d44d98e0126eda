"""Golden ids from one PostgreSQL sequence per prefix, starting after every id handed out so far."""
from django.db import migrations

PREFIXES = ("SUP", "PRD", "LOC", "UOM")


def create_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    counter = apps.get_model("mdm", "GoldenIdCounter")
    tables = {"SUP": "mdm_supplier", "PRD": "mdm_product", "LOC": "mdm_location", "UOM": "mdm_unitofmeasure"}
    with schema_editor.connection.cursor() as cursor:
        for prefix in PREFIXES:
            counted = counter.objects.filter(prefix=prefix).values_list("last_value", flat=True).first() or 0
            cursor.execute(f"SELECT max(substring(golden_id from '[0-9]+$')::bigint) FROM {tables[prefix]} "
                           f"WHERE golden_id ~ '^{prefix}-[0-9]+$'")
            used = cursor.fetchone()[0] or 0
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS mdm_golden_id_{prefix.lower()} "
                           f"START WITH {max(counted, used) + 1}")


def drop_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for prefix in PREFIXES:
            cursor.execute(f"DROP SEQUENCE IF EXISTS mdm_golden_id_{prefix.lower()}")


class Migration(migrations.Migration):

    dependencies = [
        ("mdm", "0005_source_match_keys"),
    ]

    operations = [migrations.RunPython(create_sequences, drop_sequences)]
