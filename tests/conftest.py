"""Shared fixtures. The data layer runs on PostgreSQL (DATABASE_URL, set by `make test`)."""
