"""docs/engines.md's table of engines is the registry's, as scripts/registry_table.py renders it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from voiceclone.domain.registry import REGISTRY, markdown_table

ROOT = Path(__file__).resolve().parents[3]


def _script():
    spec = importlib.util.spec_from_file_location("registry_table", ROOT / "scripts" / "registry_table.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_table_is_the_registry():
    doc = (ROOT / "docs" / "engines.md").read_text()
    script = _script()
    assert script.rewrite(doc) == doc, "run: .venv/bin/python scripts/registry_table.py"
    table = doc.split(script.BEGIN)[1].split(script.END)[0].strip()
    assert table == markdown_table()
    for model_type, spec in REGISTRY.items():
        assert f"| `{model_type}` |" in table and f"**{spec.price.usd_per_1k_characters}**" in table


def test_a_changed_price_makes_the_table_drift():
    script = _script()
    doc = (ROOT / "docs" / "engines.md").read_text()
    stale = doc.replace(markdown_table(), markdown_table().replace("| `openai` |", "| `openai-old` |"))
    assert script.rewrite(stale) == doc and stale != doc
