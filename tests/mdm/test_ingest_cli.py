"""The ingest and export_crosswalk commands on CSV and JSONL, and every fatal error writing nothing."""
from __future__ import annotations

import csv
import io
import json
import os

import pytest
from django.core.management import CommandError, call_command

from mdm.models import SourceRecord, SourceStatus, Supplier

pytestmark = pytest.mark.django_db


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_ingest(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command("ingest", *args, stdout=out, **kwargs)
    return out.getvalue()


CSV = (
    "source_key,name,country,phone,email\n"
    "V-1,Acme Corp,US,(415) 555-0100,sales@acme.com\n"
    "V-2,Globex GmbH,DE,030 1234567,\n"
    "V-3,,US,,\n"
)


def test_csv_ingest_summary_and_quarantine_is_not_fatal(tmp_path, erp):
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", CSV)), system="ERP")
    assert "read 3, created 2" in summary and "quarantined 1" in summary and "records/s" in summary
    assert SourceRecord.objects.filter(status=SourceStatus.LINKED).count() == 2
    bad = SourceRecord.objects.get(source_key="V-3")
    assert bad.status == SourceStatus.QUARANTINED and bad.errors[0]["pointer"] == "/name"
    again = run_ingest("supplier", str(write(tmp_path, "erp.csv", CSV)), system="ERP")
    assert "unchanged 2" in again


def test_jsonl_with_a_broken_line_quarantines_that_line(tmp_path, erp):
    lines = [json.dumps({"source_key": "V-1", "name": "Acme"}), "{not json", json.dumps({"source_key": "V-2",
                                                                                          "name": "Globex"})]
    summary = run_ingest("supplier", str(write(tmp_path, "erp.jsonl", "\n".join(lines) + "\n")), system="ERP")
    assert "read 3, created 2" in summary and "quarantined 1" in summary
    broken = SourceRecord.objects.get(status=SourceStatus.QUARANTINED)
    assert broken.raw["_line"] == "{not json"
    assert "not valid JSON" in broken.errors[0]["message"]


def test_map_renames_columns(tmp_path, erp):
    path = write(tmp_path, "vendors.csv", "VENDOR_ID,VENDOR_NAME\nV-9,Initech LLC\n")
    run_ingest("supplier", str(path), "--map", "VENDOR_ID=source_key", "--map", "VENDOR_NAME=name", system="ERP")
    assert Supplier.objects.get().name == "Initech LLC"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("source_key,name,colour\nV-1,Acme,red\n", "unknown column"),
        ("source_key,name,name\nV-1,Acme,Acme\n", "duplicated column"),
        ("id,name\nV-1,Acme\n", "no source_key column"),
        ("", "empty"),
    ],
)
def test_fatal_file_errors_write_nothing(tmp_path, erp, content, message):
    path = write(tmp_path, "bad.csv", content)
    with pytest.raises(CommandError, match=message):
        run_ingest("supplier", str(path), system="ERP")
    assert not SourceRecord.objects.exists() and not Supplier.objects.exists()


def test_unreadable_file_and_unknown_system_write_nothing(tmp_path, erp):
    with pytest.raises(CommandError, match="cannot read"):
        run_ingest("supplier", str(tmp_path / "missing.csv"), system="ERP")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CommandError, match="cannot read"):
        run_ingest("supplier", str(binary), system="ERP")
    with pytest.raises(CommandError, match="unknown system 'NOPE'"):
        run_ingest("supplier", str(write(tmp_path, "ok.csv", CSV)), system="NOPE")
    assert not SourceRecord.objects.exists()


def test_export_crosswalk_right_after_ingest(tmp_path, erp, wms):
    run_ingest("supplier", str(write(tmp_path, "erp.csv", CSV)), system="ERP")
    wms_csv = "source_key,name,country,phone\nacme,ACME CORP.,US,+1 415 555 0100\n"
    run_ingest("supplier", str(write(tmp_path, "wms.csv", wms_csv)), system="WMS")
    out = tmp_path / "xwalk.csv"
    call_command("export_crosswalk", "supplier", output=str(out), stderr=io.StringIO())
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0])[:4] == ["golden_id", "system", "source_key", "status"]
    assert {(r["system"], r["source_key"], r["status"]) for r in rows} == {
        ("ERP", "V-1", "linked"), ("ERP", "V-2", "linked"), ("ERP", "V-3", "quarantined"), ("WMS", "acme", "linked")}
    golden_of = {r["source_key"]: r["golden_id"] for r in rows}
    assert golden_of["acme"] == golden_of["V-1"] != golden_of["V-2"]
    only_wms = io.StringIO()
    call_command("export_crosswalk", "supplier", system="WMS", stdout=only_wms)
    assert len(only_wms.getvalue().strip().splitlines()) == 2


def test_export_crosswalk_stops_quietly_when_its_reader_does(tmp_path, erp):
    """`export_crosswalk ... | head`: once the reader is gone the command ends, without a traceback."""
    run_ingest("supplier", str(write(tmp_path, "erp.csv", CSV)), system="ERP")
    read_end, write_end = os.pipe()
    os.close(read_end)
    errors = io.StringIO()
    # Unbuffered: the header already meets the closed pipe.
    with io.TextIOWrapper(io.FileIO(write_end, "w"), write_through=True) as gone:
        call_command("export_crosswalk", "supplier", stdout=gone, stderr=errors)
        with pytest.raises(BrokenPipeError):
            gone.write("the pipe is closed indeed\n")
    assert errors.getvalue() == ""


def test_create_system_prints_a_token_once(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_system", "erp2", name="Second ERP", kind="erp", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("rst_")
    from mdm.models import IntegrationToken, SourceSystem
    from mdm.models.source import hash_token

    system = SourceSystem.objects.get(code="ERP2")
    stored = IntegrationToken.objects.get(system=system)
    assert stored.key_hash == hash_token(token) and token not in stored.key_hash
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_system", "ERP2", name="again", stdout=io.StringIO(), stderr=io.StringIO())
