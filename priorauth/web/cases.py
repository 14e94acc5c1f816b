"""The case pages: a patient's case and its report, the case editor, new cases (blank, an
uploaded case file, a FHIR file) and the documents written from the case.

URLs carry the database's numeric patient id and version numbers only, never a value
from the case. Every save goes through :func:`priorauth.store.versions.save_case`: the
validation of ``priorauth check``, a new case version, a re-check of the patient's open
requests at once. Uploaded files are read in memory; a FHIR file, which the importer
reads from disk, is put in the data folder under a random name for the time of the
import and removed after.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from priorauth.case_form import CaseForm, changes, form_from_data, form_from_text, issue_label, key_label, place_issues, read_form, sections
from priorauth.errors import CaseFileError, InputFileError, PriorAuthError
from priorauth.store.database import ConflictError
from priorauth.web.app import current_store

bp = Blueprint("cases", __name__, url_prefix="/cases")

UPLOAD_SOURCE = "uploaded file"  # the name messages give an upload (its own name may be a patient's)
DOCUMENT_WHATS = {
    "letter": "Letter of medical necessity",
    "checklist": "Documentation checklist",
    "appeal": "Appeal letter",
    "continuation": "Continuation letter",
    "packet": "Packet to fax or upload",
}
CONTINUATION_PLANS = {"extension": "an extension of the course", "taper": "a taper", "maintenance": "maintenance treatment"}
APPEAL_LEVELS = {"first": "first-level appeal", "second": "second-level appeal", "external": "external review"}
STATUS_WORDS = {"met": "met", "not_met": "not met", "unknown": "not documented"}
OVERALL_WORDS = {
    "ready": "Ready: every criterion met and every document on file",
    "incomplete": "Incomplete: nothing fails, but the chart leaves gaps",
    "not_eligible": "Not eligible: at least one criterion is not met by what the chart documents",
}
DOC_STATE_WORDS = {"on_file": "on file", "missing": "missing", "stale": "too old", "undated": "not dated"}


@bp.app_template_global()
def case_sections() -> Any:
    return sections()


bp.add_app_template_global(key_label, "key_label")


@bp.app_template_filter("status_words")
def _status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " "))


def _registry() -> Any:
    """The rule sets, loaded once per app (rule files are cached by their modification time)."""
    from priorauth.rules import Registry

    found = current_app.extensions.get("priorauth_registry")
    if found is None:
        found = current_app.extensions["priorauth_registry"] = Registry(current_app.config.get("PRIORAUTH_RULES_DIRS", ()))
    return found


def _today() -> dt.date:
    from priorauth.web.queue import today

    return today()


def _drug_names() -> list[str]:
    from priorauth.case_new import drug_names

    found = current_app.extensions.get("priorauth_drug_names")
    if found is None:
        found = current_app.extensions["priorauth_drug_names"] = drug_names()
    return list(found)


def _icd_codes() -> list[tuple[str, str]]:
    from priorauth.catalog import all_icd10

    return [(d.code, d.title) for d in all_icd10() if d.billable]


def _message(exc: PriorAuthError) -> str:
    if isinstance(exc, InputFileError):
        return "; ".join(issue.render(exc.file) for issue in exc.issues[: exc.MAX_SHOWN])
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


# ---- the case page -----------------------------------------------------------------------------


def _versions(patient_id: int) -> Any:
    """The patient's case versions (404 for an unknown patient)."""
    from priorauth.store import StoreError
    from priorauth.store.versions import patient_case

    try:
        return patient_case(current_store(), patient_id)
    except StoreError:
        abort(404)


def _load(patient_id: int) -> tuple[Any, Any]:
    """(the patient's case versions, the current version as a Case). A version that this
    priorauth no longer accepts (a stricter check since it was saved) is a page that says
    so and leads to the editor, where it can be corrected."""
    from priorauth.case import load_case_text

    pc = _versions(patient_id)
    key = (current_app.extensions["priorauth_store"].url, pc.current.id, pc.current.sha256)
    cache = current_app.extensions.setdefault("priorauth_cases", _CaseCache())
    found = cache.get(key)
    if found is not None:
        return pc, found
    try:
        case = load_case_text(pc.text, f"case version {pc.current.number}", pc.fmt)
    except CaseFileError as exc:
        problems = [(issue_label(issue), issue.message + (f" ({issue.hint})" if issue.hint else "")) for issue in exc.issues]
        abort(make_response(render_template("cases/unreadable.html", pc=pc, problems=problems), 409))
    cache.put(key, case)
    return pc, case


