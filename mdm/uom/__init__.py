"""Units of measure: exact conversions, per-product packaging, and each system's unit codes."""
