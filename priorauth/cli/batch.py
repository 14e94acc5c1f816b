"""`priorauth batch`: check many cases at once, write their letters and a summary."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from priorauth.cli import options as shared
from priorauth.cli.options import clinic_option, date_option, force_option, payer_option, rules_dir_option, templates_dir_option, treatment_option
from priorauth.cli.text import table

if TYPE_CHECKING:
    from priorauth.batch import BatchFinished, CaseDone, Row

STATUS_WORDS = {"ready": "ready", "incomplete": "incomplete", "not_eligible": "not eligible", "error": "error"}


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Folder for the summary, letters and checklists (created if needed).")
@click.option(
    "--letters",
    type=click.Choice(["none", "pdf", "docx", "both"]),
    default="none",
    show_default=True,
    help="Write the letter of medical necessity of every ready case in this format.",
)
@click.option("--checklists", is_flag=True, help="Write the documentation checklist of every valid case (in the letters' format; both formats with --letters none).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs); 1 runs every case in this process.")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue an interrupted run: a case whose documents are all in the output folder is re-checked but not rendered again; missing documents are written.",
)
@payer_option
@treatment_option
@rules_dir_option
@clinic_option
@templates_dir_option
@date_option
@force_option("Overwrite documents that already exist in the output folder, and the summary of an earlier run.")
def batch(
    inputs: tuple[str, ...],
    output: str,
    letters: str,
    checklists: bool,
    jobs: int | None,
    resume: bool,
    payer: str | None,
    treatment: str | None,
    rules_dirs: tuple[str, ...],
    clinic: str | None,
    templates_dir: str | None,
    date: dt.date | None,
    force: bool,
) -> None:
    """Check many cases (files, folders, JSON Lines) and write a summary and letters.

    Checks every case in INPUT... and writes summary.csv and summary.json. INPUT is a
    case file, a folder of them (*.yaml, *.yml, *.json, *.jsonl, searched recursively),
    or a JSON Lines file (*.jsonl, one case object per line, as an EHR export gives them). Each case is checked against its own payer and treatment unless
    --payer or --treatment is given. A case that cannot be read is reported with its
    file, line and field, and the others go on.

    The summary has one row per case and rule set: status (ready, incomplete,
    not_eligible or error), the topics not met or not documented, the missing documents,
    the files written and the error, if any. Letters are written for ready cases only;
    checklists (--checklists) for every valid case. Documents are dated today, or
    --date; a case whose request date is later than that gets no letter (an error row).

    Files are named <patient id>_<payer>_<treatment>_letter.<ext>. When two cases share
    a patient id, each gets the name of its input too, decided before anything is written
    (DEMO-1_a_cigna_tms_letter.pdf for cases/a.yaml, DEMO-1_export-line7_... for line 7
    of export.jsonl), so no case can overwrite or list another's documents.

    A folder that already holds a summary.csv or summary.json is refused, and the earlier
    summary kept: --resume continues that run, --force runs again over it.

    \b
    Examples:
      priorauth batch samples/ -o out/
      priorauth batch cases/ export.jsonl -o out/ --letters pdf --checklists --clinic clinic.yaml
      priorauth batch cases/ -o out/ --letters both --resume
      priorauth batch export.jsonl -o out/ --payer uhc --treatment spravato --jobs 4
      priorauth batch cases/ -o out/ --letters pdf --date 2026-12-01

    Exit status: 0 every case ready; 1 some case incomplete or not eligible; 2 some
    input invalid or a document could not be written.
    """
    from priorauth.batch import BatchFinished, BatchOptions, BatchStarted, CaseDone, default_jobs, run_batch

    options = BatchOptions(
        output_dir=Path(output),
        letters=letters,  # type: ignore[arg-type]  # click.Choice already limited it to the LetterFormat words
        checklists=checklists,
        payer=payer,
        treatment=treatment,
        rules_dirs=rules_dirs,
        clinic=clinic,
        templates_dir=templates_dir,
        force=force,
        resume=resume,
        jobs=jobs or default_jobs(),
        date=date or shared.today(),
    )
    events = run_batch(inputs, options)
    started = next(events)
    assert isinstance(started, BatchStarted)
    stderr = sys.stderr  # CliRunner swaps it too; click.get_text_stream is deprecated
    finished: BatchFinished | None = None
    if stderr.isatty():
        with click.progressbar(length=started.total, label="Checking cases", file=stderr, show_pos=True, item_show_func=lambda s: s) as bar:
            for event in events:
                if isinstance(event, CaseDone):
                    bar.update(1, event.rows[0].case or event.source)
                elif isinstance(event, BatchFinished):
                    finished = event
    else:
        for event in events:
            if isinstance(event, CaseDone):
                click.echo(_progress_line(event), err=True)
            elif isinstance(event, BatchFinished):
                finished = event
    assert finished is not None
    click.echo("\n".join(_summary_lines(finished, options.output_dir)))
    raise SystemExit(finished.exit_code)


def _progress_line(event: CaseDone) -> str:
    """``[12/300] DEMO-1001 ready``: one line per case, for logs and pipes."""
    rows = event.rows
    who = rows[0].case or event.source
    if len(rows) == 1:
        what = STATUS_WORDS[rows[0].status]
    else:
        what = ", ".join(f"{r.rule_set or '?'} {STATUS_WORDS[r.status]}" for r in rows)
    if event.resumed:
        what += " (documents already written)"
    return f"[{event.index}/{event.total}] {who} {what}"


def _why(row: Row) -> str:
    if row.status == "error":
        return row.error or ""
    parts = []
    if row.unmet:
        parts.append("not met: " + ", ".join(row.unmet))
    if row.unknown:
        parts.append("not documented: " + ", ".join(row.unknown))
    if row.missing_documents:
        parts.append("missing: " + ", ".join(row.missing_documents))
    return "; ".join(parts)


def _summary_lines(finished: BatchFinished, folder: Path) -> list[str]:
    n_rows = len(finished.rows)
    head = f"{finished.cases} case{'s' if finished.cases != 1 else ''}, {n_rows} result{'s' if n_rows != 1 else ''}"
    if finished.resumed:
        head += f" ({finished.resumed} already done by an earlier run)"
    lines = [head + ":"]
    lines += table(["STATUS", "COUNT"], [[status, str(count)] for status, count in finished.counts.items()], indent="  ")
    not_ready = [r for r in finished.rows if r.status != "ready"]
    if not_ready:
        lines += ["", "Not ready:"]
        lines += table(
            ["SOURCE", "CASE", "RULE SET", "STATUS", "WHY"],
            [[r.source, r.case or "-", r.rule_set or "-", r.status, _why(r)] for r in not_ready],
            indent="  ",
        )
    written = sum(len(r.files) for r in finished.rows)
    lines += ["", f"Summary: {' and '.join(str(p) for p in finished.summary_files)}" + (f"; {written} documents in {folder}" if written else "")]
    return lines
