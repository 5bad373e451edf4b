"""Settings that are on or off."""

from __future__ import annotations


def switch(value: object, name: str) -> bool:
    """``on``/``off``, ``true``/``false``, ``1``/``0`` or ``yes``/``no`` (a variable read as
    JSON arrives as a bool or a number); ``ValueError`` naming ``name`` otherwise."""
    text = str(value).strip().lower()
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no", "none", ""):
        return False
    raise ValueError(f"{name} must be on or off, got {str(value)[:40]!r}")
