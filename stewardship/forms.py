"""Forms of the stewardship UI: page filters, and the action forms that all require a reason."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from mdm.ingest.schema import ENTITY_FIELDS
from mdm.models import Entity, SourceSystem
from stewardship.models import ReviewStatus
from sync.models import DeliveryState, EventType

ENTITY_CHOICES = [("", "All entities"), *Entity.choices]


def system_choices() -> list[tuple[str, str]]:
    return [("", "All systems"), *SourceSystem.objects.order_by("code").values_list("code", "code")]


class HubForm(forms.Form):
    """Labels without a trailing colon, so a label reads the same to a screen reader and a test."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ReasonForm(HubForm):
    """Every change a steward makes says why; the reason goes into the history."""

    reason = forms.CharField(
        max_length=500, strip=True, widget=forms.TextInput(attrs={"placeholder": "Why? (recorded in history)"}),
        help_text="Recorded in the audit history.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Please give a reason.")
        return reason


class ReviewFilterForm(HubForm):
    entity = forms.ChoiceField(choices=ENTITY_CHOICES, required=False)
    system = forms.ChoiceField(choices=(), required=False)
    min_score = forms.FloatField(required=False, label="Score from")
    max_score = forms.FloatField(required=False, label="Score to")
    older_than_days = forms.IntegerField(required=False, min_value=0, label="Older than (days)")
    status = forms.ChoiceField(choices=ReviewStatus.choices, required=False, initial=ReviewStatus.OPEN)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = system_choices()


class BulkAcceptForm(ReasonForm):
    entity = forms.ChoiceField(choices=Entity.choices)
    min_score = forms.FloatField(label="Merge every open task scoring at least")


class DiscardForm(ReasonForm):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "discard")
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "Reason for discarding"


class PinForm(ReasonForm):
    attribute = forms.CharField(widget=forms.HiddenInput)
    value = forms.CharField(max_length=300, required=False)


class UnpinForm(ReasonForm):
    attribute = forms.CharField(widget=forms.HiddenInput)


class UnmergeForm(ReasonForm):
    source_record = forms.IntegerField(widget=forms.HiddenInput)


class QuarantineFixForm(ReasonForm):
    """One text field per canonical field of the record's entity, prefilled from its payload."""

    def __init__(self, *args, entity: str, raw: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.entity = entity
        for spec in ENTITY_FIELDS[entity]:
            value = raw.get(spec.name, "")
            self.fields[f"f_{spec.name}"] = forms.CharField(
                label=spec.title, required=False, initial="" if value is None else str(value),
                max_length=1000,
            )
        # Keep the reason last, after the payload fields.
        self.fields["reason"] = self.fields.pop("reason")
        self.fields["reason"].label = "Reason for the fix"

    def payload(self) -> dict[str, str]:
        data = {}
        for spec in ENTITY_FIELDS[self.entity]:
            value = self.cleaned_data.get(f"f_{spec.name}", "")
            if value not in ("", None):
                data[spec.name] = value
        return data


class HistoryFilterForm(HubForm):
    KIND_CHOICES = [
        ("", "All kinds"),
        ("supplier", "Supplier"), ("product", "Product"), ("location", "Location"), ("uom", "Unit of measure"),
        ("source_record", "Source record"), ("product_supplier", "Product supplier"),
        ("review_task", "Review task"), ("not_a_match", "Not a match"), ("sync_action", "Sync action"),
    ]
    ACTION_CHOICES = [("", "All actions"), ("+", "Created"), ("~", "Changed"), ("-", "Deleted")]

    entity = forms.ChoiceField(choices=ENTITY_CHOICES, required=False)
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False, label="Record kind")
    user = forms.CharField(required=False, max_length=150, label="User")
    system = forms.ChoiceField(choices=(), required=False, label="Integration")
    action = forms.ChoiceField(choices=ACTION_CHOICES, required=False)
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    request_id = forms.CharField(required=False, max_length=64, label="Request id")
    record = forms.CharField(required=False, max_length=64, label="Record id or key")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = system_choices()

    def range(self) -> tuple[datetime | None, datetime | None]:
        """The date range as aware datetimes; `until` is inclusive of its whole day."""
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        tz = timezone.get_current_timezone()
        start = datetime.combine(since, time.min, tzinfo=tz) if since else None
        end = datetime.combine(until, time.min, tzinfo=tz) + timedelta(days=1) if until else None
        return start, end


class AsOfForm(HubForm):
    at = forms.DateTimeField(
        label="As of",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class QuarantineFilterForm(HubForm):
    entity = forms.ChoiceField(choices=ENTITY_CHOICES, required=False)
    system = forms.ChoiceField(choices=(), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = system_choices()


class DeliveryFilterForm(HubForm):
    state = forms.ChoiceField(choices=[("", "All states"), *DeliveryState.choices], required=False)


class SearchForm(HubForm):
    q = forms.CharField(required=False, max_length=200, label="Name, golden id or any system's key")
    entity = forms.ChoiceField(choices=ENTITY_CHOICES, required=False)


DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class TargetCreateForm(ReasonForm):
    """A new webhook target; the URL is checked by the sync app (private addresses refused by default)."""

    name = forms.CharField(max_length=64)
    url = forms.CharField(max_length=500, label="URL", widget=forms.URLInput(attrs={"placeholder": "https://"}))
    entities = forms.MultipleChoiceField(choices=Entity.choices, widget=forms.CheckboxSelectMultiple)
    event_types = forms.MultipleChoiceField(
        choices=EventType.choices, required=False, label="Event types",
        help_text="None selected: every event type.",
    )
    send_own_keys = forms.BooleanField(required=False, label="Send the target's own keys")
    source_system = forms.ChoiceField(choices=(), required=False, label="Source system it is")

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "new_target_%s")
        super().__init__(*args, **kwargs)
        self.fields["source_system"].choices = [("", "None"), *system_choices()[1:]]
        self.fields["reason"] = self.fields.pop("reason")


class ReplaySinceForm(ReasonForm):
    since = forms.DateTimeField(
        label="Every event since",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
        input_formats=DATETIME_INPUT_FORMATS,
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "replay_since_%s")
        super().__init__(*args, **kwargs)
        self.fields["reason"] = self.fields.pop("reason")


class UnitMapForm(ReasonForm):
    """Map one system's unit code to a hub unit; the choices are read once per page, not per row."""

    system = forms.CharField(max_length=32, widget=forms.HiddenInput)
    code = forms.CharField(max_length=16, widget=forms.HiddenInput)
    unit = forms.ChoiceField(choices=(), label="Hub unit")

    def __init__(self, *args, unit_choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "Choose a unit"), *unit_choices]
        self.fields["reason"] = self.fields.pop("reason")
