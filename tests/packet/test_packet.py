"""`priorauth packet`: the pages, the cover sheet's words, bookmarks, page stamps, every kind
of attachment and of bad attachment, determinism, file safety and exit codes."""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader, PdfWriter

from tests.helpers import SAMPLES, invoke

READY_TMS = SAMPLES / "cigna-tms-ready.yaml"
INCOMPLETE = SAMPLES / "medicare-tms-incomplete.yaml"
DATE = "2026-11-25"
PACKET = "DEMO-1001_cigna_tms_packet.pdf"


def page_texts(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def pdf_bytes(*lines: str, rotate: int = 0) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1)
    for line in lines:
        canvas.drawString(72, 700, line)
        canvas.showPage()
    canvas.save()
    if not rotate:
        return buf.getvalue()
    writer = PdfWriter()
    for page in PdfReader(buf).pages:
        writer.add_page(page).rotate(rotate)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str, size: tuple[int, int], frames: int = 1, mode: str = "RGB") -> bytes:
    from PIL import Image

    images = [Image.new(mode, size, 255 if mode in ("L", "1") else (200, 220, 255) if mode == "RGB" else (10, 20, 30, 0)) for _ in range(frames)]
    buf = io.BytesIO()
    images[0].save(buf, format=fmt, save_all=frames > 1, append_images=images[1:])
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes("secret"))).pages:
        writer.add_page(page)
    writer.encrypt("pw", algorithm="RC4-128")  # RC4 needs no cryptography package
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_case(folder: Path, documents: list[dict[str, Any]] | None, files: dict[str, bytes], add: list[dict[str, Any]] = ()) -> Path:  # type: ignore[assignment]
    """A copy of the ready TMS sample in ``folder`` with ``files`` beside it, whose documents
    are ``documents`` (None: the sample's, which have no path) and then ``add``."""
    data = yaml.safe_load(READY_TMS.read_text(encoding="utf-8"))
    data["documents"] = (data["documents"] if documents is None else documents) + list(add)
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    case = folder / "case.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return case


GOOD_DOCS = [
    {"kind": "psychiatric_evaluation", "date": "2026-11-05", "title": "Psychiatric evaluation for TMS", "path": "records/eval.pdf"},
    {"kind": "medication_history", "date": "2026-11-05", "path": "records/meds.png"},
    {"kind": "rating_scale", "date": "2026-11-10", "title": "PHQ-9 and HAM-D17", "path": "records/scales.jpg"},
    {"kind": "safety_screening", "date": "2026-11-05", "title": "TMS Adult Safety Screen (TASS)", "path": "records/tass.tif"},
    {"kind": "psychotherapy_notes", "date": "2026-01-10"},  # no path: listed in the letter only
]


def good_files() -> dict[str, bytes]:
    return {
        "records/eval.pdf": pdf_bytes("Evaluation page 1", "Evaluation page 2", "Evaluation page 3"),
        "records/meds.png": image_bytes("PNG", (800, 600), mode="RGBA"),
        "records/scales.jpg": image_bytes("JPEG", (600, 900)),
        "records/tass.tif": image_bytes("TIFF", (500, 700), frames=2, mode="1"),
    }


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("good")
    case = make_case(folder, GOOD_DOCS, good_files())
    out = folder / "out"
    code, stdout, stderr = invoke("packet", case, "-o", out, "--date", DATE)
    assert (code, stderr) == (0, "")
    assert stdout == f"wrote {out / PACKET} (14 pages)\n"
    return out / PACKET


