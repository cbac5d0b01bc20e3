"""File inputs are in the DSFR upload component (fr-upload-group / fr-upload), wherever a file is asked for."""

import re

from django.urls import reverse

from .test_land_applications import apply_url, open_call


def file_inputs(html: str) -> list[str]:
    """The class of the block around each file input."""
    groups = []
    for match in re.finditer(r'<input type="file"', html):
        opening = html.rfind('<div class="', 0, match.start())
        groups.append(html[opening + len('<div class="') :].split('"', 1)[0].split()[0])
    return groups


def test_the_land_application_asks_for_its_attachments_in_upload_components(territory_a, alice, client):
    html = client.get(apply_url(open_call(territory_a, alice))).content.decode()
    groups = file_inputs(html)
    assert len(groups) == 5 and set(groups) == {"fr-upload-group"}
    assert html.count('type="file"') == html.count('class="fr-upload"') == 5


def test_the_pride_form_and_the_tracking_file_import_use_upload_components(client_for, alice, territory_a):
    client = client_for(alice)
    for name in ("interviews:pride_create", "stakeholders:import_upload"):
        html = client.get(reverse(name, args=[territory_a.slug])).content.decode()
        assert 'type="file"' in html, name
        assert "fr-upload-group" in html and 'class="fr-upload"' in html, name
