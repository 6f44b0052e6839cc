"""Send generated bad input to the running REST channel and count server errors.

    python -m scripts.fuzz_rest --url http://127.0.0.1:5005 --count 10000

Cases: empty and whitespace-only messages, 20,000 characters, emoji only,
right-to-left text, control characters, HTML, SQL and template injection,
invalid UTF-8 bytes, invalid JSON bodies, wrong content types, missing or odd
senders, odd JSON types. Requests run with bounded concurrency. Afterwards a
normal Dutch message must still get an answer.

Prints `fuzz_requests: N`, `fuzz_5xx: N`, `fuzz_errors: N` (connection errors
and timeouts) and `fuzz_alive: 1|0`; exits 1 on any 5xx, error or a dead
server. `run(url, count) -> dict` is the same for the end-to-end tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import aiohttp

WEBHOOK = "/webhooks/rest/webhook"

TEXTS: list[str] = [
    "",
    " ",
    "\n\t  \n",
    "x" * 20_000,
    "ik zoek een koffieochtend " * 800,
    "😀😀😀🙈🙉🙊",
    "👨‍👩‍👧‍👦" * 50,
    "مرحبا، أبحث عن مقهى في آسن",
    "שלום, אני מחפש עזרה",
    "\u202eetsiwa ni kiek\u202c",
    "hallo\u0000daar",
    "\u0007\u0008\u001b[31mrood",
    "\x7f\x7f",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE events; --",
    "1' OR '1'='1",
    "{{7*7}} ${7*7} <%= 7*7 %> #{7*7}",
    "{% for x in range(10**9) %}{% endfor %}",
    "/restart",
    '/inform{"postcode": "9401 AB"}',
    "/inform{broken json",
    "/" * 500,
    "\\u0000\\ud800",
    "mijn bsn is 111222333 en bel 06-12345678",
    "Ik zoek hulp in Zweeloo",
    "a\u0301" * 1000,
    "\ufeffstuk tekst met BOM",
    "\u200b\u200b\u200b",
    "𝕳𝖆𝖑𝖑𝖔",
    "NaN",
    "null",
    "%s%s%s%n",
    "../../../../etc/passwd",
]

SENDERS: list[Any] = [
    "fuzz-{n}",
    "",
    None,
    12345,
    {"a": 1},
    ["x"],
    "a" * 1000,
    "naam met spaties",
    "\u0000",
    True,
]
MESSAGES_ODD: list[Any] = [None, 12, 1.5, True, ["hoi"], {"text": "hoi"}, {"$ne": ""}]
CONTENT_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
    "application/xml",
]
RAW_BODIES: list[bytes] = [
    b"",
    b" ",
    b"{",
    b'{"sender": "a", "message": "hoi"',
    b"not json at all",
    b"\xff\xfe\xfd",
    b'{"sender": "a", "message": "\xc3\x28"}',
    b'{"sender": "a", "message": "\xed\xa0\x80"}',
    b"[" * 10_000 + b"]" * 10_000,
    b'{"sender": "a", "message": "\\ud800"}',
    b"null",
    b"[]",
    b'"string"',
    b"12",
    b'{"sender": "a", "message": "hoi"} trailing',
]


def _case(rng: random.Random, n: int) -> tuple[bytes, str]:
    """Return (body, content type) for request number n."""
    kind = rng.random()
    if kind < 0.55:
        sender = rng.choice(SENDERS)
        if isinstance(sender, str):
            sender = sender.format(n=n % 200)
        payload: dict[str, Any] = {"message": rng.choice(TEXTS)}
        if rng.random() > 0.05:
            payload["sender"] = sender
        if rng.random() < 0.1:
            payload["metadata"] = rng.choice([{"a": 1}, "string", [1, 2], None])
        return json.dumps(payload, ensure_ascii=rng.random() < 0.5).encode("utf-8"), "application/json"
    if kind < 0.7:
        payload = {"sender": f"fuzz-{n % 200}", "message": rng.choice(MESSAGES_ODD)}
        return json.dumps(payload).encode("utf-8"), "application/json"
    if kind < 0.85:
        return rng.choice(RAW_BODIES), "application/json"
    body = json.dumps({"sender": f"fuzz-{n % 200}", "message": rng.choice(TEXTS)}).encode("utf-8")
    return body, rng.choice(CONTENT_TYPES)


async def run_async(
    url: str, count: int, concurrency: int = 8, seed: int = 113, timeout_s: float = 60.0
) -> dict[str, Any]:
    """Return the fuzz figures: requests, 5xx answers, connection errors, status counts, alive."""
    rng = random.Random(seed)
    cases = [_case(rng, n) for n in range(count)]
    endpoint = url.rstrip("/") + WEBHOOK
    statuses: Counter[int] = Counter()
    errors = 0
    sem = asyncio.Semaphore(max(1, concurrency))
    timeout = aiohttp.ClientTimeout(total=timeout_s)

    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def one(body: bytes, content_type: str) -> None:
            nonlocal errors
            headers = {"Content-Type": content_type} if content_type else {}
            async with sem:
                try:
                    async with session.post(endpoint, data=body, headers=headers) as resp:
                        await resp.read()
                        statuses[resp.status] += 1
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    errors += 1

        await asyncio.gather(*(one(body, ct) for body, ct in cases))

        alive = False
        try:
            async with session.post(endpoint, json={"sender": "fuzz-check-0001", "message": "hallo"}) as resp:
                answer = await resp.json(content_type=None)
                alive = resp.status == 200 and isinstance(answer, list)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            alive = False

    return {
        "requests": count,
        "5xx": sum(n for status, n in statuses.items() if status >= 500),
        "errors": errors,
        "statuses": dict(sorted(statuses.items())),
        "alive": alive,
    }


def run(url: str, count: int, concurrency: int = 8) -> dict[str, Any]:
    """Return the fuzz figures (see `run_async`); for synchronous callers."""
    return asyncio.run(run_async(url, count, concurrency))


def main(argv: list[str] | None = None, printer: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.fuzz_rest", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be 0 or more")
    result = run(args.url, args.count, args.concurrency)
    printer(f"fuzz_requests: {result['requests']}")
    printer(f"fuzz_5xx: {result['5xx']}")
    printer(f"fuzz_errors: {result['errors']}")
    printer(f"fuzz_alive: {int(result['alive'])}")
    printer(f"fuzz_statuses: {json.dumps(result['statuses'])}")
    return 0 if result["5xx"] == 0 and result["errors"] == 0 and result["alive"] else 1


if __name__ == "__main__":
    sys.exit(main())