def test_the_parts_in_order_with_bookmarks(good: Path) -> None:
    reader = PdfReader(good)
    assert len(reader.pages) == 14
    assert [(item.title, reader.get_destination_page_number(item) + 1) for item in reader.outline] == [
        ("Fax cover sheet", 1),
        ("Letter of medical necessity", 2),
        ("Prior authorization checklist", 6),
        ("Attachment 1: Psychiatric evaluation for TMS, 2026-11-05 (file eval.pdf)", 8),
        ("Attachment 2: Medication history, 2026-11-05 (file meds.png)", 11),
        ("Attachment 3: PHQ-9 and HAM-D17, 2026-11-10 (file scales.jpg)", 12),
        ("Attachment 4: TMS Adult Safety Screen (TASS), 2026-11-05 (file tass.tif)", 13),
    ]
    texts = page_texts(good)
    assert "Letter of Medical Necessity" in texts[1]
    assert "Prior Authorization Checklist" in texts[5]
    assert [t.split(" Packet page")[0] for t in texts[7:10]] == ["Evaluation page 1", "Evaluation page 2", "Evaluation page 3"]
    # an image page: its caption above the image, and the stamp
    assert texts[10:14] == [
        "Packet page 11 of 14 Medication history, 2026-11-05 (file meds.png)",
        "Packet page 12 of 14 PHQ-9 and HAM-D17, 2026-11-10 (file scales.jpg)",
        "Packet page 13 of 14 TMS Adult Safety Screen (TASS), 2026-11-05 (file tass.tif) · image 1 of 2",
        "Packet page 14 of 14 TMS Adult Safety Screen (TASS), 2026-11-05 (file tass.tif) · image 2 of 2",
    ]


def test_every_page_says_packet_page_n_of_m(good: Path) -> None:
    texts = page_texts(good)
    assert [f"Packet page {n} of 14" in t for n, t in enumerate(texts, start=1)] == [True] * 14
    assert [t.count("Packet page") for t in texts] == [1] * 14


def test_the_cover_sheet(good: Path) -> None:
    cover = page_texts(good)[0]
    for words in [
        "FAX COVER SHEET",
        "Prior authorization request: Transcranial magnetic stimulation (TMS)",
        "To: Cigna Healthcare",
        "Attention: Prior authorization / utilization management",
        "Fax: ____________________ Portal: ____________________",  # the sample rule set knows neither
        "From: Lakeside Behavioral Health Prescriber: Anika Patel, MD, NPI 1234567893 Phone: 555-010-2000 Fax: 555-010-2001",
        "Date: November 25, 2026",
        "Pages: 14, including this cover sheet",
        "Patient: José Muñoz-Ñúñez Date of birth: April 2, 1981 Member ID: U0000000001",
        "Clinic patient ID: DEMO-1001",
        "Request: Transcranial magnetic stimulation (TMS), Cigna Healthcare policy EN0383",
        "Part Pages Letter of medical necessity 2–5 Prior authorization checklist 6–7 "
        "Attachment 1: Psychiatric evaluation for TMS, 2026-11-05 (file eval.pdf) 8–10 "
        "Attachment 2: Medication history, 2026-11-05 (file meds.png) 11 "
        "Attachment 3: PHQ-9 and HAM-D17, 2026-11-10 (file scales.jpg) 12 "
        "Attachment 4: TMS Adult Safety Screen (TASS), 2026-11-05 (file tass.tif) 13–14",
        "CONFIDENTIAL: this transmission contains protected health information (PHI)",
    ]:
        assert words in cover, words
    assert "Not included" not in cover


def _images(reader: PdfReader, index: int) -> list[Any]:
    xobjects = reader.pages[index]["/Resources"]["/XObject"]
    return [x.get_object() for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]


def test_images_fill_a_page_each(good: Path) -> None:
    reader = PdfReader(good)
    png, jpeg, tiff1, tiff2 = (_images(reader, i) for i in (10, 11, 12, 13))
    assert [(i["/Width"], i["/Height"]) for i in png + jpeg + tiff1 + tiff2] == [(800, 600), (600, 900), (500, 700), (500, 700)]
    assert "/DCTDecode" in jpeg[0]["/Filter"]  # the JPEG as it was, not re-encoded
    # a wide image on a landscape page, a tall one on a portrait page
    assert [(float(reader.pages[i].mediabox.width), float(reader.pages[i].mediabox.height)) for i in (10, 11)] == [(792.0, 612.0), (612.0, 792.0)]


def test_same_inputs_same_bytes(good: Path, tmp_path: Path) -> None:
    case = good.parent.parent / "case.yaml"
    code, _, _ = invoke("packet", case, "-o", tmp_path, "--date", DATE)
    assert code == 0
    assert (tmp_path / PACKET).read_bytes() == good.read_bytes()


