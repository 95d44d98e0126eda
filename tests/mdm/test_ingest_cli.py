"""The ingest and export_crosswalk commands on CSV and JSONL, and every fatal error writing nothing."""
from __future__ import annotations

import csv
import io
import json
import os
from decimal import Decimal

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
    assert "quarantine reasons: /name required 1 (fix or discard them in the stewardship UI)" in summary
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


def test_a_json_array_export_with_nested_addresses(tmp_path, erp):
    document = {"exported": "2026-11-28", "data": [
        {"id": 1001, "Name": "Acme Corp", "address": {"line1": "1 Main Street", "city": "Boston", "country": "US"}},
        {"id": 1002, "Name": "Globex GmbH", "address": {"city": "Berlin", "country": "DE"}},
        "not a record",
    ]}
    path = write(tmp_path, "vendors.json", json.dumps(document))
    summary = run_ingest("supplier", str(path), "--map", "id=source_key", "--map", "address.city=city",
                         "--map", "address.country=country", system="ERP")
    assert "'Name' as name" in summary and "'address.line1' as address_line1" in summary
    assert "read 3, created 2" in summary and "quarantined 1" in summary
    acme = SourceRecord.objects.get(source_key="1001")
    assert acme.raw == {"source_key": 1001, "name": "Acme Corp", "address_line1": "1 Main Street", "city": "Boston",
                        "country": "US"}
    assert Supplier.objects.get(golden_id=acme.golden_id).city == "Boston"
    broken = SourceRecord.objects.get(status=SourceStatus.QUARANTINED)
    assert "an item must be a JSON object" in broken.errors[0]["message"]


@pytest.mark.parametrize(("content", "message"), [
    ('[{"source_key": "V-1", "name": "Acme"', "is not valid JSON"),
    ('{"suppliers": [], "products": []}', "holds no array of records"),
    ('"just text"', "holds no array of records"),
])
def test_json_files_that_hold_no_records_write_nothing(tmp_path, erp, content, message):
    with pytest.raises(CommandError, match=message):
        run_ingest("supplier", str(write(tmp_path, "export.json", content)), system="ERP")
    assert not SourceRecord.objects.exists()


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


def test_a_windows_export_with_semicolons_and_spaced_headers_is_read_as_it_is(tmp_path, erp):
    path = tmp_path / "Lieferanten.csv"
    path.write_bytes(
        "Source Key;Supplier-Name;Country;Postal Code\r\n"
        "L-1;Müller & Söhne GmbH;Deutschland;10115\r\n"
        "L-2;\"Bäckerei; Groß KG\";DE;80331\r\n".replace("Supplier-Name", "Name").encode("cp1252")
    )
    summary = run_ingest("supplier", str(path), system="ERP")
    assert "not UTF-8 (byte 0xfc on line 2" in summary and "decoded as Windows-1252" in summary
    assert "columns separated by semicolon" in summary
    assert "'Source Key' as source_key" in summary and "'Postal Code' as postal_code" in summary
    assert "read 2, created 2" in summary
    assert sorted(Supplier.objects.values_list("name", flat=True)) == ["Bäckerei; Groß KG", "Müller & Söhne GmbH"]
    assert SourceRecord.objects.get(source_key="L-1").raw["postal_code"] == "10115"


def test_column_names_written_without_separators_or_with_a_hyphen(tmp_path, erp):
    text = "SourceKey,Name,E-Mail,PostalCode,Country\nV-1,Acme Corp,sales@acme.com,02110,US\n"
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), system="ERP")
    assert "'E-Mail' as email" in summary and "'PostalCode' as postal_code" in summary
    assert "read 1, created 1" in summary
    assert Supplier.objects.get().email == "sales@acme.com"