class _CaseCache:
    """Validated cases by version: a version never changes, so it is read and validated
    once per process (the newest few hundred kept)."""

    SIZE = 256

    def __init__(self) -> None:
        import threading
        from collections import OrderedDict

        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.SIZE:
                self._items.popitem(last=False)


@bp.get("/<int:patient_id>")
def show(patient_id: int) -> ResponseReturnValue:
    from priorauth.api import check_case_sources

    pc, case = _load(patient_id)
    problem = None
    reports: list[Any] = []
    try:
        reports = [r for _, r in check_case_sources(case, _registry())]
    except PriorAuthError as exc:
        problem = _message(exc)
    return render_template("cases/show.html", pc=pc, case=case, reports=reports, problem=problem, appeal=_denial(pc), approval=_approval(pc), plans=CONTINUATION_PLANS, values={}, errors={}, today=_today(), whats=DOCUMENT_WHATS, levels=APPEAL_LEVELS, doc_states=DOC_STATE_WORDS, overall=OVERALL_WORDS)


@bp.get("/of-request/<int:request_id>")
def of_request(request_id: int) -> ResponseReturnValue:
    """The case page of a request's patient (the request pages link here)."""
    from priorauth.store import StoreError
    from priorauth.store.versions import patient_of_request

    try:
        patient_id = patient_of_request(current_store(), request_id)
    except StoreError:
        abort(404)
    return redirect(url_for("cases.show", patient_id=patient_id), 303)


@bp.get("/<int:patient_id>/compare")
def compare(patient_id: int) -> ResponseReturnValue:
    """TMS and Spravato side by side (its own address: a page of its own without JavaScript,
    a part of the case page with htmx)."""
    from priorauth.compare import compare_case

    pc, case = _load(patient_id)
    problem, result = None, None
    try:
        result = compare_case(case, _registry())
    except PriorAuthError as exc:
        problem = _message(exc)
    partial = request.headers.get("HX-Request") == "true"
    return render_template("cases/_compare_body.html" if partial else "cases/compare.html", pc=pc, result=result, problem=problem, overall=OVERALL_WORDS)


@bp.get("/<int:patient_id>/versions/<int:number>")
def version(patient_id: int, number: int) -> ResponseReturnValue:
    """One case version: what changed from the one before, and its text."""
    from priorauth.store import StoreError
    from priorauth.store.versions import patient_case, version_text

    store = current_store()
    try:
        pc = patient_case(store, patient_id)
        text, fmt = version_text(store, patient_id, number)
        before = version_text(store, patient_id, number - 1) if number > 1 else None
    except StoreError:
        abort(404)
    try:
        diff = changes(form_from_text(before[0], before[1]) if before else CaseForm(), form_from_text(text, fmt))
    except CaseFileError:
        diff = None
    info = next(v for v in pc.versions if v.number == number)
    return render_template("cases/version.html", pc=pc, info=info, text=text, diff=diff, number=number)


# ---- the editor --------------------------------------------------------------------------------


def _editor(form: CaseForm, *, pc: Any = None, base_version: int | None = None, status: int = 200, problem: str | None = None, conflict: int | None = None, notice: str | None = None) -> ResponseReturnValue:
    action = url_for("cases.edit", patient_id=pc.patient_id) if pc is not None else url_for("cases.new_form")
    return (
        render_template(
            "cases/edit.html",
            form=form,
            pc=pc,
            action=action,
            base_version=base_version,
            problem=problem,
            conflict=conflict,
            notice=notice,
            drug_names=_drug_names(),
            icd_codes=_icd_codes(),
        ),
        status,
    )


def _rows_action(form: CaseForm, submitted: Mapping[str, str]) -> bool:
    """Add or remove a row when one of those buttons was pressed (no JavaScript needed)."""
    names = {s.name for s in sections() if s.repeating}
    add = submitted.get("add", "")
    if add in names:
        form.add_row(add)
        return True
    remove = submitted.get("remove", "")
    name, _, index = remove.rpartition("-")
    if name in names and index.isdigit():
        form.remove_row(name, int(index))
        return True
    return False


