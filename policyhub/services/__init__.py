"""Use cases: each flushes, the caller commits once."""
