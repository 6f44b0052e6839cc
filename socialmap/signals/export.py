"""The dashboard's numbers as CSV and JSON files: exactly what the dashboard shows, "<5" included."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from socialmap.signals import model as m

CSV_FIELDS = ["sectie", "gebied", "gemeente", "woonplaats", "meting", "code", "omschrijving", "week", "waarde",
              "synthetisch"]  # fmt: skip


def rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Return one flat row per number of a dashboard dict (queries.dashboard)."""
    area = data["area"]
    base = {"gebied": area["name"], "gemeente": area["municipality"], "woonplaats": area["woonplaats"],
            "synthetisch": "ja" if data["synthetic"] else "nee", "week": ""}  # fmt: skip

    def row(section: str, metric: str, value: Any, **extra: Any) -> dict[str, Any]:
        out = {**base, "sectie": section, "meting": metric, "code": "", "omschrijving": m.METRICS.get(metric, metric)}
        out.update(extra)
        out["waarde"] = value
        return out

    for metric, value in data["totals"].items():
        yield row("totaal", metric, value)
    for week, value in zip(data["period"]["weeks"], data["trend"], strict=True):
        yield row("per week", "conversation", value, week=week["label"])
    for item in data["areas"]:
        for metric in ("conversation", "loneliness", "gap_any", "handoff", "callback"):
            yield row("per gebied", metric, item[metric], gebied=item["name"], gemeente=item["municipality"],
                      woonplaats=item["woonplaats"])  # fmt: skip
    if data["area"]["level"] != "gemeente":
        for point in data["map"]:
            yield row("per woonplaats", "conversation", point["conversation"], gebied=point["name"],
                      gemeente=point["municipality"], woonplaats=point["name"])  # fmt: skip
    for section, metric, items in (("vragen", "need", data["needs"]), ("doelgroepen", "audience", data["audiences"])):
        for item in items:
            yield row(section, metric, item["total"], code=item["code"], omschrijving=item["label"])
            for week, value in zip(data["period"]["weeks"], item["weeks"], strict=True):
                yield row(section, metric, value, code=item["code"], omschrijving=item["label"], week=week["label"])
    for item in data["subneeds"]:
        yield row("vragen precies", "subneed", item["total"], code=item["code"], omschrijving=item["label"])
    for section, metric in (("gaten", "gap"), ("verder gezocht", "widened")):
        for item in data["gaps" if metric == "gap" else "widened"]:
            yield row(section, metric, item["count"], code=f"{item['need']}|{item['subcategory']}|{item['audience']}",
                      omschrijving=item["text"], gebied=item["woonplaats"], gemeente=item["municipality"],
                      woonplaats=item["woonplaats"])  # fmt: skip
    for item in data["handoff_outcomes"]:
        yield row("medewerker", "handoff_outcome", item["count"], code=item["code"], omschrijving=item["label"])
    yield row("tevredenheid", "csat", data["csat"]["responses"], omschrijving="Antwoorden")
    for item in data["csat"]["scores"]:
        yield row("tevredenheid", "csat", item["count"], code=str(item["score"]), omschrijving=f"Score {item['score']}")
    for item in data["pc4"]:
        yield row("per postcode", "pc4", item["conversation"], code=item["pc4"])


def to_csv(data: dict[str, Any]) -> str:
    """Return the dashboard as CSV (comma separated, UTF-8, header row)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for item in rows(data):
        writer.writerow(item)
    return out.getvalue()


def to_json(data: dict[str, Any]) -> str:
    """Return the dashboard as indented JSON."""
    return json.dumps(data, ensure_ascii=False, indent=2)
