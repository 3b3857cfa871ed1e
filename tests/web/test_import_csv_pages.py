"""Settings → Import → Any other CSV with JavaScript off: upload, the mapping page (one select
per column, samples, the suggestion preselected), then the normal preview and the start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.web.test_import_pages import browser_like, upload  # noqa: F401

JOBBER = (Path(__file__).resolve().parents[1] / "data" / "csv" / "jobber_clients.csv").read_bytes()


def selected(html: str) -> dict[str, str]:
    """Each column's select and the option chosen in it."""
    return dict(
        re.findall(r'<select id="(column-\d+)".*?<option value="([^"]+)" selected', html, re.S)
    )


def test_upload_then_mapping_then_preview(
    client: TestClient,
    browser_like: dict[str, Any],  # noqa: F811
) -> None:
    token = browser_like["csrf_token"]
    form = client.get("/settings/import").text
    assert '<option value="csv">Any other CSV' in form

    uploaded = upload(client, token, JOBBER, name="jobber_clients.csv", kind="csv")
    assert uploaded.status_code == 303, uploaded.text
    location = uploaded.headers["location"]
    assert re.fullmatch(r"/imports/[0-9a-f-]{36}/mapping", location)
    import_id = location.split("/")[2]

    mapping = client.get(location).text
    assert f'<form method="post" action="/imports/{import_id}/mapping"' in mapping
    assert '<label for="column-3">E-mail</label>' in mapping
    assert '<option value="email" selected>Email</option>' in mapping
    assert "For example: Jane · Raj · Ann" in mapping
    assert '<option value="attribute:custom.tags" selected>' in mapping
    # Not mapped yet: the import page sends the owner back to the columns.
    assert (
        f'href="/imports/{import_id}/mapping">Choose the columns'
        in client.get(f"/imports/{import_id}").text
    )

    picks = selected(mapping)
    assert len(picks) == 11
    bad = client.post(
        location,
        data={"csrf_token": token, **picks, "column-4": "email"},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "both email" in bad.text

    posted = client.post(
        location, data={"csrf_token": token, **picks, "column-10": "ignore"}, follow_redirects=False
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"/imports/{import_id}"
    preview = client.get(f"/imports/{import_id}").text
    assert "Import 5 customers" in preview and "Change what each column is" in preview
    assert "not-an-email" in preview

    started = client.post(
        f"/imports/{import_id}/start", data={"csrf_token": token}, follow_redirects=False
    )
    assert started.status_code == 303
    # Remembered: the next file with the same columns comes back with "Tags" ignored.
    again = upload(client, token, JOBBER, name="jobber_clients.csv", kind="csv")
    remembered = client.get(again.headers["location"]).text
    assert selected(remembered) == {**picks, "column-10": "ignore"}