def _save(submitted: Mapping[str, str], *, pc: Any = None) -> ResponseReturnValue:
    from priorauth.store.versions import save_case

    base = pc.current.number if pc is not None else None
    given = submitted.get("base_version", "")
    if pc is not None and given.isdigit():
        base = int(given)
    result = read_form(submitted)
    form = result.form
    if _rows_action(form, submitted):
        return _editor(form, pc=pc, base_version=base)
    if result.case is None:
        return _editor(form, pc=pc, base_version=base, status=422)
    try:
        saved = save_case(
            current_store(),
            result.text,
            "yaml",
            "case editor",
            registry=_registry(),
            base_version=base,
            patient_id=pc.patient_id if pc is not None else None,
            new=pc is None,
            today=_today(),
        )
    except ConflictError as exc:
        current = None
        if pc is not None:
            from priorauth.store.versions import patient_case

            current = patient_case(current_store(), pc.patient_id).current.number
        return _editor(form, pc=pc, base_version=base, status=409, problem=_message(exc), conflict=current)
    except InputFileError as exc:  # the check found what validation cannot (a payer with no rule set)
        place_issues(form, exc.issues, {})
        return _editor(form, pc=pc, base_version=base, status=422)
    except PriorAuthError as exc:
        return _editor(form, pc=pc, base_version=base, status=422, problem=_message(exc))
    _flash_saved(saved)
    return redirect(url_for("cases.show", patient_id=saved.patient_id), 303)


def _flash_saved(saved: Any) -> None:
    checked = ", ".join(f"{rule_set} {status}" for _, rule_set, status in saved.requests)
    if saved.action == "unchanged":
        flash(f"Nothing changed: the case is still version {saved.version}." + (f" Requests: {checked}." if checked else ""), "success")
    else:
        flash(f"Saved as case version {saved.version} and checked again." + (f" Requests: {checked}." if checked else ""), "success")


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
def edit(patient_id: int) -> ResponseReturnValue:
    pc = _versions(patient_id)
    if request.method == "POST":
        return _save(request.form.to_dict(flat=True), pc=pc)
    return _editor(form_from_text(pc.text, pc.fmt), pc=pc, base_version=pc.current.number)


# ---- new cases ---------------------------------------------------------------------------------


@bp.get("/new")
def new() -> ResponseReturnValue:
    return _new_page()


def _new_page(status: int = 200, **problems: Any) -> ResponseReturnValue:
    return render_template("cases/new.html", problems=problems, treatments={"tms": "TMS", "spravato": "Spravato"}), status


@bp.route("/new/form", methods=["GET", "POST"])
def new_form() -> ResponseReturnValue:
    if request.method == "POST":
        return _save(request.form.to_dict(flat=True))
    form = CaseForm(rows={s.name: 1 for s in sections() if s.repeating and s.name in ("diagnoses", "medications")})
    form.values["request-date"] = _today().isoformat()
    return _editor(form)


def _uploaded(field: str) -> tuple[bytes | None, str | None, str]:
    """(the bytes, a problem, the format) of an uploaded file; the file's name only picks the format."""
    from priorauth.loading import MAX_FILE_BYTES

    file = request.files.get(field)
    if file is None or not file.filename:
        return None, "choose a file to upload", "yaml"
    name = file.filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    fmt = "json" if name.endswith((".json", ".ndjson")) else "yaml"
    try:
        raw = file.stream.read(MAX_FILE_BYTES + 1)
    finally:
        file.close()
    if len(raw) > MAX_FILE_BYTES:
        return None, f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; a case file is a few kilobytes", fmt
    if not raw.strip():
        return None, "the file is empty", fmt
    return raw, None, fmt


