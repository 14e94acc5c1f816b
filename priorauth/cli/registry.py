"""Subcommands beyond the core, as "module:attribute" and their one-line summary.

Kept apart from cli/__init__.py so that each feature adds one line here. The summary is
what `priorauth --help` lists without importing the command, and the first paragraph of
the command's own help says exactly the same (tests/cli/test_help.py checks it).
"""

EXTRA: dict[str, tuple[str, str]] = {
    "rules": ("priorauth.cli.rules:rules", "List, show, validate, test and start rule sets."),
    "letter": ("priorauth.cli.documents:letter", "Write the letter of medical necessity for CASE as DOCX and PDF."),
    "checklist": ("priorauth.cli.documents:checklist", "Write the documentation checklist for CASE as DOCX and PDF."),
    "packet": ("priorauth.cli.packet:packet", "Write one PDF to fax or upload for CASE: cover sheet, letter, checklist, records."),
    "init": ("priorauth.cli.documents:init", "Write a commented clinic profile to fill in (default: ./clinic.yaml)."),
    "templates": ("priorauth.cli.documents:templates", "List and check letter and checklist templates."),
    "batch": ("priorauth.cli.batch:batch", "Check many cases (files, folders, JSON Lines) and write a summary and letters."),
    "compare": ("priorauth.cli.compare:compare", "Compare TMS and Spravato side by side for CASE, at its payer or every payer."),
    "import": ("priorauth.cli.fhir:import_group", "Import cases from an EHR export: FHIR R4 bundles and Bulk NDJSON folders."),
    "new": ("priorauth.cli.new:new", "Start a case file: answer questions, or get a commented skeleton to fill in."),
    "queue": ("priorauth.cli.queue:queue", "Track every request from the first check to the payer's decision."),
    "db": ("priorauth.cli.db:db", "Look after the work queue's database (an SQLite file, or PostgreSQL)."),
    "export": ("priorauth.cli.export:export_group", "Export a ready case for electronic submission: a Da Vinci PAS request (FHIR R4)."),
    "serve": ("priorauth.cli.serve:serve", "Run the web interface for billing staff and prescribers on this computer."),
    "users": ("priorauth.cli.users:users", "Add, list and disable the accounts that log in to the web interface."),
}