def test_written_owner_only_and_never_overwritten(good: Path) -> None:
    assert stat.S_IMODE(good.stat().st_mode) == 0o600
    before = good.read_bytes()
    case = good.parent.parent / "case.yaml"
    code, out, err = invoke("packet", case, "-o", good.parent, "--date", "2026-11-26")
    assert (code, out) == (2, "")
    assert err == f"error: {good} already exists\n  hint: use --force to overwrite it, or choose another output folder with -o\n"
    assert good.read_bytes() == before
    assert [p.name for p in good.parent.iterdir()] == [PACKET]


def test_force_overwrites(tmp_path: Path) -> None:
    case = make_case(tmp_path, None, {})
    assert invoke("packet", case, "-o", tmp_path, "--date", DATE).exit_code == 0
    first = (tmp_path / PACKET).read_bytes()
    code, out, _ = invoke("packet", case, "-o", tmp_path, "--date", "2026-11-26", "--force")
    assert code == 0 and out == f"wrote {tmp_path / PACKET} (7 pages)\n"
    assert (tmp_path / PACKET).read_bytes() != first
    assert "Date: November 26, 2026" in page_texts(tmp_path / PACKET)[0]


BAD_DOCS = [
    {"kind": "psychiatric_evaluation", "date": "2026-11-05", "path": "records/gone.pdf"},
    {"kind": "medication_history", "title": "Pharmacy printout", "path": "records/meds.txt"},
    {"kind": "rating_scale", "date": "2026-11-10", "path": "records/locked.pdf"},
    {"kind": "safety_screening", "date": "2026-11-05", "path": "records/broken.png"},
    {"kind": "psychotherapy_notes", "path": "records/broken.pdf"},
    {"kind": "progress_notes", "path": "records"},
    {"kind": "lab_results", "path": "records/ok.pdf"},
]
BAD_FILES = {
    "records/meds.txt": b"sertraline 200 mg\n",
    "records/locked.pdf": encrypted_pdf(),
    "records/broken.png": b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20,
    "records/broken.pdf": b"%PDF-1.7\nnot really a pdf\n",
    "records/ok.pdf": pdf_bytes("Lab page"),
}


def test_bad_attachments_are_listed_on_the_cover_and_warned_about(tmp_path: Path) -> None:
    case = make_case(tmp_path, None, BAD_FILES, add=BAD_DOCS)
    code, out, err = invoke("packet", case, "-o", tmp_path / "out", "--date", DATE)
    assert code == 0
    assert out == f"wrote {tmp_path / 'out' / PACKET} (9 pages)\n"
    listed = 'it is listed on the cover sheet under "Not included"'
    assert err.splitlines() == [
        f"warning: documents[5] (psychiatric_evaluation) is not in the packet: file not found: check documents[].path, relative to the case file's folder; {listed}",
        f"warning: documents[6] (medication_history) is not in the packet: not a PDF or an image (PNG, JPEG or TIFF): print it to PDF and attach that; {listed}",
        f"warning: documents[7] (rating_scale) is not in the packet: encrypted (password-protected) PDF: attach a copy saved without a password; {listed}",
        f"warning: documents[8] (safety_screening) is not in the packet: damaged image that cannot be read: scan or export it again; {listed}",
        f"warning: documents[9] (psychotherapy_notes) is not in the packet: damaged PDF that cannot be read: open it and save or print it to a new PDF; {listed}",
        f"warning: documents[10] (progress_notes) is not in the packet: not a file (a folder or a device): give the path of the PDF or image; {listed}",
    ]
    texts = page_texts(tmp_path / "out" / PACKET)
    cover = texts[0]
    assert "Pages: 9, including this cover sheet" in cover
    assert "Part Pages Letter of medical necessity 3–6 Prior authorization checklist 7–8 Attachment 1: Laboratory results (file ok.pdf) 9" in cover
    assert "Not included These records are listed in the case but are not in this packet; send them separately: Record Why not " in cover
    # six rows do not fit under the rest: the cover goes on to a second page, which says whose it is
    assert "Fax cover sheet, continued · José Muñoz-Ñúñez · born April 2, 1981 · member ID U0000000001" in texts[1]
    both_pages = cover + " " + texts[1]
    for row in [
        "Psychiatric evaluation, 2026-11-05 (file gone.pdf) file not found: check documents[].path, relative to the case file's folder",
        "Pharmacy printout (file meds.txt) not a PDF or an image (PNG, JPEG or TIFF): print it to PDF and attach that",
        "Validated depression rating scale, 2026-11-10 (file locked.pdf) encrypted (password-protected) PDF: attach a copy saved without a password",
        "TMS safety screening (seizure risk, implants), 2026-11-05 (file broken.png) damaged image that cannot be read: scan or export it again",
        "Psychotherapy notes (file broken.pdf) damaged PDF that cannot be read: open it and save or print it to a new PDF",
        "Progress notes (file records) not a file (a folder or a device): give the path of the PDF or image",
    ]:
        assert both_pages.count(row) == 1, row  # each row once, on the first or the second cover page
    assert "Progress notes (file records)" in texts[1]  # the last row runs onto the second page
    assert [t.endswith(f"Packet page {n} of 9") for n, t in enumerate(texts, start=1)] == [True] * 9
    assert "CONFIDENTIAL: this transmission" in texts[1]
    assert texts[8] == "Lab page Packet page 9 of 9"
    assert "sertraline" not in err and "José" not in err


