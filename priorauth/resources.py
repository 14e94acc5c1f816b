"""Where the shipped data lives: templates/ and payer_rules/.

In an installed wheel they sit inside the package (``priorauth/_data/...``, mapped in
pyproject.toml); in a source checkout or an editable install they are the top-level
folders of the repository. Both are found through ``importlib.resources`` first.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    """The folder of shipped ``templates`` or ``payer_rules``."""
    try:
        packaged = resources.files("priorauth._data") / name
        if packaged.is_dir():
            return Path(str(packaged))
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / name


def version() -> str:
    from priorauth._version import __version__

    return __version__
