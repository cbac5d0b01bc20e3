"""Benchmark: the workshop's reaction endpoint and the live board under 100 concurrent participants.

    .venv/bin/python bench/workshop_load.py [--participants 100] [--reactions 10] [--ideas 2] [--runs 3]
        [--pace flat|human] [--threads 32 | --threads 0 (manage.py runserver)] [--plain]

Database: DATABASE_URL if set (PostgreSQL: a throwaway database is created on that server and dropped at the end;
SQLite: a temporary file); otherwise PostgreSQL on 127.0.0.1:5432 if it answers, else a SQLite file in /tmp.

Same harness as tests/test_workshop_concurrency.py (tests/concurrency.py): a real server in a subprocess, each
participant a thread with its own cookies, all released at once. Each participant opens its personal link and the
workshop's page, then sends --reactions reactions (a different commitment or a change of mind each time) and
--ideas post-its, with HTMX headers like a phone with JavaScript (--plain: plain forms, answered by a redirect).
--pace flat: no pause between requests (the worst case: 100 phones tapping as fast as the server answers);
--pace human: 1 to 4 s between taps (someone reading a commitment, then tapping). Meanwhile the team's board
(`board_live`, logged in as a team user) is fetched every second. Reported: p50, p95 and max latency of the
reaction endpoint and of the board refresh, per run and the median over the runs; then queries per request.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.concurrency import (  # noqa: E402
    KINDS,
    Browser,
    Server,
    percentile,
    postgres_reachable,
    prepare,
    run_together,
    script,
    throwaway_database,
)

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_P95 = 0.200


def participant(base_url, workshop, token, commitments, args, seed):
    rng = random.Random(seed)
    phone = Browser(base_url)
    page = phone.follow(phone.get(f"/atelier/p/{token}/"))
    if page.status != 200:
        raise RuntimeError(f"workshop page: {page.status}")
    headers = {} if args.plain else {"HX-Request": "true"}
    writes = ["reaction"] * args.reactions + ["idea"] * args.ideas
    rng.shuffle(writes)
    for n, write in enumerate(writes):
        if args.pace == "human":
            time.sleep(rng.uniform(1, 4))
        commitment = commitments[(seed + n) % len(commitments)]
        if write == "reaction":
            kind = rng.choice(KINDS)
            phone.post(f"/atelier/{workshop}/reagir/{commitment}/", {"kind": kind, "comment": ""}, headers)
        else:
            data = {"text": f"Idée {n}", "commitment": commitment, "client_key": uuid.uuid4().hex}
            phone.post(f"/atelier/{workshop}/postit/", data, headers)
    return phone


def one_run(server, database_url, setup, args, run):
    workshop = script(database_url, "workshop", participants=args.participants, title=f"Banc {run}")
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
        phones = run_together(
            lambda item: participant(server.url, workshop["workshop"], item[1], setup["commitments"], args, item[0]),
            list(enumerate(workshop["participants"])),
        )
    finally:
        done.set()
        poller.join()
    wall = time.perf_counter() - start
    responses = [r for phone in phones for r in phone.responses]
    reactions = [r for r in responses if "/reagir/" in r.path]
    statuses = {}
    for r in responses + board:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return {
        "wall": wall,
        "requests": len(responses),
        "statuses": statuses,
        "reaction": [r.elapsed for r in reactions],
        "board": [r.elapsed for r in board],
    }


def figures(values):
    return percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000, max(values) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--reactions", type=int, default=10)
    parser.add_argument("--ideas", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pace", choices=["flat", "human"], default="flat")
    parser.add_argument("--threads", type=int, default=32, help="server threads; 0: manage.py runserver")
    parser.add_argument("--plain", action="store_true", help="plain form posts instead of HTMX")
    args = parser.parse_args()
    if args.reactions + args.ideas > 30:
        parser.error("more than WRITES_PER_MINUTE (30) writes per participant: the rate limit would answer 429")

    base = os.environ.get("DATABASE_URL") or (DEFAULT_POSTGRES if postgres_reachable(DEFAULT_POSTGRES) else None)
    with throwaway_database(base) as database_url:
        vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"
        setup = prepare(database_url, participants=0)
        with Server(database_url, threads=args.threads or None) as server:
            print(f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
            print(f"database: {vendor} ({database_url.rsplit('/', 1)[-1]})")
            print(
                f"server: {'manage.py runserver (one thread per connection)' if not args.threads else ''}"
                f"{f'Django dev server bounded to {args.threads} threads' if args.threads else ''}, DEBUG=1"
            )
            print(
                f"load: {args.participants} participants at once, each {args.reactions} reactions + {args.ideas} "
                f"post-its, pace {args.pace}, {'plain forms' if args.plain else 'HTMX'}; board every 1 s\n"
            )
            runs = []
            for run in range(1, args.runs + 1):
                result = one_run(server, database_url, setup, args, run)
                runs.append(result)
                reaction, board = figures(result["reaction"]), figures(result["board"])
                print(
                    f"run {run}: {result['requests']} requests in {result['wall']:.1f} s "
                    f"({result['requests'] / result['wall']:.0f}/s), statuses {result['statuses']}\n"
                    f"  reaction ({len(result['reaction'])}): p50 {reaction[0]:.0f} ms, p95 {reaction[1]:.0f} ms, "
                    f"max {reaction[2]:.0f} ms | board ({len(result['board'])}): p50 {board[0]:.0f} ms, "
                    f"p95 {board[1]:.0f} ms, max {board[2]:.0f} ms"
                )
            reaction = [statistics.median(figures(r["reaction"])[i] for r in runs) for i in range(3)]
            board = [statistics.median(figures(r["board"])[i] for r in runs) for i in range(3)]
            print(
                f"\nmedian of {args.runs} runs: reaction p50 {reaction[0]:.0f} ms, p95 {reaction[1]:.0f} ms, "
                f"max {reaction[2]:.0f} ms | board p50 {board[0]:.0f} ms, p95 {board[1]:.0f} ms, "
                f"max {board[2]:.0f} ms"
            )
            verdict = "met" if reaction[1] < TARGET_P95 * 1000 else "MISSED"
            print(f"target reaction p95 < {TARGET_P95 * 1000:.0f} ms: {verdict}")
            profile = script(database_url, "profile")
            print("queries per request (one request alone): " + ", ".join(f"{k} {v}" for k, v in profile.items()))
            if "Traceback" in server.output():
                print("\nserver errors:\n" + server.output()[-3000:])


if __name__ == "__main__":
    main()
