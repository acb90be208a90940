"""ReviewBench's analysis engine: pure Python, no Django (diff, languages, scanners, taint, SARIF).

`python -m findings.engine scan ...` is its command line (see `findings.engine.cli`).
"""

# The engine's own release; SARIF's tool version. Scanners version themselves on top of it.
ENGINE_VERSION = "2026.11.2"