@bp.post("/new/upload")
def upload() -> ResponseReturnValue:
    """A case file (YAML or JSON), read in memory: saved as a new case when it is valid,
    else opened in the editor with each problem at its field."""
    from priorauth.loading import decode_text, parse_document

    raw, problem, fmt = _uploaded("file")
    if raw is None:
        return _new_page(422, upload=[problem])
    try:
        text = decode_text(raw, UPLOAD_SOURCE, "case file", CaseFileError)
        doc = parse_document(text, UPLOAD_SOURCE, "case file", CaseFileError, fmt)
    except CaseFileError as exc:
        return _new_page(422, upload=[issue.render(exc.file) for issue in exc.issues[: exc.MAX_SHOWN]])
    if not isinstance(doc.data, Mapping):
        return _new_page(422, upload=[f"{UPLOAD_SOURCE}: is not a case file: a case file is a mapping of sections (patient:, coverage:, request: ...)"])
    return _save_text(text, fmt, doc.data, UPLOAD_SOURCE)


def _save_text(text: str, fmt: str, data: Any, source: str, note: str | None = None) -> ResponseReturnValue:
    """Save a case text as a new case, or open it in the editor with its problems at their fields."""
    from priorauth.store.versions import NewCaseExists, save_case

    try:
        saved = save_case(current_store(), text, fmt, source, registry=_registry(), new=True, today=_today())
    except NewCaseExists as exc:
        return _new_page(409, upload=[_message(exc)])
    except InputFileError as exc:
        form = form_from_data(data)
        place_issues(form, exc.issues, {})
        unplaced = [i for i in exc.issues if not i.path]
        return _editor(form, status=422, problem="; ".join(i.message for i in unplaced) or None, notice=f"The {source} has problems, shown at their fields below. Correct them and save: nothing was saved yet.")
    except PriorAuthError as exc:
        return _new_page(422, upload=[_message(exc)])
    _flash_saved(saved)
    if note:
        flash(note, "success")
    return redirect(url_for("cases.show", patient_id=saved.patient_id), 303)


@bp.post("/new/fhir")
def fhir() -> ResponseReturnValue:
    """A FHIR R4 file (a Bundle, or NDJSON): each patient's chart as a case."""
    from priorauth.fhir import Options, case_yaml, imports

    raw, problem, _ = _uploaded("file")
    if raw is None:
        return _new_page(422, fhir=[problem])
    treatment = request.form.get("treatment", "")
    if treatment not in ("tms", "spravato"):
        return _new_page(422, fhir=["choose the treatment requested: a FHIR chart does not say it"])
    folder = Path(current_app.config["PRIORAUTH_DATA_DIR"]) / "uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="fhir-", suffix=".json", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
        found = [(imp, case_yaml(imp)) for imp in imports([name], Options(treatment=treatment, request_date=_today()))]
    except PriorAuthError as exc:
        return _new_page(422, fhir=[_message(exc).replace(name, UPLOAD_SOURCE)])
    finally:
        Path(name).unlink(missing_ok=True)
    if not found:
        return _new_page(422, fhir=["the file holds no Patient resource: export the Patient resources with the rest of the chart"])
    if len(found) == 1:
        imp, text = found[0]
        todo = len(imp.todo)
        note = f"The health record does not give {todo} fact{'s' if todo != 1 else ''} of the case: the report shows them as not documented; complete them in the editor." if todo else None
        return _save_text(text, "yaml", _data_of(text), "FHIR import", note)
    return render_template("cases/pick.html", found=[(imp.data.get("patient", {}), text, len(imp.todo)) for imp, text in found])


def _data_of(text: str) -> Any:
    from priorauth.loading import parse_document

    return parse_document(text, "FHIR import", "case file", CaseFileError, "yaml").data


@bp.post("/new/import")
def import_texts() -> ResponseReturnValue:
    """The patients picked from a FHIR file of several: each case as the import wrote it
    (the text comes back from the page, and is validated again like any case file)."""
    from priorauth.store.versions import NewCaseExists, save_case

    texts = request.form.getlist("case")
    if not texts:
        return _new_page(422, fhir=["pick at least one patient to import"])
    if len(texts) == 1:
        return _save_text(texts[0], "yaml", _data_of(texts[0]), "FHIR import")
    done, problems = [], []
    for i, text in enumerate(texts, 1):
        try:
            done.append(save_case(current_store(), text, "yaml", "FHIR import", registry=_registry(), new=True, today=_today()))
        except (NewCaseExists, PriorAuthError) as exc:
            problems.append(f"patient {i}: {_message(exc)}")
    if problems:
        return _new_page(422, fhir=[f"{len(done)} imported; these were not:", *problems])
    flash(f"{len(done)} patients imported; each is in the queue.", "success")
    return redirect(url_for("queue.index"), 303)