def test_tab_separated_and_utf16_files(tmp_path, erp):
    tsv = tmp_path / "vendors.tsv"
    tsv.write_text("source_key\tname\tcountry\nV-1\tAcme, Inc.\tUS\n", encoding="utf-8")
    assert "read 1, created 1" in run_ingest("supplier", str(tsv), system="ERP")
    utf16 = tmp_path / "vendors.csv"
    utf16.write_text("source_key,name\nV-2,Ōsaka Trading\n", encoding="utf-16")
    summary = run_ingest("supplier", str(utf16), system="ERP")
    assert "decoded as UTF-16" in summary and "read 1, created 1" in summary
    assert sorted(Supplier.objects.values_list("name", flat=True)) == ["Acme, Inc.", "Ōsaka Trading"]


def test_utf16_without_a_byte_order_mark(tmp_path, erp):
    path = tmp_path / "vendors.csv"
    path.write_bytes("source_key,name\nV-1,Ōsaka Trading\n".encode("utf-16-le"))
    summary = run_ingest("supplier", str(path), system="ERP")
    assert "decoded as UTF-16-LE (no byte order mark)" in summary and "read 1, created 1" in summary
    assert Supplier.objects.get().name == "Ōsaka Trading"


def test_a_stray_nul_or_an_overlong_field_quarantines_its_row_only(tmp_path, erp):
    text = f"source_key,name\nV-1,Acme\nV-2,Glo\x00bex\nV-3,{'x' * 200_000}\nV-4,Initech\n"
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), system="ERP")
    assert "read 4, created 2" in summary and "quarantined 2" in summary
    errors = {r.source_key: r.errors[0] for r in SourceRecord.objects.filter(status=SourceStatus.QUARANTINED)}
    assert errors["V-2"]["code"] == "invalid_character"
    assert (errors["V-3"]["pointer"], errors["V-3"]["code"]) == ("/name", "too_long")


def test_excels_sep_line_and_trailing_nameless_columns(tmp_path, erp):
    text = "sep=;\nsource_key;name;country;;\nV-1;Acme, Inc.;US;;\nV-2;Globex;DE;;\n"
    summary = run_ingest("supplier", str(write(tmp_path, "excel.csv", text)), system="ERP")
    assert "columns separated by semicolon" in summary and "left out 2 empty column(s) without a name" in summary
    assert "read 2, created 2" in summary
    raw = SourceRecord.objects.get(source_key="V-1").raw
    assert raw == {"source_key": "V-1", "name": "Acme, Inc.", "country": "US"}
    holding = "source_key,name,\nV-3,Initech,oops\n"
    with pytest.raises(CommandError, match=r"column\(s\) 3 have no name in the header but hold values"):
        run_ingest("supplier", str(write(tmp_path, "holding.csv", holding)), system="ERP")
    assert SourceRecord.objects.count() == 2


def test_a_files_decimal_comma_is_learnt_from_its_numbers(tmp_path, erp):
    from mdm.models import Location

    text = ("Source Key;Name;Latitude;Longitude\n"
            "L-1;Berlin DC;52,520008;13,404954\n"
            "L-2;Munich DC;48,137;11,575\n")
    summary = run_ingest("location", str(write(tmp_path, "sites.csv", text)), system="ERP")
    assert "numbers written with a decimal comma: '1,500' as 1.5" in summary and "created 2" in summary
    munich = SourceRecord.objects.get(source_key="L-2")
    assert munich.raw["_number_format"] == "decimal_comma" and munich.raw["latitude"] == "48,137"
    assert "_number_format" not in SourceRecord.objects.get(source_key="L-1").raw  # its numbers are plain
    golden = Location.objects.get(golden_id=munich.golden_id)
    assert (golden.latitude, golden.longitude) == (Decimal("48.137"), Decimal("11.575"))
    # A file whose numbers show no convention leaves "48,137" to a steward.
    alone = "source_key;name;latitude;longitude\nL-3;Stuttgart DC;48,775;9,182\n"
    summary = run_ingest("location", str(write(tmp_path, "one.csv", alone)), system="ERP")
    assert "quarantined 1" in summary and "decimal comma" not in summary
    assert SourceRecord.objects.get(source_key="L-3").errors[0]["code"] == "ambiguous_number"


