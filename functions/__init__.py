"""Lambda entry points (installed with the project so the local runner imports the same modules)."""
