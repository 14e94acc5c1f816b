"""The clinic profile: letterhead, contact details, logo, signature and default prescriber.

A small YAML file that `priorauth init` writes with comments; letters use it for the
letterhead and the signature block in both formats.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationError

from priorauth.errors import ClinicFileError, Issue
from priorauth.loading import LoadedDocument, allowed_keys, format_path, load_file, pydantic_issues
from priorauth.scalars import FileModel

Text = Annotated[str, Field(max_length=300)]
MAX_IMAGE_BYTES = 10 * 1024 * 1024
PLACEHOLDER = "REPLACE:"  # every value `priorauth init` writes starts with it


class DefaultPrescriber(FileModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Text
    credentials: list[Text] = Field(default_factory=list)  # lines under the name ("Board-certified psychiatrist")
    npi: str | None = None


class Clinic(FileModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)
    practice_name: Annotated[str, Field(min_length=1, max_length=200)]
    address: list[Text] = Field(default_factory=list)  # one entry per line
    phone: Text | None = None
    fax: Text | None = None
    email: Text | None = None
    npi: str | None = None  # group / facility NPI
    tax_id: Text | None = None
    logo: Text | None = None  # PNG or JPEG, relative to this file
    signature_image: Text | None = None  # PNG or JPEG of the prescriber's signature, relative to this file
    # whose signature the image is: it is printed only on a letter whose case prescriber has
    # this NPI (default: the profile's prescriber.npi), never on another clinician's letter
    signature_npi: Annotated[str, Field(pattern=r"^\d{10}$")] | None = None
    # where Spravato is given, when it is certified under the Spravato REMS (letters name it)
    rems_site: Text | None = None
    # the FDA-cleared TMS device the clinic uses ("NeuroStar Advanced Therapy System")
    tms_device: Text | None = None
    prescriber: DefaultPrescriber | None = None  # used when the case names no prescriber details beyond name/NPI
    contact_name: Text | None = None  # who the payer should call about the request


def _placeholders(value: Any, at: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _placeholders(item, (*at, i))
    elif isinstance(value, str) and value.strip().upper().startswith(PLACEHOLDER):
        yield at


def _refuse_placeholders(path: Path, doc: LoadedDocument) -> None:
    """A profile straight from `priorauth init` would print "REPLACE: ..." on a letter."""
    issues = [
        Issue(format_path(at), "still holds the placeholder written by `priorauth init`", line=doc.line_of(at))
        for at in _placeholders(doc.data)
    ]
    if issues:
        raise ClinicFileError(str(path), issues, "replace each REPLACE value with your practice's details, or delete the optional lines")


def load_clinic(path: str | Path) -> tuple[Clinic, Path]:
    """Load a clinic profile; image paths are resolved relative to the file."""
    path = Path(path)
    doc = load_file(path, "clinic profile", ClinicFileError)
    try:
        clinic = Clinic.model_validate(doc.data)
    except ValidationError as exc:
        raise ClinicFileError(str(path), pydantic_issues(exc, doc, allowed_keys(Clinic))) from None
    _refuse_placeholders(path, doc)
    base = path.resolve().parent
    issues = []
    updates = {}
    for key in ("logo", "signature_image"):
        value = getattr(clinic, key)
        if value:
            image = (base / value).resolve()
            if not image.is_file():
                issues.append(Issue(key, "image file not found", line=doc.line_of((key,)), hint="give a PNG or JPEG path relative to the clinic profile"))
            elif image.suffix.lower() not in (".png", ".jpg", ".jpeg"):
                issues.append(Issue(key, "must be a PNG or JPEG image", line=doc.line_of((key,))))
            elif image.stat().st_size > MAX_IMAGE_BYTES:
                issues.append(Issue(key, f"image is larger than {MAX_IMAGE_BYTES // 1048576} MB", line=doc.line_of((key,)), hint="a logo or signature needs a few hundred kilobytes at most"))
            updates[key] = str(image)
    if issues:
        raise ClinicFileError(str(path), issues)
    return clinic.model_copy(update=updates), path


CLINIC_TEMPLATE = """\
# priorauth clinic profile: the letterhead and signature used on letters and checklists.
# Replace every REPLACE value with your practice's details (letters refuse the profile
# until you do), then pass it with `priorauth letter CASE --clinic clinic.yaml`.
# Image paths are relative to this file. Keep it next to your cases; it holds no patient data.

practice_name: "REPLACE: practice name"        # printed large at the top of every letter
address:                                       # one entry per line of the letterhead
  - "REPLACE: street address"
  - "REPLACE: city, state and ZIP code"
phone: "REPLACE: phone number"
fax: "REPLACE: fax number"                     # or delete the line
# Optional: remove the # to use a line.
# email: "REPLACE: email address"
# npi: "REPLACE: group or facility NPI (10 digits)"
# tax_id: "REPLACE: tax id"
# logo: logo.png                               # PNG or JPEG, drawn at the right of the letterhead
# signature_image: signature.png               # PNG or JPEG of the signature, above the signature line
# contact_name: "REPLACE: who the payer should call, and their role"
# signature_npi: "REPLACE: NPI of the prescriber whose signature the image is (10 digits)"
#                                              # the image is printed only on that prescriber's letters
# rems_site: "REPLACE: the Spravato REMS-certified treatment site, as certified"
# tms_device: "REPLACE: the FDA-cleared TMS device, by name and model"

# The prescriber who signs, when the case file gives only a name and NPI. The case's
# prescriber always wins for name and NPI; credentials print under the name.
prescriber:
  name: "REPLACE: prescriber's name and degree"
  credentials:
    - "REPLACE: credential line, such as board certification (or delete the line)"
  npi: "REPLACE: prescriber NPI (10 digits)"
"""
