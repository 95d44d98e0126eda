"""Models of unit conversions and packaging."""
