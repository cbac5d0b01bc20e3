"""Benchmark: 100 phones in a workshop against the PRODUCTION server (gunicorn), on SQLite and on PostgreSQL, flat
out and at human pace; the stored rows are checked against what the phones were told was saved.

    .venv/bin/python bench/workshop_load.py [--databases sqlite,postgresql] [--postgres URL] [--paces flat,human]
        [--participants 100] [--reactions 10] [--ideas 2] [--runs 3] [--workers N] [--threads N]

PostgreSQL: --postgres, else $PACTE_BENCH_POSTGRES, else postgres://postgres@127.0.0.1:5432/postgres; a throwaway
database is created on that server and dropped at the end. SQLite: a temporary file (WAL, busy timeout, IMMEDIATE
transactions, as config/settings.py sets them). The server is gunicorn with config/gunicorn.conf.py (workers and
threads sized by it unless given), DEBUG off, in a subprocess (tests/concurrency.py).

Each phone opens its personal link and the workshop's page, then sends --reactions reactions (another commitment or a
change of mind each time) and --ideas post-its, each post-it tapped twice at once (the same key: one must be
stored), with HTMX headers. flat: no pause (the worst case); human: 1 to 4 s between taps. The team's board is
polled every second meanwhile. Printed per database and pace: reaction p50/p95/max (median over the runs), board
p50/p95, requests per second, then LOST (an answer said saved, the row is missing or different), DUPLICATED (two
rows for one reaction or one post-it key), 5xx, and the machine.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.concurrency import (  # noqa: E402
    KINDS,
    Browser,
    Server,
    at_once,
    percentile,
    postgres_reachable,
    prepare,
    run_together,
    script,
    state,
    throwaway_database,
)

DEFAULT_POSTGRES = os.environ.get("PACTE_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
TARGET_P95_MS = 200
SAVED = (200, 302)


def phone_session(base_url, workshop, token, commitments, args, seed):
    """One phone; returns (phone, what it was told was saved: {(token, commitment): kind}, {idea key})."""
    rng = random.Random(seed)
    phone = Browser(base_url)
    page = phone.follow(phone.get(f"/atelier/p/{token}/"))
    if page.status != 200:
        raise RuntimeError(f"workshop page: {page.status}")
    headers = {"HX-Request": "true"}
    writes = ["reaction"] * args.reactions + ["idea"] * args.ideas
    rng.shuffle(writes)
    reactions, ideas = {}, set()
    for n, write in enumerate(writes):
        if args.pace == "human":
            time.sleep(rng.uniform(1, 4))
        commitment = commitments[(seed + n) % len(commitments)]
        if write == "reaction":
            kind = rng.choice(KINDS)
            answer = phone.post(f"/atelier/{workshop}/reagir/{commitment}/", {"kind": kind, "comment": ""}, headers)
            if answer.status in SAVED:
                reactions[(token, commitment)] = kind
        else:
            key = uuid.uuid4().hex
            data = {"text": f"Idée {n} de {token}", "commitment": commitment, "client_key": key}
            answers = at_once(*[lambda d=data: phone.post(f"/atelier/{workshop}/postit/", d, headers)] * 2)
            if any(a.status in SAVED for a in answers):
                ideas.add(key)
    return phone, reactions, ideas


def one_run(server, database_url, setup, args, run):
    workshop = script(database_url, "workshop", participants=args.participants, title=f"Banc {args.pace} {run}")
    team = Browser(server.url)
    team.log_in(setup["username"], setup["password"])
    board_url = f"/espace/{setup['slug']}/ateliers/{workshop['workshop_pk']}/tableau/direct/"
    done = threading.Event()
    board = []

    def poll_board():
        while not done.is_set():
            board.append(team.get(board_url, headers={"HX-Request": "true"}))
            done.wait(1)

    poller = threading.Thread(target=poll_board)
    poller.start()
    start = time.perf_counter()
    try:
        sessions = run_together(
            lambda item: phone_session(server.url, workshop["workshop"], item[1], setup["commitments"], args, item[0]),
            list(enumerate(workshop["participants"])),
        )
    finally:
        done.set()
        poller.join()
    wall = time.perf_counter() - start
    responses = [r for phone, _r, _i in sessions for r in phone.responses]
    told_reactions = {k: v for _p, reactions, _i in sessions for k, v in reactions.items()}
    told_ideas = {key for _p, _r, ideas in sessions for key in ideas}
    held = state(database_url, workshop["workshop"])
    stored_reactions = Counter((token, commitment) for token, commitment, _kind, _comment in held["reactions"])
    kinds = {(token, commitment): kind for token, commitment, kind, _comment in held["reactions"]}
    stored_ideas = Counter(key for _token, key, _text in held["ideas"])
    lost = sum(1 for key, kind in told_reactions.items() if kinds.get(key) != kind)
    lost += sum(1 for key in told_ideas if key not in stored_ideas)
    duplicated = sum(n - 1 for n in stored_reactions.values() if n > 1) + sum(
        n - 1 for n in stored_ideas.values() if n > 1
    )
    statuses = Counter(r.status for r in responses + board)
    return {
        "wall": wall,
        "requests": len(responses) + len(board),
        "statuses": dict(sorted(statuses.items())),
        "reaction": [r.elapsed for r in responses if "/reagir/" in r.path],
        "board": [r.elapsed for r in board],
        "lost": lost,
        "duplicated": duplicated,
        "errors": sum(n for status, n in statuses.items() if status >= 500),
    }


def ms(values, fraction):
    return percentile(values, fraction) * 1000


def bench_database(vendor, base_url, args):
    results = {}
    with (
        throwaway_database(base_url) as database_url,
        Server(database_url, workers=args.workers, threads=args.threads, wait=False) as server,
    ):
        setup = prepare(database_url, participants=0)
        server.wait_ready()
        workers = os.environ.get("WEB_CONCURRENCY") or args.workers or "config default"
        print(f"\n== {vendor}: gunicorn (config/gunicorn.conf.py, workers {workers}, threads {args.threads or 4})")
        for pace in args.paces:
            args.pace = pace
            runs = []
            for run in range(1, args.runs + 1):
                result = one_run(server, database_url, setup, args, run)
                runs.append(result)
                print(
                    f"  {pace} run {run}: {result['requests']} requests in {result['wall']:.1f} s "
                    f"({result['requests'] / result['wall']:.0f}/s) statuses {result['statuses']} | reaction p50 "
                    f"{ms(result['reaction'], 0.5):.0f} ms p95 {ms(result['reaction'], 0.95):.0f} ms | board p95 "
                    f"{ms(result['board'], 0.95):.0f} ms | lost {result['lost']} duplicated {result['duplicated']} "
                    f"5xx {result['errors']}"
                )
            summary = {
                "p50": statistics.median(ms(r["reaction"], 0.5) for r in runs),
                "p95": statistics.median(ms(r["reaction"], 0.95) for r in runs),
                "max": statistics.median(max(r["reaction"]) * 1000 for r in runs),
                "board_p50": statistics.median(ms(r["board"], 0.5) for r in runs),
                "board_p95": statistics.median(ms(r["board"], 0.95) for r in runs),
                "rate": statistics.median(r["requests"] / r["wall"] for r in runs),
                "lost": sum(r["lost"] for r in runs),
                "duplicated": sum(r["duplicated"] for r in runs),
                "errors": sum(r["errors"] for r in runs),
            }
            results[pace] = summary
        if server.errors():
            print("\nserver errors:\n" + server.errors()[-3000:])
        profile = script(database_url, "profile")
        print("  queries per request (one request alone): " + ", ".join(f"{k} {v}" for k, v in profile.items()))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a postgres:// URL of a server to use")
    parser.add_argument("--paces", default="flat,human")
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--reactions", type=int, default=10)
    parser.add_argument("--ideas", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: the configuration's)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: the configuration's)")
    args = parser.parse_args()
    args.paces = [p for p in args.paces.split(",") if p]
    if args.reactions + 2 * args.ideas > 30:
        parser.error("more than WRITES_PER_MINUTE (30) taps per participant: the rate limit would answer 429")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(
        f"load: {args.participants} phones at once, each {args.reactions} reactions + {args.ideas} post-its (each "
        f"tapped twice), HTMX; board polled every 1 s; {args.runs} run(s) per pace"
    )
    summary = {}
    for vendor in [d for d in args.databases.split(",") if d]:
        if vendor == "postgresql":
            if not postgres_reachable(args.postgres):
                print(f"\n== postgresql: {args.postgres} does not answer, skipped")
                continue
            summary[vendor] = bench_database(f"postgresql ({args.postgres.rsplit('@', 1)[-1]})", args.postgres, args)
        else:
            summary[vendor] = bench_database("sqlite (temporary file)", None, args)
    print("\nsummary (median of the runs):")
    for vendor, paces in summary.items():
        for pace, s in paces.items():
            verdict = (
                ""
                if pace != "flat"
                else (" (target < 200 ms: met)" if s["p95"] < TARGET_P95_MS else " (target < 200 ms: MISSED)")
            )
            print(
                f"  {vendor:<10} {pace:<5}: reaction p50 {s['p50']:.0f} ms, p95 {s['p95']:.0f} ms{verdict}, "
                f"max {s['max']:.0f} ms | board p50 {s['board_p50']:.0f} ms, p95 {s['board_p95']:.0f} ms | "
                f"{s['rate']:.0f} req/s | lost {s['lost']}, duplicated {s['duplicated']}, 5xx {s['errors']}"
            )
    print(
        f"machine: {os.cpu_count()} CPU, Python {platform.python_version()}, load average at the end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
