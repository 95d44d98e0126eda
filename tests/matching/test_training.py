"""train_matcher: a trained model is stored, versioned, shown and used; a degenerate one is set aside."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from mdm.demo.generator import generate
from mdm.matching.model import MAX_PRIOR, default_model, implausible
from mdm.models import MatchModelVersion
from mdm.services.matching import active_model
from mdm.services.systems import create_source_system

pytestmark = pytest.mark.django_db


def _load(tmp_path, entity: str, **sizes) -> None:
    generate(tmp_path, seed=3, **sizes)
    for code, priority in (("ERP", 10), ("PORTAL", 20)):
        create_source_system(code=code, name=code, priority=priority)
        call_command("ingest", entity, str(tmp_path / f"{code}_{entity}.csv"), system=code, workers=1,
                     train="never", stdout=io.StringIO())


def _train(entity: str, *args: str) -> str:
    out = io.StringIO()
    call_command("train_matcher", entity, *args, stdout=out)
    return out.getvalue()


def test_a_plausible_model_is_stored_shown_and_used(tmp_path):
    _load(tmp_path, "supplier", suppliers=600, products=0, locations=0)

    output = _train("supplier")

    version = MatchModelVersion.objects.get(entity="supplier")
    assert version.active and version.notes == ""
    assert f"stored model v{version.version}" in output and "not used" not in output
    assert implausible(active_model("supplier")[0]) is None
    assert active_model("supplier")[2] == version.version
    assert "v1 active" in _train("supplier", "--show")


def test_an_estimate_that_separates_places_instead_of_duplicates_is_set_aside(tmp_path):
    # Branches and warehouses of a chain: many per city, each agreeing with its neighbours on
    # city, postal area and coordinates. EM takes "same city" for "same location" here.
    _load(tmp_path, "location", suppliers=100, products=0, locations=2000)

    output = _train("location")

    version = MatchModelVersion.objects.get(entity="location")
    assert not version.active
    assert "candidate pairs are matches" in version.notes and "not used" in output
    assert version.params["prior"] >= MAX_PRIOR - 1e-9  # kept as it came out, for a steward to see
    assert active_model("location")[2] != version.version  # the defaults stay in use
    assert active_model("location")[0].to_params() == default_model("location").to_params()
    assert "inactive" in _train("location", "--show")


def test_implausible_names_a_model_whose_matches_fill_half_the_candidate_pairs_and_differ_on_most_fields():
    model = default_model("location")
    assert implausible(model) is None
    # In a small hub most candidate pairs can be duplicates: a capped share alone is no sign.
    model.prior = MAX_PRIOR
    assert implausible(model) is None
    for name in ("name", "address", "coordinates", "code"):
        model.m[name] = [*(0.1 / (len(model.m[name]) - 1) for _ in model.m[name][:-1]), 0.9]
    reason = implausible(model)
    assert "candidate pairs are matches" in reason and "name, address, coordinates, code" in reason
