"""Subcommands beyond the core, as "module:attribute" and their one-line help.

Kept apart from cli/__init__.py so that each feature adds one line here.
"""

EXTRA: dict[str, tuple[str, str]] = {
    "rules": ("priorauth.cli.rules:rules", "List, show, validate, test and start rule sets."),
}
