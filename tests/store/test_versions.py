"""Saving a case given as text (the web editor, an upload) as a new version, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from priorauth.errors import CaseFileError
from priorauth.store import ConflictError, Store, open_store
from priorauth.store.models import AuditEntry
from priorauth.store.versions import NewCaseExists, patient_case, save_case, version_text
from tests.store.util import NOT_ELIGIBLE, READY

DAY = dt.date(2026, 11, 18)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url, user="alice")
    yield s
    s.close()


def test_a_new_case_opens_its_requests_and_an_edit_is_a_new_version(store: Store) -> None:
    text = READY.read_text(encoding="utf-8")
    saved = save_case(store, text, "yaml", "upload", new=True, today=DAY)
    assert (saved.version, saved.action, [(rs, st) for _, rs, st in saved.requests]) == (1, "opened", [("cigna/tms", "ready")])
    edited = text.replace("- kind: psychotherapy_notes\n    date: 2026-01-10\n", "")
    again = save_case(store, edited, "yaml", "case editor", patient_id=saved.patient_id, base_version=1, today=DAY)
    assert (again.version, again.action, [st for _, _, st in again.requests]) == (2, "updated", ["draft"])
    case = patient_case(store, saved.patient_id)
    assert [v.number for v in case.versions] == [1, 2]
    assert (case.key, case.current.number, case.text) == ("DEMO-1001", 2, edited)
    assert version_text(store, saved.patient_id, 1) == (text, "yaml")
    with store.reading() as s:
        details = [a.detail for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert details[-1] == "case version 2 added; now on case version 2; check incomplete; status ready -> draft"


def test_a_save_over_a_newer_version_is_refused_and_nothing_saved(store: Store) -> None:
    text = READY.read_text(encoding="utf-8")
    saved = save_case(store, text, "yaml", "upload", new=True, today=DAY)
    save_case(store, text + "# seen\n", "yaml", "case editor", patient_id=saved.patient_id, base_version=1, today=DAY)
    with pytest.raises(ConflictError) as caught:
        save_case(store, text + "# other tab\n", "yaml", "case editor", patient_id=saved.patient_id, base_version=1, today=DAY)
    assert caught.value.message == "someone else saved this case meanwhile (it is at version 2, you opened version 1); nothing was saved"
    assert [v.number for v in patient_case(store, saved.patient_id).versions] == [1, 2]


def test_an_edit_cannot_move_the_case_to_another_patient(store: Store) -> None:
    saved = save_case(store, READY.read_text(encoding="utf-8"), "yaml", "upload", new=True, today=DAY)
    with pytest.raises(ConflictError, match="the patient ID was changed"):
        save_case(store, NOT_ELIGIBLE.read_text(encoding="utf-8"), "yaml", "case editor", patient_id=saved.patient_id, base_version=1, today=DAY)


def test_a_new_case_for_a_patient_that_has_one_is_refused(store: Store) -> None:
    save_case(store, READY.read_text(encoding="utf-8"), "yaml", "upload", new=True, today=DAY)
    with pytest.raises(NewCaseExists) as caught:
        save_case(store, READY.read_text(encoding="utf-8") + "# again\n", "yaml", "upload", new=True, today=DAY)
    assert "DEMO-1001" not in caught.value.render()


def test_an_undone_edit_is_a_new_version_not_a_step_back(store: Store) -> None:
    text = READY.read_text(encoding="utf-8")
    saved = save_case(store, text, "yaml", "upload", new=True, today=DAY)
    save_case(store, text + "# changed\n", "yaml", "case editor", patient_id=saved.patient_id, base_version=1, today=DAY)
    back = save_case(store, text, "yaml", "case editor", patient_id=saved.patient_id, base_version=2, today=DAY)
    assert back.version == 3
    case = patient_case(store, saved.patient_id)
    assert case.text == text.rstrip("\n") + "\n# the same case as version 1, saved again as version 3\n"


def test_an_invalid_case_is_refused_as_check_refuses_it(store: Store) -> None:
    with pytest.raises(CaseFileError) as caught:
        save_case(store, READY.read_text(encoding="utf-8").replace('npi: "1234567893"', 'npi: "123"'), "yaml", "upload", new=True, today=DAY)
    assert caught.value.render() == "error: upload:25: prescriber.npi: an NPI is exactly 10 digits"
