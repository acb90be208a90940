"""Policy as code, pure: `.reviewbench.yml` parsed, validated, merged over defaults and evaluated.

The file is read from the pull request's BASE branch by the caller, so a pull request cannot
weaken its own rules; this package only ever sees that text. It knows no ORM: the approvals room
feeds it plain inputs and stores its `PolicyResult`. The format is documented in docs/POLICY.md.
"""

from reviewbench.policy.evaluation import path_matches, policy_describe, policy_evaluate
from reviewbench.policy.loading import policy_defaults_load, policy_defaults_validate, policy_load
from reviewbench.policy.schema import DEFAULT_POLICY, MAX_POLICY_BYTES, SCHEMA
from reviewbench.policy.values import (
    BoundaryViolation,
    ChangedFileInput,
    ChecklistSettings,
    ExceptionNeeded,
    FeedbackSettings,
    FindingCondition,
    FindingInput,
    HunkInput,
    LimitSettings,
    Policy,
    PolicyError,
    PolicyResult,
    Reason,
    Tier,
    TierConditions,
    UsageBoundary,
)

__all__ = [
    "DEFAULT_POLICY",
    "MAX_POLICY_BYTES",
    "SCHEMA",
    "BoundaryViolation",
    "ChangedFileInput",
    "ChecklistSettings",
    "ExceptionNeeded",
    "FeedbackSettings",
    "FindingCondition",
    "FindingInput",
    "HunkInput",
    "LimitSettings",
    "Policy",
    "PolicyError",
    "PolicyResult",
    "Reason",
    "Tier",
    "TierConditions",
    "UsageBoundary",
    "path_matches",
    "policy_defaults_load",
    "policy_defaults_validate",
    "policy_describe",
    "policy_evaluate",
    "policy_load",
]
