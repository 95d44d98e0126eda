"""The demo data generator: reproducible, complete truth, consistent references, realistic noise."""
from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.core.management import call_command
from rapidfuzz import fuzz, process

from mdm.demo.generator import (
    DIALECTS,
    ENTITY_FILES,
    MALFORMED_FILE,
    SYSTEMS,
    TRUTH_FILE,
    data_file_name,
    generate,
    gtin_is_valid,
)
from mdm.ingest.files import plan, read_records
from mdm.ingest.schema import field_names
from mdm.ingest.validation import validate_record
from mdm.normalization import parse_decimal_text

SIZES = {"suppliers": 3000, "products": 2000, "locations": 300}


def read(path: Path) -> list[dict[str, str]]:
    """Rows of a generated file; a system's export read as the ingest command reads it, its empty
    cells as ""."""
    if path.name in (TRUTH_FILE, MALFORMED_FILE):
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    file_plan = plan(path.stem.split("_", 1)[1], path, fmt="csv", mapping={})
    return [{**dict.fromkeys(file_plan.columns, ""), **row} for row in read_records(file_plan)]


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate(folder, seed=11, **SIZES)
    return folder


@pytest.fixture(scope="module")
def rows(out) -> dict[tuple[str, str], list[dict[str, str]]]:
    return {(system, entity): read(out / data_file_name(system, entity))
            for system in SYSTEMS for entity in ENTITY_FILES}


@pytest.fixture(scope="module")
def truth(out) -> dict[tuple[str, str, str], str]:
    return {(r["entity"], r["system"], r["source_key"]): r["entity_id"] for r in read(out / TRUTH_FILE)}


@pytest.fixture(scope="module")
def malformed(out) -> dict[tuple[str, str, str], str]:
    return {(r["entity"], r["system"], r["source_key"]): r["problem"] for r in read(out / MALFORMED_FILE)}


def lost_leading_zeros(value: str) -> bool:
    """A GTIN that went through a numeric column: too short, but valid once padded back."""
    return value.isdigit() and 9 <= len(value) <= 11 and gtin_is_valid(value.zfill(14))


def test_same_seed_writes_byte_identical_files_and_another_seed_does_not(tmp_path):
    sizes = {"suppliers": 200, "products": 200, "locations": 40}
    first = generate(tmp_path / "a", seed=5, **sizes)
    second = generate(tmp_path / "b", seed=5, **sizes)
    generate(tmp_path / "c", seed=6, **sizes)
    assert first == second
    for name in first:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "ERP_supplier.csv").read_bytes() != (tmp_path / "c" / "ERP_supplier.csv").read_bytes()


def test_generate_returns_the_number_of_rows_written_per_file(tmp_path):
    counts = generate(tmp_path, suppliers=100, products=100, locations=20, seed=1)
    assert set(counts) == {data_file_name(s, e) for s in SYSTEMS for e in ENTITY_FILES} | {TRUTH_FILE,
                                                                                         MALFORMED_FILE}
    for name, count in counts.items():
        assert len(read(tmp_path / name)) == count, name
    assert counts[TRUTH_FILE] == sum(c for name, c in counts.items() if name not in (TRUTH_FILE, MALFORMED_FILE))


def test_headers_are_source_key_plus_the_canonical_fields_in_each_systems_spelling(out):
    for system in ("ERP", "PORTAL"):
        for entity in ENTITY_FILES:
            with (out / data_file_name(system, entity)).open(encoding="utf-8") as handle:
                assert next(csv.reader(handle)) == ["source_key", *field_names(entity)]
    with (out / data_file_name("WMS", "location")).open(encoding="cp1252") as handle:
        assert next(csv.reader(handle, delimiter=";"))[:3] == ["Source Key", "Code", "Name"]


def test_the_wms_writes_a_legacy_export_that_the_ingest_command_reads_as_it_is(out):
    assert DIALECTS["WMS"].encoding == "cp1252"
    raw = (out / data_file_name("WMS", "supplier")).read_bytes()
    assert raw.startswith(b"Source Key;Name;") and b";NULL;" in raw
    with pytest.raises(UnicodeDecodeError):  # accents in Windows-1252, not UTF-8
        raw.decode("utf-8")
    products = (out / data_file_name("WMS", "product")).read_text(encoding="cp1252").splitlines()
    assert any(re.search(r";\d+,\d\d;KG;", line) for line in products)  # net weights with a decimal comma
    notes = plan("supplier", out / data_file_name("WMS", "supplier"), fmt=None, mapping={}).notes
    assert notes[0].startswith("not UTF-8 (byte ") and notes[0].endswith("decoded as Windows-1252; pass "
                                                                       "--encoding if that is wrong")
    assert notes[1] == "columns separated by semicolon"
    assert notes[2].startswith("columns matched ignoring case and spacing: 'Source Key' as source_key, 'Name' as name")
    assert "'Address Line1' as address_line1" in notes[2] and len(notes) == 3
    assert (out / TRUTH_FILE).read_text().splitlines()[0] == "entity,system,source_key,entity_id"


