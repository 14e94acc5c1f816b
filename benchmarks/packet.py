"""Benchmark of `priorauth packet` (issue 12) against pypdf merging the same parts, in one run.

    python benchmarks/packet.py            # medians of 15 runs
    python benchmarks/packet.py --quick    # 3 runs: a smoke run
    python benchmarks/packet.py --json results.json

The packet: the ready TMS sample's letter and checklist (rendered once, outside the
timing: benchmarks/run.py measures letters), then records that bring it to 20 pages:
an 8-page PDF, a PNG, a JPEG and a 3-page TIFF (1-bit, as scanners and fax software
write them). Measured, each the median of several runs in this process:

- packet: what `priorauth packet` does once the letter and checklist are rendered:
  reading and decoding the records, laying out the image pages and the cover sheet,
  merging, bookmarks, "Packet page N of M" on every page, writing the bytes;
- baseline: pypdf appending the same parts and writing the bytes: the PDFs as they are
  (the cover sheet ready-made, so its layout counts against the packet only), and each
  image drawn on a page the plain way with reportlab first, since pypdf cannot take an
  image: the least any merge of these parts has to do;
- and, for scale, the whole command in this process (the letter and checklist rendered
  too), and pypdf merging the same pages with the images already made into PDF pages (so
  that the cost of decoding and encoding the images shows).

Target: packet within 2x the baseline.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# benchmarks/queue.py would hide the standard library's `queue` from anything importing it
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]

import yaml

SAMPLE = ROOT / "samples" / "cigna-tms-ready.yaml"
DATE = "2026-11-25"


def _median(fn: Callable[[], Any], runs: int) -> float:
    from benchmarks.queue import _median as median_of_runs

    fn()  # warm: imports, fonts registered
    return median_of_runs(fn, runs)


def _records(folder: Path) -> None:
    from PIL import Image, ImageDraw
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(folder / "eval.pdf"), invariant=1)
    for n in range(8):
        text = canvas.beginText(72, 720)
        for line in range(40):
            text.textLine(f"Psychiatric evaluation, page {n + 1}, line {line + 1}: history, mental status examination, plan.")
        canvas.drawText(text)
        canvas.showPage()
    canvas.save()
    scan = Image.new("RGB", (1700, 2200), (250, 250, 245))  # a letter page at 200 dpi
    draw = ImageDraw.Draw(scan)
    for y in range(100, 2100, 40):
        draw.text((120, y), "PHQ-9 item responses and total score " * 3, fill=(20, 20, 20))
    scan.save(folder / "scales.png")
    scan.save(folder / "screen.jpg", quality=85)
    pages = [scan.convert("1") for _ in range(3)]
    pages[0].save(folder / "notes.tif", save_all=True, append_images=pages[1:], compression="group4")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 15

    import datetime as dt

    from pypdf import PdfReader, PdfWriter

    from priorauth import packet as pk
    from priorauth.case import load_case_with_digest
    from priorauth.letters import DocumentOptions

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _records(folder)
        data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
        paths = ["eval.pdf", "scales.png", "screen.jpg", "notes.tif"]
        for doc, path in zip(data["documents"], paths):
            doc["path"] = path
        case_file = folder / "case.yaml"
        case_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        options = DocumentOptions(kind="letter", fmt="pdf", date=dt.date.fromisoformat(DATE))

        # the parts, rendered once, exactly as plan_packets renders them
        captured: dict[str, Any] = {}
        real_assemble = pk.assemble

        def capture(cover: Any, title: str, letter: bytes, checklist: bytes, records: Any) -> Any:
            captured.update(cover=cover, title=title, letter=letter, checklist=checklist)
            result = real_assemble(cover, title, letter, checklist, records)
            captured["packet"] = result[0]
            return result

        pk.assemble = capture
        try:
            pk.plan_packets(case_file, options, output_dir=folder / "out")
        finally:
            pk.assemble = real_assemble
        packet_pages = len(PdfReader(io.BytesIO(captured["packet"])).pages)
        case, _ = load_case_with_digest(case_file)
        cover = captured["cover"]

        def packet() -> bytes:
            records = pk.read_attachments(case, folder)
            return pk.assemble(cover, captured["title"], captured["letter"], captured["checklist"], records)[0]

        # the baseline: the PDFs as they are (the cover sheet ready-made), each image drawn
        # on a Letter page the plain way with reportlab (pypdf cannot take an image), then
        # pypdf appends them all and writes the file
        pdfs = [pk._cover_pdf(cover, [], packet_pages), captured["letter"], captured["checklist"], (folder / "eval.pdf").read_bytes()]

        def image_pdf(path: Path) -> bytes:
            from PIL import Image, ImageSequence
            from reportlab.lib.pagesizes import LETTER
            from reportlab.lib.utils import ImageReader
            from reportlab.pdfgen.canvas import Canvas

            buf = io.BytesIO()
            canvas = Canvas(buf, pagesize=LETTER, invariant=1)
            if path.suffix == ".jpg":  # reportlab embeds a JPEG file as it is
                canvas.drawImage(str(path), 36, 36, 540, 720, preserveAspectRatio=True)
                canvas.showPage()
            else:
                with Image.open(path) as image:
                    for frame in ImageSequence.Iterator(image):
                        canvas.drawImage(ImageReader(frame.convert("L") if frame.mode == "1" else frame.copy()), 36, 36, 540, 720, preserveAspectRatio=True)
                        canvas.showPage()
            canvas.save()
            return buf.getvalue()

        def baseline() -> bytes:
            writer = PdfWriter()
            for part in pdfs + [image_pdf(folder / name) for name in ("scales.png", "screen.jpg", "notes.tif")]:
                writer.append(PdfReader(io.BytesIO(part)))
            buf = io.BytesIO()
            writer.write(buf)
            return buf.getvalue()

        ready = pdfs + [image_pdf(folder / name) for name in ("scales.png", "screen.jpg", "notes.tif")]

        def merge_only() -> bytes:
            writer = PdfWriter()
            for part in ready:
                writer.append(PdfReader(io.BytesIO(part)))
            buf = io.BytesIO()
            writer.write(buf)
            return buf.getvalue()

        def whole() -> None:
            pk.plan_packets(case_file, options, output_dir=folder / "out")

        base_pages = len(PdfReader(io.BytesIO(baseline())).pages)
        assert base_pages == packet_pages, (base_pages, packet_pages)  # 20 with today's letter and checklist
        t_packet, t_base, t_whole = _median(packet, runs), _median(baseline, runs), _median(whole, runs)
        t_merge = _median(merge_only, runs)

    ratio = t_packet / t_base
    rows = [
        (f"packet of {packet_pages} pages (records read, cover, stamps, bookmarks, merge)", t_packet),
        (f"pypdf merging the same {packet_pages} pages (images drawn by reportlab)", t_base),
        ("whole packet command in process (letter and checklist rendered too)", t_whole),
        ("for scale: pypdf merging the 20 pages with the images already PDF", t_merge),
    ]
    for label, seconds in rows:
        print(f"{label:<72} {seconds * 1000:8.1f} ms")
    print(f"{'ratio packet / pypdf merge (target <= 2.0)':<72} {ratio:8.2f}")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "pages": packet_pages, "packet_ms": t_packet * 1000, "pypdf_merge_ms": t_base * 1000, "whole_ms": t_whole * 1000, "merge_only_ms": t_merge * 1000, "ratio": ratio}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
