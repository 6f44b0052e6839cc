"""A one-page HTML report of one month's signals for the municipal council (print it to PDF).

`python -m socialmap signals report --month 2026-11 [--gemeente Assen] [--out file.html]`
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine

from socialmap.signals import charts
from socialmap.signals.queries import Area, Period, dashboard

TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_report(data: dict[str, Any], *, generated: datetime | None = None) -> str:
    """Return the report page for a dashboard dict."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    needs = sorted(data["needs"], key=lambda r: -(r["total"] if isinstance(r["total"], int) else 0))
    audiences = sorted(data["audiences"], key=lambda r: -(r["total"] if isinstance(r["total"], int) else 0))
    return env.get_template("report.html").render(
        data=data,
        needs=needs,
        audiences=audiences,
        needs_chart=charts.bar_chart("r-needs", "Waar vroegen inwoners naar", [(r["label"], r["total"]) for r in needs]),
        generated=(generated or datetime.now()).strftime("%d-%m-%Y %H:%M"),
    )


def write_report(
    month: str,
    out: Path,
    *,
    municipality: str | None = None,
    source: str = "alles",
    engine: Engine | None = None,
) -> dict[str, Any]:
    """Write the month's report for Drenthe or one municipality to `out`; return its data."""
    data = dashboard(Period.month(month), Area.parse(municipality, None), source=source, engine=engine)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(data), encoding="utf-8")
    return data


def html_to_pdf(html_file: Path, pdf_file: Path) -> None:
    """Print the report to an A4 PDF with headless Chromium (Debian's chromium and playwright needed)."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("chromium is not installed (make browser-deps)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(html_file.resolve().as_uri())
            page.pdf(path=str(pdf_file), format="A4", print_background=True)
        finally:
            browser.close()
