"""ladderdata.audit."""
