"""Reading FHIR R4 sources: Bundle JSON files (any type) and Bulk-export NDJSON folders.

Nothing here holds a large file, or all its models, at once:

- Bundle files of up to 8 MB in all (``_HOLD_MAX``) are parsed at once and every entry's
  resource turned into a narrow model (:mod:`priorauth.fhir.models`); the models are kept
  until the last chart is given, because a bundle may list one patient's resources in
  any order. A file that does not parse, or has an invalid element, is read again in
  chunks of 1 MB, one entry at a time (:class:`_JsonStream`, on top of the standard
  library's ``raw_decode``), which finds the line of the error;
- larger Bundle files are read twice (:class:`_BundleIndex`): a first pass, in those
  chunks, checks every entry and notes its byte offset and length under a hash of its
  patient's reference, in bucket files on disk (no patient data in them); then each
  patient's entries are read back from their offsets and modelled, one patient at a time;
- an NDJSON folder is read twice in the same way (:class:`_NdjsonIndex`): a first pass
  checks every line and notes its patient and byte offset; then each patient's lines
  are read back, one patient at a time, so memory stays flat however many patients the
  export holds.

In both indexed ways, resources without a patient (Practitioner, Organization,
Medication) are kept as models, for references. Every source is read and checked before
the first chart is given.

A malformed file raises :class:`FhirFileError` naming the file, the line, the entry index
or NDJSON line, and the element path; never a value from it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import io
import itertools
import json
import os
import re
import struct
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from priorauth.errors import InputFileError, Issue
from priorauth.fhir.models import MODELS, PATIENT_LINKS, Patient, Resource, patient_link, validator
from priorauth.loading import _safe_message, format_path
from priorauth.loading.sniff import NDJSON_SUFFIX, is_fhir_file, is_fhir_source

__all__ = ["FhirFileError", "Chart", "Pool", "is_fhir_source", "read_charts"]

_CHUNK = 1 << 20
_WS = re.compile(r"[ \t\r\n]*")


class FhirFileError(InputFileError):
    what = "FHIR file"




# ---- references --------------------------------------------------------------------------


def ref_key(ref: str, aliases: dict[str, str] | None = None, owner: str | None = None) -> str:
    """``Type/id`` for a relative, absolute or versioned reference; a bundle's
    ``urn:uuid:`` full URL through ``aliases``; ``#id`` inside ``owner``."""
    if ref.startswith("#"):
        return f"{owner}{ref}" if owner else ref
    if aliases and ref in aliases:
        return aliases[ref]
    if ref.startswith("urn:"):
        return ref
    parts = [p for p in ref.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 else ref


@dataclass
class Pool:
    """Resources by ``Type/id`` (and contained ones by ``Type/id#cid``)."""

    by_key: dict[str, Resource] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    fallback: Pool | None = None  # shared resources (an NDJSON export's practitioners)

    def get(self, ref: str | None, owner: Resource | None = None) -> Resource | None:
        if not ref:
            return None
        if "?" in ref:  # a conditional reference: Practitioner?identifier=system|value
            return self._search(ref)
        key = ref_key(ref, self.aliases, key_of(owner) if owner is not None else None)
        found = self.by_key.get(key)
        if found is None and self.fallback is not None:
            found = self.fallback.get(ref, owner)
        return found

    def values(self) -> Iterator[Resource]:
        yield from self.by_key.values()
        if self.fallback is not None:
            yield from self.fallback.values()

    def _index(self) -> dict[tuple[str, str, str], Resource]:
        """Resources with identifiers and PractitionerRoles by practitioner, built once
        (a bundle's pool is complete before any patient is mapped)."""
        cached = self.__dict__.get("_cache")
        if cached is None or cached[0] != len(self.by_key):
            index: dict[tuple[str, str, str], Resource] = {}
            for r in self.by_key.values():
                for ident in getattr(r, "identifier", []):
                    if ident.value:
                        index.setdefault((r.resourceType, ident.system or "", ident.value), r)
                        index.setdefault((r.resourceType, "", ident.value), r)
            cached = (len(self.by_key), index)
            self.__dict__["_cache"] = cached
        return cached[1]

    def roles_of(self, practitioner: Resource) -> list[Resource]:
        """The PractitionerRoles that point to ``practitioner``."""
        key = key_of(practitioner)
        roles_by = self.__dict__.get("_roles")
        if roles_by is None or roles_by[0] != len(self.by_key):
            index: dict[str, list[Resource]] = {}
            for r in self.by_key.values():
                ref = getattr(getattr(r, "practitioner", None), "reference", None) if r.resourceType == "PractitionerRole" else None
                if ref:
                    target = self.get(ref, r)
                    index.setdefault(key_of(target) if target is not None else ref_key(ref, self.aliases), []).append(r)
            roles_by = (len(self.by_key), index)
            self.__dict__["_roles"] = roles_by
        found = list(roles_by[1].get(key, []))
        if self.fallback is not None:
            found += [r for r in self.fallback.roles_of(practitioner) if r not in found]
        return found

    def _search(self, ref: str) -> Resource | None:
        kind, _, query = ref.partition("?")
        name, _, wanted = query.partition("=")
        if name != "identifier" or not wanted:
            return None
        system, _, value = wanted.rpartition("|")
        found = self._index().get((kind.rsplit("/", 1)[-1], system, value))
        if found is None and self.fallback is not None:
            found = self.fallback._search(ref)
        return found


def key_of(resource: Resource) -> str:
    return f"{resource.resourceType}/{resource.id}"


@dataclass
class Chart:
    """One patient's resources, and the pool their references resolve in."""

    source: str
    patient: Patient
    resources: list[Resource]
    pool: Pool

    def of_type(self, cls: type[Any]) -> list[Any]:
        """The resources of type ``cls`` (or of its subclasses), in chart order (a new
        list: the caller may change it)."""
        groups = self.__dict__.get("_groups")
        if groups is None:
            groups = {}
            for r in self.resources:
                groups.setdefault(type(r), []).append(r)
            self.__dict__["_groups"] = groups
        if cls not in groups and cls.__subclasses__():  # _MedicationUse: its subclasses in chart order, worked out once
            groups[cls] = [r for r in self.resources if isinstance(r, cls)]
        return list(groups.get(cls, ()))


# ---- turning raw JSON into models ---------------------------------------------------------


def _model(raw: Any, file: str, where: str, line: int | None) -> tuple[Resource | None, list[Resource]]:
    """The resource's model (None for a type the import does not read) and its contained
    resources, keyed under it."""
    if not isinstance(raw, dict):
        raise FhirFileError(file, Issue(where, "must be a JSON object (a FHIR resource)", line=line))
    kind = raw.get("resourceType")
    if not isinstance(kind, str):
        raise FhirFileError(file, Issue(where, "has no resourceType", line=line, hint="every FHIR resource names its type"))
    cls = MODELS.get(kind)
    if cls is None:
        return None, []
    try:
        model = validator(cls)(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        path = format_path([*([where] if where else []), *[p for p in err["loc"] if p != "class"]])
        raise FhirFileError(file, Issue(path, f"{kind}: {_safe_message(err)}", line=line, hint="the element does not have the shape FHIR R4 gives it")) from None
    contained: list[Resource] = []
    inner = raw.get("contained")
    if isinstance(inner, list) and model.id:
        for n, item in enumerate(inner):
            sub, _ = _model(item, file, f"{where}.contained[{n}]" if where else f"contained[{n}]", line)
            if sub is not None and sub.id:
                contained.append(dataclasses.replace(sub, id=f"{model.id}#{sub.id}"))
    return model, contained


# ---- Bundle JSON, streamed --------------------------------------------------------------------


class _JsonStream:
    """JSON values read one at a time from a text file, in chunks."""

    def __init__(self, handle: io.TextIOBase, file: str) -> None:
        self.handle = handle
        self.file = file
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0  # newlines before buf[mark], counted once
        self.mark = 0
        self.scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the C scanner (raw_decode without its Python frame)
        self.size = _CHUNK
        self.track = False  # count byte offsets (for the index of a large bundle)
        self.bytes_before = 0  # bytes of the file before buf[bmark]
        self.bmark = 0
        self.span = (0, 0)  # byte offsets of the last entry read, when tracked

    def offset(self) -> int:
        """The byte offset in the file of ``buf[pos]`` (each character encoded once)."""
        self.bytes_before += len(self.buf[self.bmark : self.pos].encode("utf-8"))
        self.bmark = self.pos
        return self.bytes_before

    def line(self) -> int:
        self.lines_before += self.buf.count("\n", self.mark, self.pos)
        self.mark = self.pos
        return self.lines_before + 1

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.handle.read(self.size)
        if not chunk:
            self.eof = True
            return False
        self.line()
        if self.track:
            self.offset()
        self.buf = self.buf[self.pos :] + chunk
        self.pos = self.mark = self.bmark = 0
        return True

    def peek(self) -> str:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]  # matches everywhere (may be empty)
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def expect(self, chars: str, where: str) -> str:
        c = self.peek()
        if not c or c not in chars:
            wanted = " or ".join(repr(x) for x in chars)
            raise self.error(where, f"is not valid JSON here: expected {wanted}")
        self.pos += 1
        return c

    def value(self, where: str) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.scan(self.buf, self.pos)
            except (StopIteration, json.JSONDecodeError):
                if self._more():
                    self.size *= 2  # a long value: read more at a time, so retries stay linear
                    continue
                raise self.error(where, "is not valid JSON (cut short, or a syntax error)") from None
            if end == len(self.buf) and not isinstance(value, (dict, list, str)) and self._more():
                continue  # a number or a literal may go on in the next chunk
            self.size = _CHUNK
            self.pos = end
            return value

    def error(self, where: str, message: str) -> FhirFileError:
        return FhirFileError(self.file, Issue(where, message, line=self.line()))


def bundle_entries(path: Path, shown: str) -> Iterator[tuple[int, int, Any]]:
    """(entry index, line, entry) of a Bundle file, one at a time."""
    for index, line, entry, _ in _bundle_file(path, shown):
        yield index, line, entry


def _bundle_file(path: Path, shown: str, track: bool = False) -> Iterator[tuple[int, int, Any, tuple[int, int]]]:
    """(entry index, line, entry, its byte offsets when ``track``) of a Bundle file."""
    try:
        with path.open("rb") as raw:
            bom = 3 if raw.read(3) == b"\xef\xbb\xbf" else 0
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise FhirFileError(shown, Issue("", f"cannot read the file ({exc.strerror or type(exc).__name__})")) from None
    with handle:
        stream = _JsonStream(handle, shown)
        stream.track = track
        stream.bytes_before = bom
        try:
            for index, line, entry in _bundle(stream):
                yield index, line, entry, stream.span
        except UnicodeDecodeError:
            raise FhirFileError(shown, Issue("", "the file is not UTF-8 text", hint="save it as UTF-8")) from None


def _bundle(stream: _JsonStream) -> Iterator[tuple[int, int, Any]]:
    if stream.peek() != "{":
        raise stream.error("", "is not a FHIR Bundle (a JSON object): give a Bundle .json file or a Bulk-export folder of .ndjson files")
    stream.expect("{", "")
    kind = None
    if stream.peek() == "}":
        raise stream.error("", "is an empty JSON object, not a FHIR Bundle")
    while True:
        key = stream.value("")
        if not isinstance(key, str):
            raise stream.error("", "is not valid JSON (a key must be a string)")
        stream.expect(":", key)
        if key == "entry":
            stream.expect("[", "entry")
            index = 0
            if stream.peek() == "]":
                stream.pos += 1
            else:
                while True:
                    line = stream.line()
                    if stream.track:
                        stream.peek()
                        start = stream.offset()
                    entry = stream.value(f"entry[{index}]")
                    if stream.track:
                        stream.span = (start, stream.offset())
                    yield index, line, entry
                    index += 1
                    if stream.expect(",]", f"entry[{index}]") == "]":
                        break
        else:
            value = stream.value(key)
            if key == "resourceType":
                kind = value
                if kind != "Bundle":
                    raise stream.error("resourceType", "is not Bundle: give a FHIR Bundle (transaction, collection, searchset or document) or a Bulk-export folder of .ndjson files")
        if stream.expect(",}", "") == "}":
            break
    if stream.peek():
        raise stream.error("", "has more text after the Bundle's closing brace")
    if kind is None:
        raise stream.error("resourceType", "is missing: a FHIR Bundle starts with \"resourceType\": \"Bundle\"")


def _read_bundle(path: Path, shown: str, pool: Pool, order: list[str], owners: dict[str, str]) -> None:
    """Read one Bundle file into ``pool``: parsed at once when that succeeds (the fast way),
    else streamed, which also finds the line of an error."""
    trial = Pool()
    trial_order: list[str] = []
    trial_owners: dict[str, str] = {}
    try:
        entries = _whole_bundle(path)
        if entries is not None:
            _entries(entries, shown, trial, trial_order, trial_owners)
    except (FhirFileError, OSError):
        entries = None  # read again, streamed: it names the line of the error
    if entries is not None:
        order.extend(k for k in trial_order if k not in pool.by_key)  # as if read into pool
        pool.by_key.update(trial.by_key)
        pool.aliases.update(trial.aliases)
        owners.update(trial_owners)
        return
    for index, line, entry in bundle_entries(path, shown):
        _entry(index, line, entry, shown, pool, order, owners)


# Bundle files up to this size in all are held in memory (parsed at once: the fast way);
# larger ones are indexed on disk and read back patient by patient (:class:`_BundleIndex`).
_HOLD_MAX = 8 << 20


def _whole_bundle(path: Path) -> list[Any] | None:
    """The entries of a Bundle file parsed at once, or None when anything is unusual (not
    JSON, not a Bundle): the streamed reader then says what is wrong, and where."""
    from pydantic_core import from_json

    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        bundle = from_json(data, cache_strings="keys")  # values are mostly distinct: caching them costs more than it saves
    except ValueError:
        return None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return None
    entries = bundle.get("entry", [])
    return entries if isinstance(entries, list) else None


# The validator of each model but Patient's (a Patient is read the careful way, which
# keeps the order of the patients), looked up once.
_VALIDATE = {kind: validator(cls) for kind, cls in MODELS.items() if cls is not Patient}


def _entries(entries: list[Any], shown: str, pool: Pool, order: list[str], owners: dict[str, str]) -> None:
    """:func:`_entry` of every entry, the common case (a resource of a known type, no
    contained resources, valid) without its checks and messages; anything else through it.
    ``entries`` is emptied on the way (each item set to None): an entry's parsed JSON is
    freed as soon as it is modelled, so the next models reuse its memory (instead of
    taking fresh memory while the whole parsed file is still held)."""
    by_key, aliases = pool.by_key, pool.aliases
    for index, entry in enumerate(entries):
        entries[index] = None  # freed once modelled: see above
        raw: Any = entry.get("resource") if type(entry) is dict else False
        if raw is None:
            continue
        kind = raw.get("resourceType") if type(raw) is dict else None
        validate = _VALIDATE.get(kind) if type(kind) is str else None
        if validate is None or "contained" in raw:
            _entry(index, None, entry, shown, pool, order, owners)
            continue
        try:
            model = validate(raw)
        except ValidationError:
            _entry(index, None, entry, shown, pool, order, owners)  # raises, naming the element
            raise AssertionError("unreachable") from None
        full = entry.get("fullUrl")
        rid = model.id
        if not rid:
            _entry(index, None, entry, shown, pool, order, owners)
            continue
        key = f"{kind}/{rid}"
        if isinstance(full, str):
            aliases[full] = key
        for name in PATIENT_LINKS:
            ref = raw.get(name)
            if type(ref) is dict and isinstance(ref.get("reference"), str):
                owners[key] = ref["reference"]
                break
        by_key[key] = model


def _entry(index: int, line: int | None, entry: Any, shown: str, pool: Pool, order: list[str], owners: dict[str, str]) -> None:
    found = _entry_model(index, line, entry, shown)
    if found is not None:
        _entry_into(found, pool, order, owners)


def _entry_model(index: int, line: int | None, entry: Any, shown: str) -> tuple[Resource, list[Resource], dict[str, Any], Any, str] | None:
    """(model, contained models, raw resource, fullUrl, ``Type/id``) of a bundle entry;
    None for an entry without a resource of a type the import reads."""
    if not isinstance(entry, dict):
        raise FhirFileError(shown, Issue(f"entry[{index}]", "must be a JSON object", line=line))
    raw = entry.get("resource")
    if raw is None:
        return None  # a transaction response or a deletion: nothing to read
    if isinstance(raw, dict) and isinstance(raw.get("resourceType"), str) and raw["resourceType"] not in MODELS:
        return None  # a type the import does not read
    model, contained = _model(raw, shown, f"entry[{index}].resource", line)
    if model is None:
        return None
    full = entry.get("fullUrl")
    if not model.id:
        model = dataclasses.replace(model, id=str(full or f"{Path(shown).name}-{index}"))
    return model, contained, raw, full, f"{model.resourceType}/{model.id}"


def _add(model: Resource, contained: list[Resource], raw: dict[str, Any], pool: Pool, order: list[str], owners: dict[str, str], key: str | None = None) -> None:
    key = key or key_of(model)
    if isinstance(model, Patient):
        if key not in pool.by_key:
            order.append(key)
    else:
        link = patient_link(raw)
        if link is not None:
            owners[key] = link
    pool.by_key[key] = model  # a duplicate (same type and id) replaces the earlier copy
    for sub in contained:  # found by "#id" from the resource that contains them
        pool.by_key[f"{key}#{str(sub.id).split('#', 1)[1]}"] = sub


# ---- NDJSON, indexed then read patient by patient -----------------------------------------------


def _ndjson_lines(path: Path, shown: str) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, bytes) of every non-blank line."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise FhirFileError(shown, Issue("", f"cannot read the file ({exc.strerror or type(exc).__name__})")) from None
    with handle:
        offset = 0
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield number, offset, line
            offset += len(line)