def test_a_rotated_page_gets_an_upright_stamp(tmp_path: Path) -> None:
    case = make_case(tmp_path, None, {"r.pdf": pdf_bytes("Sideways", rotate=90)}, add=[{"kind": "lab_results", "path": "r.pdf"}])
    assert invoke("packet", case, "-o", tmp_path, "--date", DATE).exit_code == 0
    page = PdfReader(tmp_path / PACKET).pages[7]
    assert page.get("/Rotate", 0) == 0  # the rotation is in the content now
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)  # A4, turned
    assert page_texts(tmp_path / PACKET)[7].endswith("Packet page 8 of 8")


def test_a_case_that_is_not_ready_gets_no_packet_unless_draft(tmp_path: Path) -> None:
    code, out, err = invoke("packet", INCOMPLETE, "-o", tmp_path, "--date", DATE)
    assert (code, out) == (1, "")
    assert err.startswith("error: the case is not ready for a letter of medical necessity; nothing was written\n")
    assert list(tmp_path.iterdir()) == []
    code, out, err = invoke("packet", INCOMPLETE, "-o", tmp_path, "--date", DATE, "--draft")
    assert code == 0 and err == ""
    (written,) = tmp_path.iterdir()
    assert written.name.endswith("_packet-draft.pdf") and out == f"wrote {written} ({len(PdfReader(written).pages)} pages)\n"
    reader = PdfReader(written)
    assert (
        "FAX COVER SHEET DRAFT, NOT FOR SUBMISSION: the case still has open gaps, listed in the letter. "
        "Documentation of medical necessity (no prior authorization step): Transcranial magnetic stimulation (TMS) "
        "To: Medicare Attention: Medical records (no prior authorization step)"
    ) in page_texts(written)[0]
    assert reader.outline[1].title == "Documentation summary of medical necessity (DRAFT)"  # Original Medicare: no prior authorization


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.yaml"], "error: nope.yaml: file not found (check the path)"),
        ([str(READY_TMS), "--date", "2026-01-01"], "error: --date is before the case's request date (request.date)"),
        ([str(READY_TMS), "--payer", "nobody"], "error: --payer: no rule sets for payer 'nobody'"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(args: list[str], message: str, tmp_path: Path) -> None:
    code, out, err = invoke("packet", *args, "-o", tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith(message), err
    assert list(tmp_path.iterdir()) == []


def test_help_has_examples() -> None:
    code, out, _ = invoke("packet", "--help")
    assert code == 0
    assert "priorauth packet samples/cigna-tms-ready.yaml -o out/" in out
    assert '"Not included"' in out
    for option in ("--payer", "--treatment", "--clinic", "--templates-dir", "--draft", "--force", "--request", "--db", "--user", "--date"):
        assert option in out


def queued_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """(a new queue's database, the ready TMS case) with the case added as request 1 by alice."""
    for name in ("PRIORAUTH_DB", "PRIORAUTH_USER", "PRIORAUTH_RULES_DIR"):
        monkeypatch.delenv(name, raising=False)
    db = str(tmp_path / "queue.sqlite3")
    case = make_case(tmp_path, None, {})
    assert invoke("queue", "add", case, "--db", db, "--user", "alice").exit_code == 0
    return db, case


def test_a_packet_for_a_queue_request_is_recorded_against_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    db, case = queued_case(tmp_path, monkeypatch)
    code, out, err = invoke("packet", case, "--request", "1", "--db", db, "--user", "alice", "--date", DATE, "-o", tmp_path / "out")
    written = tmp_path / "out" / PACKET
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"wrote {written} (7 pages)", "request 1: 1 file(s) recorded as packet"]
    shown = json.loads(invoke("queue", "show", "1", "--db", db, "--format", "json").stdout)
    assert [(d["kind"], d["file"]) for d in shown["documents"]] == [("packet", str(written.absolute()))]
    code, _, err = invoke("packet", case, "--request", "1", "--db", db, "--payer", "uhc", "-o", tmp_path / "out2")
    assert code == 2 and err.startswith("error: --payer: request 1 is for cigna/tms")


def _image_data(reader: PdfReader, index: int) -> tuple[Any, bytes]:
    (image,) = _images(reader, index)
    return image, image.get_data()


def test_image_kinds_keep_their_look(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    def saved(image: Any, fmt: str, **kw: Any) -> bytes:
        buf = io.BytesIO()
        image.save(buf, format=fmt, **kw)
        return buf.getvalue()

    bw = Image.new("1", (40, 30), 1)
    ImageDraw.Draw(bw).rectangle((0, 0, 19, 29), fill=0)  # left half black
    palette = Image.new("P", (30, 40))
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    ImageDraw.Draw(palette).rectangle((0, 0, 29, 19), fill=1)  # top half blue, bottom red
    deep = Image.new("I;16", (30, 40), 65535)
    ImageDraw.Draw(deep).rectangle((0, 0, 29, 19), fill=0)  # 16-bit grey: top black, bottom white
    photo = Image.new("RGB", (60, 20), (255, 255, 255))
    exif = photo.getexif()
    exif[0x0112] = 6  # taken with the camera turned: shown turned 90 degrees clockwise
    files = {
        "bw.tif": saved(bw, "TIFF", compression="group4"),
        "pal.png": saved(palette, "PNG"),
        "rgb.png": saved(Image.new("RGB", (30, 20), (10, 20, 30)), "PNG"),
        "deep.png": saved(deep, "PNG"),
        "turned.jpg": saved(photo, "JPEG", exif=exif),
    }
    case = make_case(tmp_path, None, files, add=[{"kind": "lab_results", "path": name} for name in files])
    assert invoke("packet", case, "-o", tmp_path, "--date", DATE).exit_code == 0
    reader = PdfReader(tmp_path / PACKET)
    image, data = _image_data(reader, 7)
    assert (image["/BitsPerComponent"], image["/ColorSpace"]) == (1, "/DeviceGray")  # 1 bit stays 1 bit, 1 is white
    assert data == bw.tobytes() and data[0] == 0b00000000 and data[2] == 0b00001111
    image, data = _image_data(reader, 8)  # a PNG's own compressed pixels, as they are
    assert (image["/ColorSpace"][:3], image["/ColorSpace"][3].original_bytes[:6], image["/DecodeParms"]["/Predictor"]) == (["/Indexed", "/DeviceRGB", 255], b"\xff\x00\x00\x00\x00\xff", 15)
    assert (data[0], data[-1]) == (1, 0)  # top blue, bottom red
    image, data = _image_data(reader, 9)
    assert (image["/ColorSpace"], image["/DecodeParms"]["/Predictor"], data) == ("/DeviceRGB", 15, bytes([10, 20, 30]) * 600)
    image, data = _image_data(reader, 10)
    assert (image["/ColorSpace"], image["/BitsPerComponent"], data[0], data[-1]) == ("/DeviceGray", 8, 0, 255)
    image, _ = _image_data(reader, 11)
    assert (image["/Width"], image["/Height"], image["/Filter"]) == (20, 60, "/FlateDecode")  # upright: tall, re-encoded
    assert (float(reader.pages[11].mediabox.width), float(reader.pages[11].mediabox.height)) == (612.0, 792.0)


def test_a_packet_per_rule_set_and_each_record_left_out_named_once(tmp_path: Path) -> None:
    files = {"ok.pdf": pdf_bytes("Record page")}
    case = make_case(tmp_path, None, files, add=[{"kind": "lab_results", "path": "ok.pdf"}, {"kind": "progress_notes", "path": "gone.pdf"}])
    code, out, err = invoke("packet", case, "-o", tmp_path / "out", "--date", DATE, "--treatment", "both", "--draft")
    assert code == 0
    written = [tmp_path / "out" / "DEMO-1001_cigna_tms_packet-draft.pdf", tmp_path / "out" / "DEMO-1001_cigna_spravato_packet-draft.pdf"]
    assert [line.split(" (")[0] for line in out.splitlines()] == [f"wrote {p}" for p in written]
    assert err == 'warning: documents[6] (progress_notes) is not in the packet: file not found: check documents[].path, relative to the case file\'s folder; it is listed on the cover sheet under "Not included"\n'
    for path in written:
        texts = page_texts(path)
        assert [t.count("Packet page") for t in texts] == [1] * len(texts)
        assert texts[-1] == f"Record page Packet page {len(texts)} of {len(texts)}"


def _stamp_at(path: Path, index: int) -> tuple[float, float]:
    """Where "Packet page" is drawn on a page, in the page's own coordinates."""
    found: list[tuple[float, float]] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, _size: Any) -> None:
        if text.startswith("Packet page"):
            found.append((cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]))

    PdfReader(path).pages[index].extract_text(visitor_text=visit)
    assert len(found) == 1
    return found[0]


