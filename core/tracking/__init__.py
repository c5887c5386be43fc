"""Tracking: the fluent API, the client, buffered writing and run lifecycle."""
