"""The workshop pages satisfy the Content-Security-Policy (script-src 'self'): no inline <script>, no inline event
handler; their behaviour lives in static files under pacte/workshops/static/, loaded with defer."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pacte.workshops.models import WorkshopKind, WorkshopStatus
from pacte.workshops.services import participant_join, workshop_create, workshop_set_status
from pacte.workshops.views.participant import cookie_name

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.fixture
def workshop(territory_a):
    workshop = workshop_create(
        territory=territory_a, kind=WorkshopKind.COMMITMENTS, title="Atelier CSP", starts_at=timezone.now()
    )
    return workshop_set_status(workshop=workshop, status=WorkshopStatus.OPEN)


def _pages(workshop, alice, client_for):
    team = client_for(alice)
    phone = Client()
    phone.cookies[cookie_name(workshop)] = participant_join(workshop=workshop).token
    args = [workshop.territory.slug, workshop.pk]
    return {
        "board": team.get(reverse("workshops:board", args=args)),
        "detail": team.get(reverse("workshops:detail", args=args)),
        "paper": team.get(reverse("workshops:paper", args=args)),
        "participant": phone.get(reverse("workshops:join", args=[workshop.token])),
    }


def test_no_inline_script_nor_event_handler(workshop, alice, client_for):
    for name, response in _pages(workshop, alice, client_for).items():
        assert response.status_code == 200, name
        page = response.content.decode()
        for attributes, body in SCRIPT.findall(page):
            assert "src=" in attributes and not body.strip(), (name, attributes, body[:200])
        assert not HANDLER.search(page), (name, HANDLER.search(page).group(0))
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


@pytest.mark.parametrize(
    "page, script",
    [
        ("board", "workshops/board.js"),
        ("detail", "workshops/copy_link.js"),
        ("paper", "workshops/paper.js"),
        ("participant", "workshops/participant.js"),
    ],
)
def test_each_page_loads_its_script_deferred(workshop, alice, client_for, page, script):
    html = _pages(workshop, alice, client_for)[page].content.decode()
    assert re.search(rf'<script src="/static/{re.escape(script)}" defer></script>', html), page
    assert finders.find(script), script


def test_the_board_script_announces_the_totals_and_the_copy_button_says_it_copied(workshop, alice, client_for):
    pages = _pages(workshop, alice, client_for)
    board = pages["board"].content.decode()
    assert 'id="board-announce"' in board and "data-summary=" in board  # what board.js reads and writes
    detail = pages["detail"].content.decode()
    assert 'data-copy="open-link" data-copied-text="Lien copié." hidden' in detail and 'id="open-link-copied"' in detail
    source = Path(finders.find("workshops/copy_link.js")).read_text(encoding="utf-8")
    assert "dataset.copiedText" in source and "navigator.clipboard" in source
    source = Path(finders.find("workshops/board.js")).read_text(encoding="utf-8")
    assert "htmx:afterSettle" in source and "board-announce" in source
