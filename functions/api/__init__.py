"""Thin API Lambda handlers, one per area."""