# ---- documents ---------------------------------------------------------------------------------


def _denial(pc: Any) -> dict[str, Any]:
    """The latest denial recorded for the patient's requests, to fill the appeal form with."""
    from priorauth.store import queue as q

    for r in pc.requests:
        if r["status"] not in ("denied", "appeal"):
            continue
        shown = q.show_request(current_store(), r["id"])
        for d in reversed(shown["decisions"]):
            if d["outcome"] == "denied":
                level = {0: "first", 1: "second"}.get(d["appeal_level"], "external")
                return {"reference": d["reference"] or "", "date": d["decided_on"].isoformat(), "reason": d["denial_reason"] or "", "level": level}
    return {}


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@bp.post("/<int:patient_id>/documents")
def document(patient_id: int) -> ResponseReturnValue:
    """Write a document from the current case version and send it (inline to preview, else as a download)."""
    from priorauth.letters import DocumentOptions, NotReadyError, plan_documents

    pc, case = _load(patient_id)
    form = request.form
    what = form.get("what", "")
    fmt = "pdf" if form.get("disposition") == "preview" or what == "packet" else form.get("format", "pdf")
    if what not in DOCUMENT_WHATS or fmt not in ("pdf", "docx"):
        abort(400)
    errors: dict[str, str] = {}
    base = form.get("base_version", "")
    if base.isdigit() and int(base) != pc.current.number:
        errors[""] = f"the case changed since this page was opened (it is now version {pc.current.number}): reload the page and write the document again"
    date = _date(form.get("date", "")) if form.get("date") else _today()
    if date is None:
        errors["date"] = "give the date the document bears, YYYY-MM-DD"
    template = None
    denial: dict[str, Any] = {}
    kind = "checklist" if what == "checklist" else "letter"  # a packet's letter is the letter
    if what == "continuation":
        template = "letter-continuation"
    if what == "appeal":
        template = "letter-appeal"
        reference = form.get("denial_reference", "").strip()
        denied_on = _date(form.get("denial_date", ""))
        level = form.get("level", "first")
        if not reference:
            errors["denial_reference"] = "give the payer's reference number of the denial, as on the denial letter"
        if denied_on is None:
            errors["denial_date"] = "give the date of the denial, YYYY-MM-DD"
        elif denied_on > _today():
            errors["denial_date"] = "is in the future: give the date on the denial letter"
        elif date is not None and date < denied_on:
            errors["date"] = "an appeal is written after the denial: date it on or after the denial date"
        if level not in APPEAL_LEVELS:
            errors["level"] = "choose the appeal level"
        denial = {"reference": reference, "date": denied_on, "reason": form.get("denial_reason", ""), "level": level, "expedited": form.get("expedited") == "1"}
    draft = form.get("draft") == "1" and kind == "letter"
    if errors:
        return _document_refused(pc, case, form, errors=errors)
    from hashlib import sha256

    more: dict[str, Any] = {}
    if what == "appeal":
        more.update(_denial_option(denial))
    if what == "continuation" or (what == "packet" and case.request.kind == "continuation"):
        more.update(_authorization_option(pc, form))  # a packet's continuation letter: the recorded approval
    options = DocumentOptions(kind=kind, fmt=fmt, rules_dirs=current_app.config.get("PRIORAUTH_RULES_DIRS", ()), template=template, draft=draft, date=date, **more)  # type: ignore[arg-type]  # fmt is checked above
    case_and_digest = (case, sha256(pc.text.encode("utf-8")).hexdigest())
    try:
        if what == "packet":
            from priorauth.packet import plan_packets

            # a case kept in the queue has no folder: its records' files are not read (the cover lists them)
            planned: list[Any] = list(plan_packets("", options, output_dir=".", registry=_registry(), case_and_digest=case_and_digest, read_records=False))
        else:
            planned = plan_documents("", options, output_dir=".", registry=_registry(), case_and_digest=case_and_digest)
    except NotReadyError:
        from priorauth.api import check_case

        not_ready = [r for r in check_case(case, _registry()) if r.status != "ready"]
        return _document_refused(pc, case, form, gaps=[(f"{r.rule_set.payer_name}, policy {r.rule_set.policy}: {OVERALL_WORDS[r.status]}", r.next_steps) for r in not_ready])
    except PriorAuthError as exc:
        return _document_refused(pc, case, form, errors={"": _message(exc)})
    doc = planned[0]
    inline = form.get("disposition") == "preview" and fmt == "pdf"
    if not inline:
        _record(pc, doc, what if what in ("appeal", "packet") else kind)
    import io

    mimetype = "application/pdf" if fmt == "pdf" else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return send_file(io.BytesIO(doc.data), mimetype=mimetype, as_attachment=not inline, download_name=doc.path.name, max_age=0)