def test_encoding_and_delimiter_can_be_given(tmp_path, erp):
    path = tmp_path / "odd.csv"
    path.write_bytes("source_key|name\nV-1|Caf\u00e9 Noir SARL\n".encode("latin-1"))
    summary = run_ingest("supplier", str(path), "--encoding", "latin-1", "--delimiter", "bar", system="ERP")
    assert "read 1, created 1" in summary and "decoded" not in summary
    assert Supplier.objects.get().name == "Café Noir SARL"


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (b"source_key,name\nV-1,M\xfcller\n", ["--encoding", "utf-8"], "byte 0xfc on line 2, offset 21"),
        (b"source_key,name\nV-1,Acme\n", ["--encoding", "klingon"], "unknown encoding 'klingon'"),
        (b"source_key,name\nV-1,Acme\n", ["--delimiter", "colon"], "unknown delimiter 'colon'"),
        (b"PK\x03\x04\x14\x00\x06\x00", [], "ZIP archive \\(an Excel workbook\\?\\); save it as CSV"),
        (b"\x00\x00\x00\x01\x00\x00\x07\x00\x00\x00", [], "mostly NUL bytes"),
    ],
)
def test_unreadable_encodings_and_workbooks_write_nothing(tmp_path, erp, content, options, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_ingest("supplier", str(path), *options, system="ERP")
    assert not SourceRecord.objects.exists()


def test_exports_spellings_of_an_empty_value_are_read_as_empty(tmp_path, erp):
    text = "source_key,name,country,phone,email\nV-1,Foo Ltd,GB,NULL,n/a\nV-2,Bar Ltd,GB, - ,#N/A\n"
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), system="ERP")
    assert "read 2, created 2" in summary and "quarantined 0" in summary
    assert SourceRecord.objects.get(source_key="V-1").raw == {"source_key": "V-1", "name": "Foo Ltd", "country": "GB"}
    lines = [json.dumps({"source_key": "V-3", "name": "Baz Ltd", "Phone": "NULL"})]
    summary = run_ingest("supplier", str(write(tmp_path, "erp.jsonl", "\n".join(lines))), system="ERP")
    assert "'Phone' as phone" in summary and "read 1, created 1" in summary
    assert SourceRecord.objects.get(source_key="V-3").raw == {"source_key": "V-3", "name": "Baz Ltd", "phone": None}


def test_null_values_can_be_turned_off(tmp_path, erp):
    text = "source_key,name,country,phone\nV-1,Foo Ltd,GB,NULL\n"
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), "--null-values", "", system="ERP")
    assert "quarantined 1" in summary and "quarantine reasons: /phone invalid_phone 1" in summary
    assert SourceRecord.objects.get().errors[0]["pointer"] == "/phone"


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


def test_a_systems_default_country_reads_the_phones_of_records_that_name_none(tmp_path, db):
    from mdm.models import SourceSystem

    call_command("create_system", "WMS-EU", name="Warehouse", country="Germany", no_token=True, stderr=io.StringIO())
    assert SourceSystem.objects.get(code="WMS-EU").default_country == "DE"
    text = "source_key,name,phone,postal_code\nW-1,Müller GmbH,030 1234567,10115\nW-2,Acme Inc,+1 415 555 0100,\n"
    summary = run_ingest("supplier", str(write(tmp_path, "wms.csv", text)), system="WMS-EU")
    assert "read 2, created 2" in summary and "quarantined 0" in summary
    phones = dict(SourceRecord.objects.values_list("source_key", "normalized__phone"))
    assert phones == {"W-1": "+49301234567", "W-2": "+14155550100"}
    # The golden record does not claim a country the source did not send.
    assert not Supplier.objects.exclude(country="").exists()
    with pytest.raises(CommandError, match="'Atlantis' is not an ISO 3166 country"):
        call_command("create_system", "X", name="X", country="Atlantis", no_token=True, stderr=io.StringIO())


