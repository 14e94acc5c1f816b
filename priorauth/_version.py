"""The version, kept in one place (pyproject.toml reads it) so that `--version` needs no
package-metadata lookup at start-up."""

__version__ = "0.1.0"
