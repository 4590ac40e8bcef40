"""ladderdata.validators."""
