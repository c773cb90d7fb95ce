"""What the API shows: one output model per resource, separate from the stored records, one module per area.

`base` holds what every view shares (View, ViewModel, Page, ErrorBody); `samples`, `training`, `voices`,
`quality`, `tts`, `engines`, `account` and `api_keys` hold an area's views, so a handler imports only
its own area's models (the cold start). Import from the area module; a view asked of this package is
looked up in the area modules in turn (for code written before the split), loading them as it goes.
"""

from __future__ import annotations

import importlib
from typing import Any

_AREAS = ("base", "samples", "training", "voices", "quality", "tts", "engines", "account", "api_keys")


def __getattr__(name: str) -> Any:
    for area in _AREAS:
        module = importlib.import_module(f"{__name__}.{area}")
        value = vars(module).get(name)
        if value is not None and getattr(value, "__module__", None) == module.__name__:
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
