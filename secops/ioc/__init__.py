"""Indicators of compromise: import from feeds, match at ingest and over stored events."""