def test_the_stamp_is_inside_the_visible_part_of_a_page(tmp_path: Path) -> None:
    from pypdf.generic import RectangleObject

    writer = PdfWriter()
    page = writer.add_page(PdfReader(io.BytesIO(pdf_bytes("Cropped"))).pages[0])
    page.mediabox = RectangleObject([0, 0, 595, 842])
    page.cropbox = RectangleObject([100, 200, 500, 800])  # a scan trimmed to its paper
    buf = io.BytesIO()
    writer.write(buf)
    case = make_case(tmp_path, None, {"c.pdf": buf.getvalue()}, add=[{"kind": "lab_results", "path": "c.pdf"}])
    assert invoke("packet", case, "-o", tmp_path, "--date", DATE).exit_code == 0
    x, y = _stamp_at(tmp_path / PACKET, 7)
    assert 100 < x < 500 and 200 < y < 260  # near the foot of what is shown
    x, y = _stamp_at(tmp_path / PACKET, 0)  # and on a page of our own, the same place
    assert 200 < x < 412 and y < 40


def test_the_payers_fax_and_portal_when_the_rule_set_knows_them() -> None:
    import datetime as dt
    from types import SimpleNamespace

    from priorauth.case import load_case
    from priorauth.packet import _Cover

    submission = SimpleNamespace(fax="1-800-555-0100", portal="https://provider.example.com", phone=None)
    rule_set = SimpleNamespace(payer_name="Example Health", prior_authorization=True, policy="EX-1", submission=submission)
    cover = _Cover(load_case(READY_TMS), None, SimpleNamespace(rule_set=rule_set), None, dt.date(2026, 11, 25), False, [])  # type: ignore[arg-type]
    assert cover.to_lines() == [
        ("To", "Example Health"),
        ("Attention", "Prior authorization / utilization management"),
        ("Fax", "1-800-555-0100"),
        ("Portal", "https://provider.example.com"),
    ]