def test_truth_lists_every_row_exactly_once(rows, truth, out):
    written = [(entity, system, row["source_key"]) for (system, entity), file_rows in rows.items()
               for row in file_rows]
    assert len(written) == len(set(written)) == len(truth) == len(read(out / TRUTH_FILE))
    assert set(written) == set(truth)


def test_source_keys_are_unique_and_in_each_systems_style(rows):
    styles = {("ERP", "supplier"): r"V-\d+", ("PORTAL", "supplier"): r"SUP-\d+", ("WMS", "supplier"): r"[a-z0-9-]+",
              ("WMS", "location"): r"[a-z0-9-]+", ("PORTAL", "location"): r"LOC-\d+"}
    for (system, entity), file_rows in rows.items():
        keys = [row["source_key"] for row in file_rows]
        assert len(keys) == len(set(keys)), (system, entity)
        if (system, entity) in styles:
            assert all(re.fullmatch(styles[system, entity], key) for key in keys), (system, entity)


def test_rows_not_listed_as_malformed_pass_ingest_validation(rows, malformed):
    for system in SYSTEMS:
        units = {row["code"] for row in rows[system, "uom"]}
        for entity in ENTITY_FILES:
            for row in rows[system, entity]:
                if (entity, system, row["source_key"]) in malformed:
                    continue
                result = validate_record(entity, row, known_units=lambda code, u=units: code if code in u else None,
                                         system_code=system)
                problems = [e for e in result.errors
                            if not (e.pointer == "/gtin" and lost_leading_zeros(row["gtin"]))]
                assert not problems, (system, entity, row, problems)


def test_malformed_rows_are_rare_listed_in_truth_and_rejected_by_validation(rows, malformed, truth):
    data_rows = sum(len(r) for (_, entity), r in rows.items() if entity != "uom")
    assert 0.002 * data_rows < len(malformed) < 0.01 * data_rows
    assert set(malformed) <= set(truth)
    by_key = {(entity, system, row["source_key"]): row for (system, entity), r in rows.items() for row in r}
    for key, problem in malformed.items():
        result = validate_record(key[0], by_key[key])
        assert not result.ok, (key, problem, by_key[key])
    assert {"invalid GTIN check digit", "missing name", "invalid country code"} <= set(malformed.values())


def test_gtins_have_valid_check_digits_in_every_well_formed_row(rows, malformed):
    lengths = Counter()
    for system in SYSTEMS:
        for row in rows[system, "product"]:
            if row["gtin"] and ("product", system, row["source_key"]) not in malformed:
                assert gtin_is_valid(row["gtin"].zfill(14)), (system, row)
                lengths[len(row["gtin"])] += 1
    # mostly GTIN-13, some UPC-A (12) and GTIN-14, and leading zeros lost in a numeric column
    assert lengths[13] > lengths[12] > 0 and lengths[14] > 0 and lengths[11] > 0


def test_each_system_knows_a_realistic_share_of_the_suppliers(rows, truth):
    for system, share in (("ERP", 0.90), ("PORTAL", 0.55), ("WMS", 0.45)):
        entities = {truth["supplier", system, row["source_key"]] for row in rows[system, "supplier"]}
        assert abs(len(entities) / SIZES["suppliers"] - share) < 0.04, system


def test_a_few_suppliers_appear_twice_within_one_system_with_different_keys(rows, truth):
    for system in SYSTEMS:
        ids = Counter(truth["supplier", system, row["source_key"]] for row in rows[system, "supplier"])
        duplicated = sum(count - 1 for count in ids.values())
        assert 0.012 < duplicated / len(ids) < 0.045, system


def test_product_supplier_key_names_a_supplier_of_the_same_system(rows, truth):
    for system in SYSTEMS:
        supplier_keys = {row["source_key"] for row in rows[system, "supplier"]}
        referenced = [row for row in rows[system, "product"] if row["supplier_key"]]
        assert len(referenced) > 0.2 * len(rows[system, "product"]), system
        assert all(row["supplier_key"] in supplier_keys for row in referenced), system


