"""Subcommands beyond the core, as "module:attribute" and their one-line help.

Kept apart from cli/__init__.py so that each feature adds one line here.
"""

EXTRA: dict[str, tuple[str, str]] = {
    "rules": ("priorauth.cli.rules:rules", "List, show, validate, test and start rule sets."),
    "letter": ("priorauth.cli.documents:letter", "Write the letter of medical necessity (DOCX and PDF)."),
    "checklist": ("priorauth.cli.documents:checklist", "Write the documentation checklist (DOCX and PDF)."),
    "init": ("priorauth.cli.documents:init", "Write a commented clinic profile to fill in."),
    "templates": ("priorauth.cli.documents:templates", "List and check letter and checklist templates."),
    "batch": ("priorauth.cli.batch:batch", "Check many cases (files, folders, JSON Lines) and write a summary and letters."),
    "compare": ("priorauth.cli.compare:compare", "Compare TMS and Spravato side by side for a case's payer or every payer."),
    "queue": ("priorauth.cli.queue:queue", "Track requests from first check to decision (the work queue)."),
    "db": ("priorauth.cli.db:db", "Create, upgrade, back up, restore, copy and check the queue's database."),
}
