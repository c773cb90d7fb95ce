"""Thin Lambda handlers for the state machines and S3/schedule events."""
