"""Templates and rule files are data, not code.

User templates run in a sandbox: no internals, no files, no environment, no runaway
arithmetic; their errors never repeat a patient's value. YAML never builds objects.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hardening.util import READY_TMS, assert_clean_error, assert_no_traceback
from tests.helpers import invoke

# (template source, the message after "error: t.md.j2:1: ")
HOSTILE = [
    ("{{ ''.__class__.__mro__ }}", "not allowed in a template: access to attribute '__class__' of 'str' object is unsafe."),
    ("{{ cycler.__init__.__globals__ }}", "not allowed in a template: access to attribute '__init__' of 'type' object is unsafe."),
    ("{{ lipsum.__globals__['os'] }}", "not allowed in a template: access to attribute '__globals__' of 'function' object is unsafe."),
    ("{{ joiner.__init__.__globals__.os.environ }}", "not allowed in a template: access to attribute '__init__' of 'type' object is unsafe."),
    ("{{ self.__init__ }}", "not allowed in a template: access to attribute '__init__' of 'TemplateReference' object is unsafe."),
    ("{{ environ }}", "undefined variable: 'environ' is undefined"),
    ("{{ config.items() }}", "undefined variable: 'config' is undefined"),
    ("{% include '/etc/passwd' %}", "template not found: /etc/passwd"),
    ("{% include '../../../../../../etc/passwd' %}", "template not found: ../../../../../../etc/passwd"),
    ("{% extends '/etc/hostname' %}", "template not found: /etc/hostname"),
    ("{{ 'x' * 1000000000 }}", "not allowed in a template: the result of '*' is too long"),
    ("{{ [0] * 10 ** 8 }}", "not allowed in a template: the result of '*' is too long"),
    ("{{ 9 ** (9 ** 9) }}", "not allowed in a template: the result of '**' is too large"),
    ("{{ range(10 ** 9) | list }}", "template failed: OverflowError"),
    ("{{ patient[patient.given_name] }}", "undefined variable: 'dict object' has no attribute '(a value)'"),
    ("{{ patient.given_name.foo.bar }}", "undefined variable: 'str object' has no attribute 'foo'"),
]


@pytest.mark.parametrize(("source", "message"), HOSTILE, ids=[s for s, _ in HOSTILE])
def test_hostile_templates_are_refused(source: str, message: str, tmp_path: Path) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text(source + "\n", encoding="utf-8")
    result = invoke("templates", "check", template)
    assert_clean_error(result)
    assert result.stderr.splitlines()[0] == f"error: t.md.j2:1: {message}"
    assert "José" not in result.stderr and "Muñoz" not in result.stderr  # the sample patient's names


def test_a_template_that_prints_forever_is_stopped(tmp_path: Path) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text("{% for i in range(100000) %}{% for j in range(100000) %}words words words {% endfor %}{% endfor %}\n")
    result = invoke("templates", "check", template)
    assert_clean_error(result)
    assert "the output is larger than 5 million characters" in result.stderr


def test_a_hostile_letter_template_writes_nothing(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "letter-tms.md.j2").write_text("# Letter\n\n{{ ''.__class__.__subclasses__() }}\n")
    out = tmp_path / "out"
    result = invoke("letter", READY_TMS, "--templates-dir", templates, "-o", out)
    assert_clean_error(result)
    assert not out.exists() or list(out.iterdir()) == []


def test_a_missing_templates_folder_is_an_error() -> None:
    result = invoke("templates", "list", "--templates-dir", "no/such/folder")
    assert_clean_error(result)
    assert result.stderr == "error: templates folder not found: no/such/folder\n  hint: give a folder of *.md.j2 templates\n"


def test_a_template_that_is_not_utf8(tmp_path: Path) -> None:
    template = tmp_path / "t.md.j2"
    template.write_bytes("{{ patient.id }} caf\xe9\n".encode("latin-1"))
    result = invoke("templates", "check", template)
    assert_clean_error(result)
    assert result.stderr == "error: t.md.j2: the template is not UTF-8 text\n  hint: save it as UTF-8\n"


PAYLOADS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.call [['touch', '{marker}']]",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_yaml_never_runs_code_from_a_case_or_rule_file(payload: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    value = payload.format(marker=marker)
    case = tmp_path / "case.yaml"
    case.write_text(READY_TMS.read_text(encoding="utf-8").replace("  plan: Open Access Plus\n", f"  plan: {value}\n"), encoding="utf-8")
    rules = tmp_path / "rules" / "cigna" / "tms.yaml"
    rules.parent.mkdir(parents=True)
    rules.write_text(f"id: cigna/tms\npayer: {value}\n", encoding="utf-8")
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(f"practice_name: {value}\n", encoding="utf-8")
    results = [
        invoke("check", case),
        invoke("rules", "validate", rules),
        invoke("check", READY_TMS, "--rules-dir", rules.parent.parent),
        invoke("letter", READY_TMS, "--clinic", clinic, "-o", tmp_path / "out"),
    ]
    for result in results:
        assert_no_traceback(result)
        assert result.exit_code == 2
        assert "YAML tags such as !!python/object or !!binary are not allowed" in result.output
    assert not marker.exists()
    assert not os.path.exists("pwned")