def test_an_appeal_packet_is_addressed_to_the_appeals_department(tmp_path: Path) -> None:
    case = make_case(tmp_path, None, {})
    args = ["--denial-reference", "DN-0042", "--denial-date", "2026-11-20", "--denial-reason", "Not medically necessary", "--level", "second", "--expedited"]
    code, out, err = invoke("packet", case, "--template", "letter-appeal", *args, "--date", DATE, "-o", tmp_path / "out")
    written = tmp_path / "out" / "DEMO-1001_cigna_tms_appeal-packet.pdf"
    assert (code, err) == (0, ""), err
    texts = page_texts(written)
    assert out == f"wrote {written} ({len(texts)} pages)\n"
    cover = texts[0]
    for words in [
        "Appeal of a denied prior authorization (second-level internal appeal, expedited): Transcranial magnetic stimulation (TMS)",
        "To: Cigna Healthcare Attention: Appeals Department",
        "Request: Transcranial magnetic stimulation (TMS), Cigna Healthcare policy EN0383 Denial reference: DN-0042 Date of denial: November 20, 2026",
        "Part Pages Appeal letter (second-level internal appeal) 2–",
    ]:
        assert words in cover, words
    assert "Prior authorization request" not in cover and "utilization management" not in cover
    assert texts[1].count("Denial ref. DN-0042") == 1  # the letter's running header
    assert "To: Cigna Healthcare, Appeals Department" in texts[1]
    assert "Appeal of Denial: Second-level internal appeal (expedited)" in texts[1]
    assert "Not medically necessary" in " ".join(texts[1:])
    reader = PdfReader(written)
    assert [item.title for item in reader.outline][:3] == ["Fax cover sheet", "Appeal letter (second-level internal appeal)", "Prior authorization checklist"]
    # an appeal needs its denial, as with `letter`; nothing is written
    code, _, err = invoke("packet", case, "--template", "letter-appeal", "--date", DATE, "-o", tmp_path / "none")
    assert code == 2 and "an appeal needs the denial's reference number: --denial-reference is missing" in err
    assert not (tmp_path / "none").exists()


