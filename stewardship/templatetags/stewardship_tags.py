"""Small template helpers of the stewardship UI: dict lookups, durations, form field rendering."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """`{{ row|get:name }}`: look up a key whose name is in a variable."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return getattr(mapping, str(key), None)


@register.filter
def duration(value: timedelta | float | int | None) -> str:
    """A short human duration: 45 s, 12 min, 5 h, 3 d."""
    if value is None or value == "":
        return "–"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


@register.filter
def fmt_score(value: Any) -> str:
    if value is None or value == "":
        return "–"
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return str(value)


@register.simple_tag
def field_row(field: Any) -> str:
    """A labelled form field with its help text and errors, wired for screen readers."""
    describedby = f"{field.auto_id}_help" if field.help_text else ""
    attrs = {"aria-describedby": describedby} if describedby else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    widget = field.as_widget(attrs=attrs)
    errors = format_html('<span class="field-error" role="alert">{}</span>', " ".join(field.errors)) \
        if field.errors else ""
    help_text = format_html('<small id="{}" class="muted">{}</small>', describedby, field.help_text) \
        if field.help_text else ""
    return format_html('<div class="field">{}{}{}{}</div>', field.label_tag(), widget, help_text, errors)
