"""ladderdata.executors."""