def test_an_appeal_packet_for_a_queue_request_takes_the_recorded_denial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, case = queued_case(tmp_path, monkeypatch)
    assert invoke("queue", "submit", "1", "--db", db, "--user", "alice", "--date", "2026-11-20").exit_code == 0
    code, _, err = invoke("queue", "decide", "1", "denied", "--ref", "DN-77", "--reason", "Step therapy not met", "--date", "2026-11-24", "--db", db, "--user", "alice")
    assert code == 0, err
    code, out, err = invoke("packet", case, "--template", "letter-appeal", "--request", "1", "--db", db, "--user", "alice", "--date", DATE, "-o", tmp_path / "out")
    assert (code, err) == (0, ""), err
    assert out.endswith("request 1: 1 file(s) recorded as packet\n")
    texts = page_texts(tmp_path / "out" / "DEMO-1001_cigna_tms_appeal-packet.pdf")
    assert "Attention: Appeals Department" in texts[0] and "Denial reference: DN-77 Date of denial: November 24, 2026" in texts[0]
    assert "Step therapy not met" in " ".join(texts[1:])


def test_a_continuation_packet_carries_the_continuation_letter(tmp_path: Path) -> None:
    case = make_case(tmp_path, None, {})
    code, _, err = invoke("packet", case, "--template", "letter-continuation", "--auth-number", "A-778", "--units-approved", "36", "--units-used", "30", "--plan", "taper", "--date", DATE, "-o", tmp_path / "out")
    assert (code, err) == (0, ""), err
    texts = page_texts(tmp_path / "out" / PACKET)
    assert "Attention: Prior authorization / utilization management" in texts[0]
    assert "Part Pages Letter of medical necessity (continuation) 2–" in texts[0]
    letter = " ".join(texts[1:])
    assert "A-778" in letter and "Taper Transcranial magnetic stimulation (TMS)" in letter
    code, _, err = invoke("packet", case, "--template", "letter-continuation", "--units-approved", "3", "--units-used", "30", "--date", DATE, "-o", tmp_path / "none")
    assert code == 2 and "--units-used is more than --units-approved" in err and not (tmp_path / "none").exists()


def test_an_appeal_cover_gives_the_appeals_fax_when_the_rule_set_knows_it() -> None:
    import datetime as dt
    from types import SimpleNamespace

    from priorauth.case import load_case
    from priorauth.letters.appeal import Denial
    from priorauth.packet import _Cover

    submission = SimpleNamespace(fax="1-800-555-0100", portal=None, appeals_fax="1-800-555-0199")
    rule_set = SimpleNamespace(payer_name="Example Health", prior_authorization=True, policy="EX-1", submission=submission)
    denial = Denial("DN-1", dt.date(2026, 11, 20), None, "external", False)
    cover = _Cover(load_case(READY_TMS), None, SimpleNamespace(rule_set=rule_set), None, dt.date(2026, 11, 25), False, [], denial)  # type: ignore[arg-type]
    assert cover.to_lines() == [("To", "Example Health"), ("Attention", "Appeals and External Review"), ("Fax", "1-800-555-0199"), ("Portal", "____________________")]
