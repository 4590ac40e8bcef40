"""ladderdata.generators."""
