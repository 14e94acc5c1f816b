"""priorauth: prior authorization for TMS and Spravato.

The library reads a case file, evaluates it against a payer's rule file and returns an
explainable report; the `priorauth` command (priorauth.cli) wraps it. The library never
prints, exits or imports Click.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from priorauth.resources import version

        return version()
    raise AttributeError(name)
