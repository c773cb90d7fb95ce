"""Text before speech: language detection (API, light) and number/date/currency expansion (workers)."""
