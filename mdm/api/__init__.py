"""The integration REST API, version 1."""