def test_a_quote_never_closed_breaks_its_own_row_only(tmp_path, erp):
    from mdm.ingest.services import fix_quarantined_record

    text = ("source_key,name,country,phone\n"
            'V-1,"Acme Corp,US,(415) 555-0100\n'
            "V-2,Globex,DE,030 1234567\n"
            'V-3,"Initech, Inc",US,\n'
            "V-4,Umbrella,US,\n")
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), system="ERP")
    assert "read 4, created 3" in summary and "quarantined 1" in summary
    assert {r.source_key: r.status for r in SourceRecord.objects.all()} == {
        "V-1": SourceStatus.QUARANTINED, "V-2": SourceStatus.LINKED, "V-3": SourceStatus.LINKED,
        "V-4": SourceStatus.LINKED}
    assert SourceRecord.objects.get(source_key="V-3").raw["name"] == "Initech, Inc"
    broken = SourceRecord.objects.get(source_key="V-1")
    assert broken.raw["_line"] == 'V-1,"Acme Corp,US,(415) 555-0100'
    assert broken.raw["name"] == '"Acme Corp' and broken.raw["country"] == "US"
    assert "a quote opened in this row is never closed" in broken.errors[0]["message"]
    fixed = fix_quarantined_record(record=broken, raw={"name": "Acme Corp", "country": "US"}, user=None,
                                   reason="closed the quote")
    assert fixed.outcome == "created"


def test_a_quote_never_closed_on_the_last_row(tmp_path, erp):
    text = 'source_key,name,country\nV-1,Acme,US\nV-2,"Globex,DE\n'
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), system="ERP")
    assert "read 2, created 1" in summary and "quarantined 1" in summary
    assert SourceRecord.objects.get(source_key="V-2").errors[0]["message"] == "row has 2 values, header has 3"


def test_a_value_over_several_lines_is_one_value(tmp_path, erp):
    text = 'source_key,name,address_line1,country\nV-1,Acme,"1 Main St\nSuite 5",US\nV-2,Globex,,DE\n'
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), system="ERP")
    assert "read 2, created 2" in summary
    assert SourceRecord.objects.get(source_key="V-1").raw["address_line1"] == "1 Main St\nSuite 5"


def test_columns_the_hub_does_not_hold_can_be_left_out(tmp_path, erp):
    text = ("Vendor ID,Name,Country,Payment Terms,Created By\n"
            "V-1,Acme Corp,US,NET30,jdoe\n"
            "V-2,Globex,DE,NET60,\n")
    path = write(tmp_path, "erp.csv", text)
    with pytest.raises(CommandError, match=r"unknown column\(s\) for supplier: Payment Terms, Created By;.*--ignore"):
        run_ingest("supplier", str(path), system="ERP", map=["Vendor ID=source_key"])
    assert SourceRecord.objects.count() == 0
    summary = run_ingest("supplier", str(path), system="ERP", map=["Vendor ID=source_key"],
                         ignore=["payment terms,CreatedBy", "Currency"])
    assert "left out 2 column(s) as asked: Created By, Payment Terms" in summary
    assert "--ignore named no column of the file: Currency" in summary
    assert "read 2, created 2" in summary
    assert SourceRecord.objects.get(source_key="V-1").raw == {"source_key": "V-1", "name": "Acme Corp",
                                                              "country": "US"}


def test_a_json_object_left_out_by_its_name(tmp_path, erp):
    lines = [json.dumps({"id": "V-1", "name": "Acme", "meta": {"created": "2020-01-01", "by": "jdoe"}, "x": 1}),
             json.dumps({"id": "V-2", "name": "Globex", "x": 2})]
    path = write(tmp_path, "erp.jsonl", "\n".join(lines) + "\n")
    summary = run_ingest("supplier", str(path), system="ERP", map=["id=source_key"], ignore=["meta", "X"])
    assert "left out 3 column(s) as asked: meta.by, meta.created, x" in summary and "read 2, created 2" in summary
    assert SourceRecord.objects.get(source_key="V-1").raw == {"source_key": "V-1", "name": "Acme"}


def test_blank_lines_and_rows_of_empty_cells_are_not_records(tmp_path, erp):
    text = "source_key,name,country\nV-1,Acme,US\n\nV-2,Globex,DE\n , ,\n,,\n\n"
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), system="ERP")
    assert "skipped 4 empty row(s)" in summary and "read 2, created 2, " in summary and "quarantined 0" in summary
    assert SourceRecord.objects.count() == 2


