"""CONCURRENCY, on SQLite and on PostgreSQL: 100 participants react at the same moment on the PRODUCTION server
(gunicorn, several worker processes of several threads); nothing is lost, nothing is counted twice, no 5xx.

It runs on the database of the suite's leg: a SQLite file by default, PostgreSQL with `DATABASE_URL=postgres://…`.
It does not use pytest-django's `live_server` (a transactional test case would flush the session-wide reference
data): the server runs in a subprocess, on a throwaway database of its own created and dropped here (see
tests/concurrency.py). About 20 s on each database.
"""

import uuid

import pytest
from django.db import connection

from pacte.workshops.services import WRITES_PER_MINUTE

from .concurrency import (
    PARTICIPANT_REQUESTS,
    REACTIONS_EACH,
    Browser,
    Server,
    participant_session,
    plan_for,
    postgres_url,
    prepare,
    run_together,
    state,
    throwaway_database,
)

PARTICIPANTS = 100


@pytest.fixture(scope="module")
def live_workshop():
    """A server on a throwaway database (of the suite's engine) with an open workshop, 100 participants and two
    more for the rate limit."""
    base_url = None
    if connection.vendor == "postgresql":
        base_url = postgres_url(connection.settings_dict, connection.settings_dict["NAME"])
    with throwaway_database(base_url) as database_url, Server(database_url, wait=False) as server:
        setup = prepare(database_url, participants=PARTICIPANTS + 2)  # while the server's workers boot
        server.wait_ready()
        yield server, database_url, setup
        assert not server.errors(), server.errors()[-5000:]


def test_100_participants_at_once_every_reaction_counted_once(live_workshop):
    server, database_url, setup = live_workshop
    workshop, commitments = setup["workshop"], setup["commitments"]
    tokens = setup["participants"][:PARTICIPANTS]
    plans = {token: plan_for(i, commitments) for i, token in enumerate(tokens)}

    phones = run_together(lambda token: participant_session(server.url, workshop, token, plans[token]), tokens)

    responses = [r for phone in phones for r in phone.responses]
    assert len(responses) == PARTICIPANTS * PARTICIPANT_REQUESTS
    errors = [(r.method, r.path, r.status, r.text[-300:]) for r in responses if not 200 <= r.status < 400]
    assert not errors, errors[:5]  # no 5xx ("database is locked"), no 429: every phone stays under its limit

    held = state(database_url, workshop)
    reactions = held["reactions"]
    assert len(reactions) == PARTICIPANTS * REACTIONS_EACH  # 500: the double taps and the changes added nothing
    assert len({(token, commitment) for token, commitment, _kind, _comment in reactions}) == len(reactions)
    stored = {(token, commitment): kind for token, commitment, kind, _comment in reactions}
    expected = {(token, c): kind for token, plan in plans.items() for c, kind in plan["final"].items()}
    assert stored == expected  # each participant's last word on each commitment
    ideas = held["ideas"]
    assert len(ideas) == PARTICIPANTS  # 100 post-its, not 200
    assert sorted(token for token, _key, _text in ideas) == sorted(tokens)


def test_one_phone_is_rate_limited(live_workshop):
    server, database_url, setup = live_workshop
    workshop, token = setup["workshop"], setup["participants"][PARTICIPANTS]
    phone = Browser(server.url)
    phone.follow(phone.get(f"/atelier/p/{token}/"))
    statuses = [
        phone.post(
            f"/atelier/{workshop}/postit/",
            {"text": f"Post-it {n}", "commitment": setup["commitments"][0], "client_key": uuid.uuid4().hex},
        ).status
        for n in range(WRITES_PER_MINUTE + 5)
    ]
    assert statuses == [302] * WRITES_PER_MINUTE + [429] * 5
    ideas = [idea for idea in state(database_url, workshop)["ideas"] if idea[0] == token]
    assert len(ideas) == WRITES_PER_MINUTE


def test_a_burst_from_one_phone_is_rate_limited(live_workshop):
    server, database_url, setup = live_workshop
    workshop, token = setup["workshop"], setup["participants"][PARTICIPANTS + 1]
    phone = Browser(server.url)
    phone.follow(phone.get(f"/atelier/p/{token}/"))

    def post_it(n):
        data = {"text": f"Post-it {n}", "commitment": setup["commitments"][1], "client_key": uuid.uuid4().hex}
        return phone.post(f"/atelier/{workshop}/postit/", data).status

    statuses = run_together(post_it, range(WRITES_PER_MINUTE + 5))
    assert sorted(statuses) == [302] * WRITES_PER_MINUTE + [429] * 5
    ideas = [idea for idea in state(database_url, workshop)["ideas"] if idea[0] == token]
    assert len(ideas) == WRITES_PER_MINUTE
