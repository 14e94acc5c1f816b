"""`python -m priorauth` runs the command line."""

from priorauth.cli import run

run()
