"""Measured quality of speech: speaker similarity (SECS), predicted MOS (DNSMOS), intelligibility
(WER/CER when an ASR model is configured) and signal checks; see docs/quality.md.

Importing this package loads nothing heavy. `thresholds` and `similarity` are pure Python (the API
uses them on stored embeddings); `speaker`, `naturalness`, `signal` and `report` need numpy and load
their models on first use (workers only).
"""
