"""The `.reviewbench.yml` format: limits, JSON schema and the built-in defaults (docs/POLICY.md)."""

from __future__ import annotations

from typing import Any

import jsonschema
from wcmatch import glob

POLICY_VERSION = 1
MAX_POLICY_BYTES = 64 * 1024
MAX_TIERS = 50
MAX_BOUNDARIES = 50
MAX_GLOBS = 200
MAX_GLOB_LENGTH = 300
MAX_CWES = 200
# Counted with aliases expanded, so a "billion laughs" file fails here instead of in the loader.
MAX_YAML_NODES = 10_000
MAX_APPROVALS = 20
# Comprehension questions count AI-written functions (and files of their own kind) per PR.
DEFAULT_COMPREHENSION_LIMIT = 10
MAX_COMPREHENSION_LIMIT = 200
DEFAULT_ASSUMPTION_LIMIT = 200
MAX_ASSUMPTION_LIMIT = 500
MAX_SLA_HOURS = 24 * 365
# How much one analysis may take on (`limits`); the readers never keep a file over 1 MiB.
DEFAULT_MAX_FILES = 3000
MAX_MAX_FILES = 3000
DEFAULT_MAX_FILE_BYTES = 1024 * 1024
MAX_MAX_FILE_BYTES = 1024 * 1024
DEFAULT_SCANNER_SECONDS = 300
MAX_SCANNER_SECONDS = 3600
# A rule is "noisy" when its precision over its last `noisy_window` triaged findings (at least
# NOISY_MIN_TRIAGED of them) is below `noisy_precision` (`feedback`).
DEFAULT_NOISY_PRECISION = 0.5
DEFAULT_NOISY_WINDOW = 30
MAX_NOISY_WINDOW = 1000
NOISY_MIN_TRIAGED = 10
# Reasons are shown on the PR page and in the check summary: a few per condition is enough.
MAX_REASONS_PER_CONDITION = 10
DISPLAY_LIMIT = 200

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
# Triage states that still count as a problem: false positives and accepted risks are triaged away.
COUNTING_TRIAGE = frozenset({"open", "confirmed"})
AI_AUTHORSHIP = "ai"
AI_PROHIBITED = "prohibited"
AI_EXCEPTION_REQUIRED = "exception_required"

# `**` spans directories (and matches none); dot-files match like any other; case is ignored so
# `Auth/` cannot slip past `**/auth/**` (a false match only asks for a stricter review).
GLOB_FLAGS = glob.GLOBSTAR | glob.DOTMATCH | glob.IGNORECASE

SENSITIVE_PATHS: tuple[str, ...] = (
    "**/auth/**",
    "**/*auth*.py",
    "**/login*",
    "**/login*/**",
    "**/session*",
    "**/session*/**",
    "**/permission*",
    "**/permission*/**",
    "**/payment*",
    "**/payment*/**",
    "**/billing*",
    "**/billing/**",
    "**/crypto*",
    "**/crypto/**",
    "**/*secret*",
    "**/*secret*/**",
    "**/settings*.py",
    "**/settings/**",
    "**/.env*",
    "**/Dockerfile*",
    "**/docker-compose*.y*ml",
    "**/*.tf",
    "**/*.tfvars",
    ".github/workflows/**",
    ".github/actions/**",
    "**/k8s/**",
    "**/helm/**",
    "**/terraform/**",
)

DEFAULT_POLICY: dict[str, Any] = {
    "version": POLICY_VERSION,
    "tiers": [
        {
            "name": "standard",
            "level": 0,
            "approvals": {"count": 1, "groups": []},
            "sla_hours": 48,
        },
        {
            "name": "ai-heavy",
            "level": 10,
            "approvals": {"count": 2, "groups": []},
            "sla_hours": 36,
            "when": {"ai_share_above": 0.5},
        },
        {
            "name": "sensitive",
            "level": 20,
            "approvals": {"count": 2, "groups": ["security"]},
            "sla_hours": 24,
            "when": {
                "paths": list(SENSITIVE_PATHS),
                "findings": {"severity_at_least": "high"},
            },
        },
    ],
    "usage_boundaries": [],
}

