"""Shipped data folders (templates, payer_rules), mapped here in pyproject.toml."""
