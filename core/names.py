"""Names in the user's language: the one rule every page, export and report uses. A name
pair is English and Chinese (`name_en`, `name_zh`); the Chinese one for any zh language tag
(zh-hans, zh-cn...), else the English one; the other when the chosen one is empty."""

from __future__ import annotations

from typing import Any


def is_chinese(language: str | None) -> bool:
    return bool(language) and str(language).lower().startswith("zh")


def name_in(language: str | None, name_en: str, name_zh: str) -> str:
    """The name of a pair in `language` (the other one when it is empty)."""
    first, other = (name_zh, name_en) if is_chinese(language) else (name_en, name_zh)
    return str(first or other or "")


def localized(obj: Any, language: str | None, prefix: str = "") -> str:
    """The name of an object (or a row dict) with `<prefix>name_en` / `<prefix>name_zh`."""
    if isinstance(obj, dict):
        return name_in(language, obj[f"{prefix}name_en"], obj[f"{prefix}name_zh"])
    return name_in(language, getattr(obj, f"{prefix}name_en"), getattr(obj, f"{prefix}name_zh"))