def _option_names() -> set[str]:
    import dataclasses

    from priorauth.letters import DocumentOptions

    return {f.name for f in dataclasses.fields(DocumentOptions)}


def _denial_option(denial: dict[str, Any]) -> dict[str, Any]:
    """The denial an appeal answers, as the letters library takes it: a ``Denial`` where it
    has one (with the level and expedited review), else the template's ``appeal`` variables."""
    if "denial" in _option_names():
        from priorauth.letters.appeal import Denial  # type: ignore[import-not-found, unused-ignore]  # the appeal letters' library, where present

        return {"denial": Denial(denial["reference"], denial["date"], denial["reason"] or None, denial["level"], denial["expedited"])}
    day = denial["date"]
    return {"extra": {"appeal": {"date": f"{day:%B} {day.day}, {day.year}", "reference": denial["reference"], "reason": denial["reason"], "level": denial["level"]}}}


def _authorization_option(pc: Any, form: Mapping[str, str]) -> dict[str, Any]:
    """The approval a continuation continues, where the letters library takes one: what was
    typed, else what the queue recorded for the patient's request."""
    if "authorization" not in _option_names():
        return {}
    from priorauth.letters.continuation import Authorization  # type: ignore[import-not-found, unused-ignore]  # the continuation letters' library, where present

    recorded = _approval(pc)

    def number(name: str) -> int | None:
        text = form.get(name, "").strip()
        return int(text) if text.isdigit() else recorded.get(name)

    plan = form.get("plan", "extension")
    return {
        "authorization": Authorization(
            form.get("auth_number", "").strip() or recorded.get("auth_number"),
            number("units_approved"),
            number("units_used"),
            recorded.get("valid_from"),
            recorded.get("valid_to"),
            plan if plan in CONTINUATION_PLANS else "extension",
        )
    }


def _approval(pc: Any) -> dict[str, Any]:
    """The newest approval recorded for the patient's requests (to fill the continuation form with)."""
    from priorauth.store import queue as q

    for r in pc.requests:
        if r["status"] in ("approved", "partial", "exhausted", "expired"):
            shown = q.show_request(current_store(), r["id"])
            return {k: shown[k] for k in ("auth_number", "units_approved", "units_used", "valid_from", "valid_to")}
    return {}


def _record(pc: Any, doc: Any, kind: str) -> None:
    """A downloaded document is kept in the data folder and recorded against the patient's
    request for its rule set on this case version (its audit trail says who and when)."""
    from priorauth.output import confined, ensure_folder, write_atomic
    from priorauth.store import queue as q

    request_id = next((r["id"] for r in pc.requests if r["rule_set"] == doc.report.rule_set.id and r["case_version"] == pc.current.number), None)
    if request_id is None:
        return
    folder = ensure_folder(Path(current_app.config["PRIORAUTH_DATA_DIR"]) / "documents" / f"request-{request_id}" / f"version-{pc.current.number}")
    path = write_atomic(confined(folder, doc.path.name), doc.data, force=True)  # the same case and day: the same bytes
    q.attach(current_store(), request_id, path, kind)


def _document_refused(pc: Any, case: Any, form: Mapping[str, str], *, errors: Mapping[str, str] | None = None, gaps: list[tuple[str, list[str]]] | None = None) -> ResponseReturnValue:
    return (
        render_template("cases/refused.html", pc=pc, case=case, form=form, values=form, appeal={}, approval={}, plans=CONTINUATION_PLANS, errors=errors or {}, gaps=gaps or [], whats=DOCUMENT_WHATS, levels=APPEAL_LEVELS, today=_today()),
        422 if errors else 409,
    )
