"""Ingest: the entry of the data flow. Source records arrive (REST batch or file), are kept
raw, validated, normalized, then handed to matching and survivorship."""
