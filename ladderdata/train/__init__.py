"""ladderdata.train."""
