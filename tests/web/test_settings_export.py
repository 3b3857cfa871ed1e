"""Settings → Export: the page offers the zip; the download is the signed-in business's only."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from crm.exports.read_zip import read_export
from tests.api.helpers import make
from tests.factories import make_user
from tests.worlds import signed_in_client


def test_the_settings_page_links_the_download(
    client: TestClient, signed_in: dict[str, Any]
) -> None:
    page = client.get("/settings")
    assert page.status_code == 200
    assert 'href="/settings/export.zip"' in page.text
    assert "Download everything (zip)" in page.text


def test_the_download_is_a_zip_of_this_business_only(
    app: Any, client: TestClient, signed_in: dict[str, Any], owner: psycopg.Connection
) -> None:
    make(client, "contact", first_name="Mine", last_name="Customer")
    second = make_user(owner, email="other@example.com", business_name="Other Shine")
    theirs = signed_in_client(app, second["id"])
    make(theirs, "contact", first_name="Theirs", last_name="Customer")

    mine = client.get("/settings/export.zip")
    other = theirs.get("/settings/export.zip")

    assert mine.status_code == 200
    assert mine.headers["content-type"] == "application/zip"
    assert "no-store" in mine.headers["cache-control"]
    disposition = mine.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=") and "crm-export-" in disposition
    assert [c["first_name"] for c in read_export(io.BytesIO(mine.content))["contacts"]] == ["Mine"]
    assert [c["first_name"] for c in read_export(io.BytesIO(other.content))["contacts"]] == [
        "Theirs"
    ]
    assert "Theirs" not in zipfile.ZipFile(io.BytesIO(mine.content)).read("data.json").decode()


def test_the_download_needs_a_sign_in(client: TestClient) -> None:
    response = client.get("/settings/export.zip", follow_redirects=False)
    assert response.status_code in (303, 401)
