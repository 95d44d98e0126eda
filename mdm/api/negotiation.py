"""Content negotiation with a shortcut for the common case.

Integrations mostly send no Accept header, `*/*` or `application/json`. For those DRF's
negotiation parses the header and matches it against every renderer to return the first
renderer anyway; here that answer is given directly. Anything else (a format override, a
specific or weighted Accept list) goes through DRF's full negotiation, so 406s are unchanged.
"""
from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class HubContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):  # type: ignore[no-untyped-def]
        accept = request.META.get("HTTP_ACCEPT", "")
        first = renderers[0]
        if (accept in ("", "*/*", first.media_type) and not format_suffix
                and self.settings.URL_FORMAT_OVERRIDE not in request.query_params):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
