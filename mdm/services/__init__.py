"""Services: every write to golden records, source records and the crosswalk goes through here."""
