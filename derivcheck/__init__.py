"""derivcheck: check a step-by-step derivation with sympy, step by step.

The public API: `check_text`, `check_file`, `check_paths` (each returns a `Report`), and
the model types in `derivcheck.model`. Nothing heavy is imported until it is used.
"""

__version__ = "0.1.0"

__all__ = ["check_text", "check_file", "check_paths", "Report", "Verdict", "__version__"]


def __getattr__(name):
    if name in ("check_text", "check_file", "check_paths"):
        from . import api

        return getattr(api, name)
    if name in ("Report", "Verdict"):
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'derivcheck' has no attribute {name!r}")