def test_same_product_points_at_the_same_real_supplier_in_every_system(rows, truth):
    supplier_of: dict[str, set[str]] = defaultdict(set)
    for system in SYSTEMS:
        for row in rows[system, "product"]:
            if row["supplier_key"]:
                product = truth["product", system, row["source_key"]]
                supplier_of[product].add(truth["supplier", system, row["supplier_key"]])
    assert supplier_of and all(len(suppliers) == 1 for suppliers in supplier_of.values())


def test_location_parent_key_names_a_location_of_the_same_system(rows):
    for system in SYSTEMS:
        keys = {row["source_key"] for row in rows[system, "location"]}
        children = [row for row in rows[system, "location"] if row["parent_key"]]
        assert children, system
        assert all(row["parent_key"] in keys and row["parent_key"] != row["source_key"] for row in children)


def test_same_unit_has_one_entity_id_across_systems_in_each_systems_own_spelling(rows, truth):
    codes_by_id: dict[str, dict[str, str]] = defaultdict(dict)
    for system in SYSTEMS:
        for row in rows[system, "uom"]:
            codes_by_id[truth["uom", system, row["source_key"]]][system] = row["code"]
    assert codes_by_id["EA"] == {"ERP": "EA", "WMS": "PCS", "PORTAL": "EACH"}
    assert codes_by_id["KGM"] == {"ERP": "KGM", "WMS": "KG", "PORTAL": "kg"}
    assert all(len(codes) == 3 for codes in codes_by_id.values())


def test_the_same_supplier_is_spelled_differently_across_systems(rows, truth):
    names: dict[str, dict[str, str]] = defaultdict(dict)
    for system in SYSTEMS:
        for row in rows[system, "supplier"]:
            names[truth["supplier", system, row["source_key"]]].setdefault(system, row["name"])
    shared = [by_system for by_system in names.values() if len(by_system) >= 2 and all(by_system.values())]
    exact = sum(1 for by_system in shared if len(set(by_system.values())) == 1)
    case_only = sum(1 for by_system in shared if len({n.casefold() for n in by_system.values()}) == 1)
    assert exact < 0.3 * len(shared)
    assert case_only < 0.6 * len(shared)


def test_different_suppliers_can_have_nearly_identical_names(rows, truth):
    portal = [row for row in rows["PORTAL", "supplier"] if row["name"]]
    names = [row["name"] for row in portal]
    ids = [truth["supplier", "PORTAL", row["source_key"]] for row in portal]
    scores = process.cdist(names, names, scorer=fuzz.token_sort_ratio, score_cutoff=88, workers=1)
    near_misses = sum(1 for i, j in zip(*scores.nonzero(), strict=True) if i < j and ids[i] != ids[j])
    assert near_misses >= 5
    supply_share = sum("Suppl" in name or "SUPPL" in name for name in names) / len(names)
    assert supply_share > 0.1  # common words are common, so their weight in matching matters


def test_locations_move_a_little_between_systems_but_stay_close(rows, truth, malformed):
    coordinates: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for system in SYSTEMS:
        for row in rows[system, "location"]:
            key = ("location", system, row["source_key"])
            if row["latitude"] and key not in malformed:
                coordinates[truth[key]].append((float(parse_decimal_text(row["latitude"])),
                                                float(parse_decimal_text(row["longitude"]))))
    spreads = [max(abs(a[0] - b[0]) for a in points for b in points)
               for points in coordinates.values() if len(points) >= 2]
    assert spreads and max(spreads) < 0.01
    assert sum(spread > 0 for spread in spreads) > 0.5 * len(spreads)


def test_command_writes_the_files(tmp_path, capsys):
    call_command("generate_demo_data", "--suppliers", "50", "--products", "40", "--locations", "12",
                 "--seed", "3", "--out", str(tmp_path))
    assert len(read(tmp_path / "ERP_supplier.csv")) > 30
    assert (tmp_path / TRUTH_FILE).exists()
    assert "truth.csv" in capsys.readouterr().out


def test_products_without_any_suppliers_have_blank_supplier_keys(tmp_path):
    counts = generate(tmp_path, suppliers=0, products=30, locations=0, seed=2)
    assert counts["ERP_supplier.csv"] == counts["ERP_location.csv"] == 0
    products = read(tmp_path / "ERP_product.csv")
    assert products and all(row["supplier_key"] == "" for row in products)
