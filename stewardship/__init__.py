"""Stewardship: review queue, quarantine, merge/unmerge and the auditors' history browser."""
