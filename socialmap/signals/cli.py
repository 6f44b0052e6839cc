"""`python -m socialmap signals ...`: aggregate, consume, export, report, purge."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from socialmap.signals import broker, export
from socialmap.signals.aggregator import Aggregator
from socialmap.signals.outcomes import count_csat, count_outcomes
from socialmap.signals.queries import Area, Period, PeriodError, dashboard
from socialmap.signals.report import html_to_pdf, write_report
from socialmap.signals.worker import purge


def _cmd_aggregate(args: argparse.Namespace) -> int:
    aggregator = Aggregator()
    read = aggregator.run_until_done(broker.events_engine(args.events_url or None))
    idle = aggregator.flush_idle()
    outcomes = count_outcomes(aggregator)
    count_csat(aggregator)
    print(f"{read} rijen van de event broker geteld; {idle} afgelopen gesprekken afgesloten; "
          f"{outcomes} afgesloten overdrachten en terugbelverzoeken.")
    return 0


def _period(args: argparse.Namespace) -> Period:
    return Period.month(args.month) if args.month else Period.parse(args.van, args.tot)


def _cmd_export(args: argparse.Namespace) -> int:
    try:
        data = dashboard(_period(args), Area.parse(args.gemeente, args.woonplaats), source=args.bron)
    except PeriodError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    text = export.to_csv(data) if args.format == "csv" else export.to_json(data)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Geschreven: {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    area = (args.gemeente or "drenthe").lower().replace(" ", "-")
    out = Path(args.out or f"results/signalen-{area}-{args.month}.html")
    try:
        data = write_report(args.month, out, municipality=args.gemeente, source=args.bron)
    except PeriodError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    note = " (synthetische demodata)" if data["synthetic"] else ""
    print(f"Rapport geschreven: {out}{note}")
    if args.pdf:
        pdf = out.with_suffix(".pdf")
        try:
            html_to_pdf(out, pdf)
        except (ImportError, RuntimeError) as exc:
            print(f"fout: geen PDF: {exc}", file=sys.stderr)
            return 1
        print(f"PDF geschreven: {pdf}")
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    report = purge(args.days)
    print(f"Event-broker: {report['broker_events']} gebeurtenissen van voor {report['cutoff']} verwijderd.")
    return 0


def _cmd_consume(args: argparse.Namespace) -> int:
    import logging

    from socialmap.signals.consume import ConsumerConfigError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.broker == "rabbitmq":
            from socialmap.signals import rabbitmq

            rabbitmq.run_forever(rabbitmq.RabbitConsumer(batch_size=args.batch_size))
        else:
            from socialmap.signals import kafka

            kafka.run_forever(kafka.KafkaSignalsConsumer(batch_size=args.batch_size))
    except ConsumerConfigError as exc:
        logging.getLogger("socialmap.signals.consume").error("signals consumer stopped: %s", exc)
        return 2
    return 0


def register_cli(subparsers: Any) -> None:
    """Add the `signals` command (aggregate, export, report, purge)."""
    parser = subparsers.add_parser("signals", help="signalen voor de gemeente: tellen, exporteren, rapport")
    sub = parser.add_subparsers(dest="signals_command", required=True)

    agg = sub.add_parser("aggregate", help="nieuwe gebeurtenissen van de event broker tellen")
    agg.add_argument("--events-url", help="SQLAlchemy-URL van de event broker (standaard EVENT_BROKER_URL)")
    agg.set_defaults(func=_cmd_aggregate)

    def add_period(p: argparse.ArgumentParser) -> None:
        p.add_argument("--month", help="maand JJJJ-MM (gaat voor --van/--tot)")
        p.add_argument("--van", help="begindatum JJJJ-MM-DD")
        p.add_argument("--tot", help="einddatum JJJJ-MM-DD")
        p.add_argument("--gemeente")
        p.add_argument("--bron", choices=["alles", "echt", "demo"], default="alles")

    exp = sub.add_parser("export", help="cijfers van een periode als CSV of JSON")
    add_period(exp)
    exp.add_argument("--woonplaats")
    exp.add_argument("--format", choices=["csv", "json"], default="csv")
    exp.add_argument("--out", help="bestand (standaard: stdout)")
    exp.set_defaults(func=_cmd_export)

    rep = sub.add_parser("report", help="rapport van één maand voor de gemeenteraad (HTML, één pagina)")
    rep.add_argument("--month", required=True, help="maand JJJJ-MM")
    rep.add_argument("--gemeente")
    rep.add_argument("--bron", choices=["alles", "echt", "demo"], default="alles")
    rep.add_argument("--out", help="bestand (standaard results/signalen-<gebied>-<maand>.html)")
    rep.add_argument("--pdf", action="store_true", help="ook als PDF (A4), met headless Chromium")
    rep.set_defaults(func=_cmd_report)

    con = sub.add_parser(
        "consume", help="gebeurtenissen van RabbitMQ of Kafka tellen (meerdere Rasa-replica's); draait tot Ctrl-C"
    )
    con.add_argument("--broker", choices=["rabbitmq", "kafka"], required=True)
    con.add_argument("--batch-size", type=int, default=500, help="berichten per transactie (standaard 500)")
    con.set_defaults(func=_cmd_consume)

    pur = sub.add_parser("purge", help="oude gebeurtenissen van de event broker verwijderen (bewaartermijn)")
    pur.add_argument("--days", type=int, help="standaard retention_days uit deployment.yml")
    pur.set_defaults(func=_cmd_purge)
