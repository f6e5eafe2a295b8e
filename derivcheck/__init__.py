"""derivcheck: check a step-by-step derivation with sympy, step by step."""

__version__ = "0.1.0"