def test_a_title_above_the_header_is_skipped(tmp_path, erp):
    text = ("Vendor master - exported 2026-11-01\n\n"
            "Vendor ID;Name;Country\nV-1;Acme;US\nV-2;Globex;DE\n")
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), system="ERP", map=["Vendor ID=source_key"])
    assert "skipped 2 line(s) above the header: 'Vendor master - exported 2026-11-01'" in summary
    assert "columns separated by semicolon" in summary and "read 2, created 2" in summary
    no_key = "Vendor master\nid,name\nV-1,Acme\n"
    with pytest.raises(CommandError, match="no source_key column"):
        run_ingest("supplier", str(write(tmp_path, "nokey.csv", no_key)), system="ERP")


def test_whole_numbers_a_spreadsheet_wrote_as_decimals_are_read_as_meant(tmp_path, erp):
    text = ("source_key,name,country,postal_code,phone,city\n"
            "1001.0,Acme Corp,US,2110.0,6175550100.0,1.0\n"
            "1002.0,Globex,US,,,Boston\n")
    summary = run_ingest("supplier", str(write(tmp_path, "erp.csv", text)), system="ERP")
    assert "read without it ('1001.0' as 1001) in: phone, postal_code, source_key" in summary
    assert "read 2, created 2" in summary
    acme = SourceRecord.objects.get(source_key="1001")
    assert acme.raw["postal_code"] == "2110" and acme.raw["city"] == "1.0"  # a city of another form stays
    assert Supplier.objects.get(golden_id=acme.golden_id).postal_code == "02110"
    assert SourceRecord.objects.filter(source_key="1002").exists()
    lines = [json.dumps({"source_key": 7.0, "name": "Initech", "country": "US", "duns": 123456789.0}),
             json.dumps({"source_key": 8.0, "name": "Umbrella", "country": "US"})]
    summary = run_ingest("supplier", str(write(tmp_path, "more.jsonl", "\n".join(lines) + "\n")), system="ERP")
    assert "in: duns, source_key" in summary and "created 2" in summary
    assert SourceRecord.objects.get(source_key="7").raw["duns"] == 123456789


def test_an_excel_workbook_is_read_from_its_first_sheet(tmp_path, erp):
    """Written with openpyxl (a test dependency), read with calamine."""
    import datetime

    import openpyxl

    from mdm.models import Location

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sites"
    sheet.append(["Site list, exported 2026-11-01"])
    sheet.append([])
    sheet.append(["Site ID", "Name", "Country", "Latitude", "Longitude", "Postal Code", "Opened"])
    sheet.append([1001, "Berlin DC", "DE", 52.520008, 13.404954, 10115, datetime.date(2020, 1, 6)])
    sheet.append([1002, "Munich DC", "DE", 48.137, 11.575, None, None])
    sheet.append([None, None, None, None, None, None, None])
    workbook.create_sheet("Notes").append(["not", "data"])
    path = tmp_path / "sites.xlsx"
    workbook.save(path)

    summary = run_ingest("location", str(path), system="ERP", map=["Site ID=source_key"], ignore=["Opened"])
    assert "read the first of 2 sheets, 'Sites'" in summary and "skipped 2 line(s) above the header" in summary
    assert "read 2, created 2" in summary
    berlin = SourceRecord.objects.get(source_key="1001")
    assert berlin.raw == {"source_key": "1001", "name": "Berlin DC", "country": "DE", "latitude": "52.520008",
                          "longitude": "13.404954", "postal_code": "10115"}
    assert Location.objects.get(golden_id=berlin.golden_id).latitude == Decimal("52.520008")

    with pytest.raises(CommandError, match="has no sheet 'Vendors'; its sheets: Sites, Notes"):
        run_ingest("location", str(path), system="ERP", sheet="Vendors")
    broken = write(tmp_path, "broken.xlsx", "source_key,name\nV-1,Acme\n")
    with pytest.raises(CommandError, match=r"cannot read .* as a workbook \(Excel or OpenDocument\)"):
        run_ingest("supplier", str(broken), system="ERP")
    assert SourceRecord.objects.count() == 2