def _parse_line(data: bytes, shown: str, number: int | None) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise FhirFileError(shown, Issue("", "the line is not UTF-8 text", line=number, hint="save it as UTF-8")) from None
    except json.JSONDecodeError:
        raise FhirFileError(shown, Issue("", "the line is not valid JSON (an NDJSON file holds one resource per line)", line=number)) from None


_BUCKETS = 64
_RECORD = struct.Struct("<QQB")  # patient hash, file number << 40 | byte offset, 1 for the Patient line


def _patient_hash(ref: str) -> int:
    return int.from_bytes(hashlib.blake2b(ref.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


class _NdjsonIndex:
    """Where each patient's lines are, kept on disk so that memory does not grow with
    the export: a record (hash of the patient reference, file and byte offset) per line,
    in one of 64 bucket files by that hash, in a private temporary folder. The records
    hold no patient data; the folder is removed when the charts have been read."""

    def __init__(self, files: list[tuple[Path, str]]) -> None:
        self.files = files
        self.shared = Pool()
        self.folder = tempfile.TemporaryDirectory(prefix="priorauth-fhir-")
        self.handles: dict[int, Any] = {}

    def _bucket(self, number: int) -> Path:
        return Path(self.folder.name, f"{number:02d}")

    def build(self) -> None:
        buckets = [self._bucket(n).open("wb") for n in range(_BUCKETS)]
        try:
            for file_no, (path, shown) in enumerate(self.files):
                for number, offset, data in _ndjson_lines(path, shown):
                    raw = _parse_line(data, shown, number)
                    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
                        raise FhirFileError(shown, Issue("", "the line is not a FHIR resource (no resourceType)", line=number))
                    kind = raw["resourceType"]
                    if kind not in MODELS:
                        continue
                    model, contained = _model(raw, shown, "", number)  # every line checked before any case is written
                    link = f"Patient/{raw.get('id')}" if kind == "Patient" else patient_link(raw)
                    if link is None:
                        if model is not None and model.id:
                            _add(model, contained, raw, self.shared, [], {})
                        continue
                    h = _patient_hash(ref_key(link) if kind != "Patient" else link)
                    buckets[h % _BUCKETS].write(_RECORD.pack(h, file_no << 40 | offset, kind == "Patient"))
        finally:
            for handle in buckets:
                handle.close()

    def read(self, packed: int) -> tuple[Resource | None, list[Resource], dict[str, Any]]:
        file_no = packed >> 40
        path, shown = self.files[file_no]
        offset = packed & ((1 << 40) - 1)
        handle = self.handles.get(file_no)
        if handle is None:
            handle = self.handles[file_no] = path.open("rb")
        handle.seek(offset)
        data = handle.readline()
        try:
            raw = _parse_line(data, shown, None)
            model, contained = _model(raw, shown, "", None)
        except FhirFileError as exc:  # the line number is counted only for the message
            number = _line_number(path, offset)
            raise FhirFileError(exc.file, [dataclasses.replace(i, line=number) for i in exc.issues], exc.hint) from None
        return model, contained, raw

    def charts(self) -> Iterator[Chart]:
        try:
            for bucket in range(_BUCKETS):
                patients: dict[int, int] = {}  # hash -> the patient's line (the last, if given twice)
                lines: dict[int, list[int]] = {}
                for h, packed, is_patient in _RECORD.iter_unpack(self._bucket(bucket).read_bytes()):
                    if is_patient:
                        patients[h] = packed
                    else:
                        lines.setdefault(h, []).append(packed)
                for h, packed in patients.items():
                    patient, _, _ = self.read(packed)
                    assert isinstance(patient, Patient)
                    key = key_of(patient)
                    pool = Pool(fallback=self.shared)
                    resources: list[Resource] = []
                    for where in lines.get(h, ()):
                        model, contained, raw = self.read(where)
                        link = patient_link(raw)
                        if model is not None and link is not None and ref_key(link) == key:  # never a hash collision
                            _add(model, contained, raw, pool, [], {})
                            resources.append(model)
                    yield Chart(self.files[packed >> 40][1], patient, _dedupe(resources), pool)
        finally:
            self.close()

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
        self.handles.clear()
        self.folder.cleanup()


def _line_number(path: Path, offset: int) -> int:
    """The line at ``offset`` (only computed for messages, so cheap enough)."""
    count = 1
    with path.open("rb") as handle:
        left = offset
        while left > 0:
            chunk = handle.read(min(left, _CHUNK))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count


def _dedupe(resources: list[Resource]) -> list[Resource]:
    seen: dict[str, Resource] = {}
    for r in resources:
        seen[key_of(r)] = r
    return list(seen.values())


# ---- a large Bundle, indexed then read patient by patient -----------------------------------------

_SPAN = struct.Struct("<QQIIIB")  # name hash, file << 40 | byte offset, length, entry index, patient number, kind
_CHART = struct.Struct("<IQIIB")  # patient number, file << 40 | byte offset, length, entry index, 1 for the Patient
_RESOURCE, _PATIENT, _ALIAS = 0, 1, 2


class _BundleIndex:
    """A Bundle too large to hold, read like an NDJSON export: a first pass checks every
    entry and notes where each is in the file (byte offset and length, under a hash of
    its patient's reference, in bucket files in a private temporary folder: no patient
    data in them); then the entries of each patient are read back and modelled, one
    patient at a time, in the order of the Patient entries. Resources without a patient
    (Practitioner, Organization, Medication) are kept as models, for references."""

    def __init__(self, files: list[tuple[Path, str]]) -> None:
        self.files = files
        self.shared = Pool()
        self.folder = tempfile.TemporaryDirectory(prefix="priorauth-fhir-")
        self.handles: dict[int, Any] = {}
        self.patients = 0

    def _bucket(self, stage: str, number: int) -> Path:
        return Path(self.folder.name, f"{stage}{number:02d}")

    def build(self) -> None:
        buckets = [self._bucket("a", n).open("wb") for n in range(_BUCKETS)]
        try:
            for file_no, (path, shown) in enumerate(self.files):
                for index, line, entry, (start, end) in _bundle_file(path, shown, track=True):
                    found = _entry_model(index, line, entry, shown)  # every entry checked before any case is written
                    if found is None:
                        continue
                    model, contained, raw, full, key = found
                    where = (file_no << 40 | start, end - start, index)
                    if isinstance(model, Patient):
                        self.patients += 1
                        names = {key: _PATIENT, **({ref_key(full): _ALIAS} if isinstance(full, str) and ref_key(full) != key else {})}
                        for name, kind in names.items():
                            h = _patient_hash(name)
                            buckets[h % _BUCKETS].write(_SPAN.pack(h, *where, self.patients, kind))
                        continue
                    link = patient_link(raw)
                    if link is None:
                        if isinstance(full, str):
                            self.shared.aliases[full] = key
                        _add(model, contained, raw, self.shared, [], {}, key)
                        continue
                    h = _patient_hash(ref_key(link))
                    buckets[h % _BUCKETS].write(_SPAN.pack(h, *where, 0, _RESOURCE))
        finally:
            for handle in buckets:
                handle.close()
        self._by_patient()

    def _by_patient(self) -> None:
        """The records again, by patient number (in ranges, so that the charts come in
        the order of the Patient entries); those of no patient in the bundle dropped."""
        per = max(1, -(-self.patients // _BUCKETS))
        out = [self._bucket("b", n).open("wb") for n in range(_BUCKETS)]
        try:
            for n in range(_BUCKETS):
                source = self._bucket("a", n)
                records = list(_SPAN.iter_unpack(source.read_bytes()))
                source.unlink()
                owner: dict[int, int] = {}
                for h, _, _, _, number, kind in records:
                    if kind != _RESOURCE:
                        owner.setdefault(h, number)  # a Patient given twice: where it came first
                for h, packed, length, index, _, kind in records:
                    if kind != _ALIAS and h in owner:
                        number = owner[h]
                        out[(number - 1) // per].write(_CHART.pack(number, packed, length, index, kind == _PATIENT))
        finally:
            for handle in out:
                handle.close()

    def read(self, packed: int, length: int, index: int) -> tuple[Resource, list[Resource], dict[str, Any], Any, str] | None:
        file_no = packed >> 40
        path, shown = self.files[file_no]
        handle = self.handles.get(file_no)
        if handle is None:
            handle = self.handles[file_no] = path.open("rb")
        handle.seek(packed & ((1 << 40) - 1))
        return _entry_model(index, None, json.loads(handle.read(length)), shown)

    def charts(self) -> Iterator[Chart]:
        try:
            for bucket in range(_BUCKETS):
                groups: dict[int, list[tuple[int, int, int, int]]] = {}
                for number, packed, length, index, is_patient in _CHART.iter_unpack(self._bucket("b", bucket).read_bytes()):
                    groups.setdefault(number, []).append((packed, length, index, is_patient))
                for number in sorted(groups):
                    chart = self._chart(sorted(groups[number]))
                    if chart is not None:
                        yield chart
        finally:
            self.close()

    def _chart(self, items: list[tuple[int, int, int, int]]) -> Chart | None:
        patient = None
        for packed, length, index, is_patient in items:
            if is_patient:
                patient = self.read(packed, length, index)  # a Patient given twice: the last copy
        if patient is None:
            return None
        model, _, _, full, key = patient
        assert isinstance(model, Patient)
        names = {key, ref_key(full)} if isinstance(full, str) else {key}
        pool = Pool(fallback=self.shared)
        order: list[str] = []
        _entry_into(patient, pool, order, {})
        resources: list[Resource] = []
        for packed, length, index, is_patient in items:
            found = None if is_patient else self.read(packed, length, index)
            link = patient_link(found[2]) if found is not None else None
            if found is not None and link is not None and ref_key(link) in names:  # never a hash collision
                _entry_into(found, pool, order, {})
                resources.append(found[0])
        return Chart(_shown(self.files), model, _dedupe(resources), pool)

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
        self.handles.clear()
        self.folder.cleanup()


def _entry_into(found: tuple[Resource, list[Resource], dict[str, Any], Any, str], pool: Pool, order: list[str], owners: dict[str, str]) -> None:
    model, contained, raw, full, key = found
    if isinstance(full, str):
        pool.aliases[full] = key
    _add(model, contained, raw, pool, order, owners, key)


# ---- sources -----------------------------------------------------------------------------------------


def _files(sources: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    bundles: list[tuple[Path, str]] = []
    ndjson: list[tuple[Path, str]] = []
    for src in sources:
        if src.is_dir():
            found = sorted(p for p in src.iterdir() if not p.name.startswith(".") and p.is_file())
            chosen = [p for p in found if is_fhir_file(p)]
            if not chosen:
                raise FhirFileError(str(src), Issue("", "holds no FHIR files (Bundle .json files or Bulk-export .ndjson files)"))
            for p in chosen:
                (ndjson if p.suffix.lower() == NDJSON_SUFFIX else bundles).append((p, str(p)))
        elif not src.exists():
            raise FhirFileError(str(src), Issue("", "file not found", hint="check the path"))
        else:
            (ndjson if src.suffix.lower() == NDJSON_SUFFIX else bundles).append((src, str(src)))
    return bundles, ndjson


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading a bundle makes many objects and keeps them all, and no cycles: the cyclic
    garbage collector would only scan the growing heap again and again, so it waits
    until the bundle is read."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_charts(sources: Sequence[str | Path]) -> Iterator[Chart]:
    """Every patient's chart in ``sources`` (Bundle files, NDJSON files, folders of them),
    in the order their Patient resources come (an NDJSON export's: in the order of its
    index). Every file is read and checked before the first chart is given."""
    bundles, ndjson = _files([Path(s) for s in sources])
    indexes: list[_NdjsonIndex | _BundleIndex] = []
    held: Iterator[Chart] | None = None
    try:
        if bundles and sum(_size(path) for path, _ in bundles) > _HOLD_MAX:
            indexes.append(_BundleIndex(bundles))
        elif bundles:
            held = _held_charts(bundles)
            first = next(held, None)  # the bundles are read whole here
            held = itertools.chain([first], held) if first is not None else None
        if ndjson:
            indexes.append(_NdjsonIndex(ndjson))
        for index in indexes:
            index.build()
    except BaseException:
        for index in indexes:
            index.close()
        raise
    if held is not None:
        yield from held
    for index in indexes:
        yield from index.charts()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read as usual, which says what is wrong


def _held_charts(bundles: list[tuple[Path, str]]) -> Iterator[Chart]:
    """The charts of Bundle files small enough to hold whole: every model kept until the
    last chart is given, since one patient's resources may come in any order."""
    pool = Pool()
    order: list[str] = []
    owners: dict[str, str] = {}
    with _collector_paused():
        for path, shown in bundles:
            _read_bundle(path, shown, pool, order, owners)
        # The bundle's models live until the last chart is mapped: kept out of the
        # collector's scans meanwhile (they would be scanned again and again).
        gc.freeze()
    by_patient: dict[str, list[Resource]] = {}
    patient_of: dict[str, str] = {}  # link text -> Type/id: a patient's resources all write the same link
    for key, link in owners.items():
        target = patient_of.get(link)
        if target is None:
            target = patient_of[link] = ref_key(link, pool.aliases)
        by_patient.setdefault(target, []).append(pool.by_key[key])
    try:
        for key in order:
            patient = pool.by_key[key]
            assert isinstance(patient, Patient)
            yield Chart(_shown(bundles), patient, by_patient.get(key, []), pool)
    finally:
        gc.unfreeze()


def _shown(bundles: list[tuple[Path, str]]) -> str:
    return bundles[0][1] if len(bundles) == 1 else os.path.commonpath([s for _, s in bundles])
