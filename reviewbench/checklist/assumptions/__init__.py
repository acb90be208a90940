"""Assumption challenges, pure: the implicit security beliefs of AI-written code, stated concretely.

For every AI-written added line ReviewBench names what the code silently assumes ("`name` (line 12)
never reaches the SQL in `cursor.execute` on line 14 unchecked"), so the reviewer has to say where
that is enforced. Python is read with `ast` (variables are resolved through assignments in the same
function); JavaScript/TypeScript, Java and Go, and Python that does not parse, by line patterns,
and every language through its outline (`findings.engine.syntax.outline`): each input that reaches a
sink is challenged, not only the first.

Everything read here is attacker-controlled source text: it is only parsed and matched against
fixed patterns, never executed, and every name quoted in a prompt is bounded and kept on one line.
"""

from reviewbench.checklist.assumptions.generate import assumptions_for_file, assumptions_generate
from reviewbench.checklist.assumptions.kinds import (
    KIND_CWE,
    KIND_LABELS,
    KINDS,
    MAX_ASSUMPTIONS,
    MAX_FILE_BYTES,
    Assumption,
    AssumptionSource,
    assumption_key,
    assumption_rationale,
)

__all__ = [
    "KINDS",
    "KIND_CWE",
    "KIND_LABELS",
    "MAX_ASSUMPTIONS",
    "MAX_FILE_BYTES",
    "Assumption",
    "AssumptionSource",
    "assumption_key",
    "assumption_rationale",
    "assumptions_for_file",
    "assumptions_generate",
]
