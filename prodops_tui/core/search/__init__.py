"""Search across everything: the index and its ranking."""
