"""User templates: override and extend built-ins, strict variables, the sandbox."""

from __future__ import annotations

from pathlib import Path

import docx

from tests.helpers import SAMPLES, invoke

READY = SAMPLES / "cigna-tms-ready.yaml"


def test_templates_list_shows_builtins_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "letter-tms.md.j2").write_text("# Mine\n")
    code, out, _ = invoke("templates", "list", "--templates-dir", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    assert "checklist              built-in" in lines
    assert f"letter-tms             {tmp_path}/letter-tms.md.j2" in lines
    assert not any(line.startswith("_") for line in lines)


def test_user_template_extends_builtin_by_prefixed_name(tmp_path: Path) -> None:
    (tmp_path / "letter-tms.md.j2").write_text('{% include "builtin/letter-tms.md.j2" %}\n\nP.S. Our intake line is open until 8 pm.\n')
    code, _, err = invoke("letter", str(READY), "-o", str(tmp_path / "out"), "--templates-dir", str(tmp_path), "--format", "docx")
    assert code == 0, err
    text = " ".join(p.text for p in docx.Document(str(tmp_path / "out" / "DEMO-1001_cigna_tms_letter.docx")).paragraphs)
    assert "Letter of Medical Necessity" in text
    assert "P.S. Our intake line is open until 8 pm." in text


def test_misspelled_variable_names_template_line_and_variable(tmp_path: Path) -> None:
    (tmp_path / "letter-tms.md.j2").write_text("# Letter\n\nDear {{ patient.name }},\n\n{{ patient.nmae }}\n")
    code, _out, err = invoke("letter", str(READY), "-o", str(tmp_path / "out"), "--templates-dir", str(tmp_path))
    assert code == 2
    assert err.splitlines()[0] == "error: letter-tms.md.j2:5: undefined variable: 'dict object' has no attribute 'nmae'"
    assert not (tmp_path / "out").exists()
    assert "Muñoz" not in err


def test_sandbox_escape_fails_cleanly(tmp_path: Path) -> None:
    attempts = [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ patient.__class__.__init__.__globals__ }}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ]
    for n, attempt in enumerate(attempts):
        (tmp_path / "checklist.md.j2").write_text(f"# Checklist\n\n{attempt}\n")
        code, _, err = invoke("checklist", str(READY), "-o", str(tmp_path / f"out{n}"), "--templates-dir", str(tmp_path))
        assert code == 2, attempt
        assert err.startswith("error: checklist.md.j2:3:"), err
        assert "Traceback" not in err
        assert not (tmp_path / f"out{n}").exists()


def test_markup_error_in_template_output(tmp_path: Path) -> None:
    (tmp_path / "checklist.md.j2").write_text("# Checklist\n\n| a | b |\n| {{ patient.id }} |\n")
    code, _, err = invoke("checklist", str(READY), "-o", str(tmp_path / "out"), "--templates-dir", str(tmp_path))
    assert code == 2
    assert "checklist.md.j2:4: table row has 1 cells, the header has 2" in err or "checklist.md.j2:4:" in err


def test_templates_check(tmp_path: Path) -> None:
    good = tmp_path / "good.md.j2"
    good.write_text("# Hello {{ patient.name }}\n\n{% include 'builtin/_criteria.md.j2' %}\n")
    code, out, _ = invoke("templates", "check", str(good))
    assert code == 0 and out.startswith(f"ok  {good}")
    bad = tmp_path / "bad.md.j2"
    bad.write_text("# Hello\n{% if %}\n")
    code, _, err = invoke("templates", "check", str(bad))
    assert code == 2
    assert err.startswith("error: bad.md.j2:2: template syntax error:")
