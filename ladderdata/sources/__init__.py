"""ladderdata.sources."""
