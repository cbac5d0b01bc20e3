"""Joins by the workshop's open link are throttled per client address and per workshop (a French 429 that says when
to retry), and joining again does not give a phone held by the write limit a fresh minute of writes."""

import html
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pacte.commitments.models import Commitment
from pacte.workshops import services
from pacte.workshops.models import Idea, Participant, WorkshopKind, WorkshopStatus
from pacte.workshops.services import WRITES_PER_MINUTE, workshop_create, workshop_set_status


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def workshop(territory_a):
    workshop = workshop_create(
        territory=territory_a, kind=WorkshopKind.COMMITMENTS, title="Atelier ouvert", starts_at=timezone.now()
    )
    return workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)


def _join(workshop, address, name="Visiteur"):
    phone = Client(REMOTE_ADDR=address)
    return phone, phone.post(reverse("workshops:join", args=[workshop.token]), {"name": name})


def _joined_count(workshop) -> int:
    return Participant.objects.filter(workshop=workshop).count()


def _assert_429(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    text = _text(response)
    assert "Trop de demandes" in text and "Vous pourrez réessayer dans" in text


def test_joins_from_one_address_are_limited(workshop, monkeypatch):
    monkeypatch.setattr(services, "JOINS_PER_ADDRESS", 3)
    for n in range(3):
        assert _join(workshop, "10.0.0.1", f"P{n}")[1].status_code == 302
    refused = _join(workshop, "10.0.0.1", "Un de trop")[1]
    _assert_429(refused)
    assert _joined_count(workshop) == 3
    assert _join(workshop, "10.0.0.2")[1].status_code == 302  # another address still gets in
    assert _joined_count(workshop) == 4


def test_joins_of_one_workshop_are_limited_whatever_the_address(workshop, territory_a, monkeypatch):
    monkeypatch.setattr(services, "JOINS_PER_WORKSHOP", 4)
    for n in range(4):
        assert _join(workshop, f"10.0.1.{n}")[1].status_code == 302
    _assert_429(_join(workshop, "10.0.1.99")[1])
    assert _joined_count(workshop) == 4
    other = workshop_set_status(
        workshop=workshop_create(
            territory=territory_a, kind=WorkshopKind.GOVERNANCE, title="Autre", starts_at=timezone.now()
        ),
        status=WorkshopStatus.OPEN,
    )
    assert _join(other, "10.0.1.99")[1].status_code == 302  # the limit is the workshop's own


def test_a_room_behind_one_address_gets_in_by_default(workshop):
    for n in range(100):
        assert _join(workshop, "192.0.2.7", f"P{n}")[1].status_code == 302
    assert _joined_count(workshop) == 100


def test_joining_again_does_not_reset_the_write_limit(workshop, territory_a):
    commitment = Commitment.objects.for_territory(territory_a).order_by("pk").first()
    phone, joined = _join(workshop, "10.0.2.1", "Pressé")
    assert joined.status_code == 302
    url = reverse("workshops:idea", args=[workshop.token])

    def post_it(client):
        return client.post(url, {"text": "Idée", "commitment": commitment.pk, "client_key": uuid.uuid4().hex})

    phone.get(reverse("workshops:join", args=[workshop.token]))
    assert [post_it(phone).status_code for _ in range(WRITES_PER_MINUTE)] == [302] * WRITES_PER_MINUTE
    assert post_it(phone).status_code == 429
    # The cookie cleared, the same phone joins again: refused while its write limit holds.
    again, rejoined = _join(workshop, "10.0.2.1", "Pressé bis")
    _assert_429(rejoined)
    assert _joined_count(workshop) == 1
    assert Idea.objects.filter(workshop=workshop).count() == WRITES_PER_MINUTE
    # A second tap on "Commencer" with the cookie still set creates nobody either.
    assert phone.post(reverse("workshops:join", args=[workshop.token]), {"name": ""}).status_code == 302
    assert _joined_count(workshop) == 1
    # Someone else, from another address, joins and writes normally.
    other, joined = _join(workshop, "10.0.2.2")
    assert joined.status_code == 302
    other.get(reverse("workshops:join", args=[workshop.token]))
    assert post_it(other).status_code == 302


def test_a_closed_workshop_refuses_joins_without_counting_them(workshop, monkeypatch):
    monkeypatch.setattr(services, "JOINS_PER_ADDRESS", 1)
    workshop_set_status(workshop=workshop, status=WorkshopStatus.CLOSED)
    for _ in range(3):
        assert _join(workshop, "10.0.3.1")[1].status_code == 409
    workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)
    assert _join(workshop, "10.0.3.1")[1].status_code == 302
