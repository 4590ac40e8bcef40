"""ladderdata.geometry."""
