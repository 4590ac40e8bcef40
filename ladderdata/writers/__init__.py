"""ladderdata.writers."""
