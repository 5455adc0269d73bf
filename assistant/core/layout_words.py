"""The general knowledge of administrative layout (assistant/data/admin_layout.toml), loaded once.

The file says where each list comes from; this module only gives it types."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "admin_layout.toml"


@dataclass(frozen=True)
class Kind:
    name: str  # "Quyết định"
    title: str  # its title line: "QUYẾT ĐỊNH"
    code: str  # its code in the symbol: "QĐ" ("" when it has none)


@dataclass(frozen=True)
class AdminLayout:
    kinds: tuple[Kind, ...]
    letter_kind: str
    subject_prefixes: tuple[str, ...]
    national_motto: tuple[str, ...]
    body_heads: tuple[str, ...]
    role_heads: tuple[str, ...]
    local_bodies: tuple[str, ...]
    locality_units: tuple[str, ...]
    name_joiners: tuple[str, ...]
    national_bodies: tuple[str, ...]
    chair_codes: tuple[str, ...]
    signature_prefixes: tuple[str, ...]
    signed_marks: tuple[str, ...]
    ranks: tuple[str, ...]
    distribution_heads: tuple[str, ...]
    address_heads: tuple[str, ...]
    body_openers: tuple[str, ...]
    attachment_heads: tuple[str, ...]
    attachment_notes: tuple[str, ...]
    effect_verbs: tuple[str, ...]
    effect_on_signing: tuple[str, ...]
    repeal_verbs: tuple[str, ...]
    amend_verbs: tuple[str, ...]
    provinces: tuple[str, ...]
    cities: tuple[str, ...]
    field_questions: dict[str, tuple[str, ...]]


@functools.cache
def admin_layout() -> AdminLayout:
    with open(DATA_FILE, "rb") as fh:
        data = tomllib.load(fh)
    kinds = tuple(Kind(*row) for row in data.pop("kinds"))
    fields = {k: tuple(v) for k, v in data.pop("field_questions").items()}
    values: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items()}
    values["field_questions"] = fields
    return AdminLayout(kinds=kinds, **values)