_GLOB_LIST = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_GLOBS,
    "items": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_GLOB_LENGTH,
        # Changed paths from GitHub are relative: an absolute glob would silently never match.
        "pattern": r"^[^/\x00]",
        "errorMessage": "must be a relative path glob (no leading '/')",
    },
}
_GROUP_NAME = {
    "type": "string",
    "pattern": r"^[A-Za-z0-9][A-Za-z0-9 _.@+\-]{0,149}$",
    "errorMessage": "must be a group name (letters, digits, ' _.@+-', at most 150 characters)",
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "version": {"const": POLICY_VERSION},
        "tiers": {
            "type": "array",
            "maxItems": MAX_TIERS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {
                        "type": "string",
                        "pattern": r"^[a-z0-9][a-z0-9_-]{0,49}$",
                        "errorMessage": (
                            "must be a tier name (lower-case letters, digits, '-' and '_', "
                            "at most 50 characters)"
                        ),
                    },
                    "level": {"type": "integer", "minimum": 0, "maximum": 1000},
                    "approvals": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["count"],
                        "properties": {
                            "count": {"type": "integer", "minimum": 0, "maximum": MAX_APPROVALS},
                            "min_catch_rate": {"type": "number", "minimum": 0, "maximum": 1},
                            "groups": {
                                "type": "array",
                                "maxItems": MAX_APPROVALS,
                                "uniqueItems": True,
                                "items": _GROUP_NAME,
                            },
                        },
                    },
                    "sla_hours": {"type": "integer", "minimum": 1, "maximum": MAX_SLA_HOURS},
                    "when": {
                        "type": "object",
                        "additionalProperties": False,
                        "minProperties": 1,
                        "properties": {
                            "paths": _GLOB_LIST,
                            "findings": {
                                "type": "object",
                                "additionalProperties": False,
                                "minProperties": 1,
                                "properties": {
                                    "severity_at_least": {"enum": list(SEVERITIES)},
                                    "cwe": {
                                        "type": "array",
                                        "minItems": 1,
                                        "maxItems": MAX_CWES,
                                        "items": {"type": "integer", "minimum": 1},
                                    },
                                },
                            },
                            "ai_share_above": {"type": "number", "minimum": 0, "maximum": 1},
                            "size_above": {"type": "integer", "minimum": 0},
                        },
                    },
                },
            },
        },
        "checklist": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "comprehension_limit": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": MAX_COMPREHENSION_LIMIT,
                },
                "assumption_limit": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": MAX_ASSUMPTION_LIMIT,
                },
                "require_ai_declaration": {"type": "boolean"},
            },
        },
        "limits": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "max_files": {"type": "integer", "minimum": 1, "maximum": MAX_MAX_FILES},
                "max_file_bytes": {
                    "type": "integer",
                    "minimum": 1024,
                    "maximum": MAX_MAX_FILE_BYTES,
                },
                "scanner_seconds": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_SCANNER_SECONDS,
                },
            },
        },
        "feedback": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "noisy_precision": {"type": "number", "minimum": 0, "maximum": 1},
                "noisy_window": {
                    "type": "integer",
                    "minimum": NOISY_MIN_TRIAGED,
                    "maximum": MAX_NOISY_WINDOW,
                },
            },
        },
        "usage_boundaries": {
            "type": "array",
            "maxItems": MAX_BOUNDARIES,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["paths", "ai"],
                "properties": {
                    "paths": _GLOB_LIST,
                    "ai": {"enum": [AI_PROHIBITED, AI_EXCEPTION_REQUIRED]},
                    "granted_by": _GROUP_NAME,
                },
            },
        },
    },
}
FILE_SCHEMA: dict[str, Any] = {**SCHEMA, "required": ["version"]}
FILE_VALIDATOR = jsonschema.Draft202012Validator(FILE_SCHEMA)
DEFAULTS_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
TIER_REQUIRED = ("level", "approvals", "sla_hours")
