"""The catalog is read with libyaml's loader when PyYAML has it (start-up time): it must
give exactly the data that PyYAML's pure-Python safe loader gives."""

from importlib.resources import files

import pytest
import yaml

from priorauth import catalog


@pytest.mark.parametrize("name", ["antidepressants.yaml", "icd10.yaml"])
def test_catalog_reads_the_same_with_either_loader(name: str) -> None:
    text = files("priorauth.catalog").joinpath(name).read_text(encoding="utf-8")
    read = catalog._read_yaml(name)
    assert read == yaml.load(text, Loader=yaml.SafeLoader)
    assert repr(read) == repr(yaml.load(text, Loader=yaml.SafeLoader))  # same types and order too
