"""Settings → Import: upload a Square customer export as a browser posts it (multipart, the
CSRF token in the form), the preview, the start, the progress page, the result, and the
refusals (wrong columns, too big, no file, another business's import)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from crm.clients.postgres_client import Database
from crm.imports import runner
from crm.utils.user_context import UserContext
from crm.web.imports import MAX_FILE_BYTES
from tests.api.helpers import done, read
from tests.factories import make_user
from tests.imports.conftest import SQUARE

CUSTOMERS = (SQUARE / "customers.csv").read_bytes()
# The 500-row export: 465 new, 5 repeated rows (unchanged), 30 bad ones.
COUNTS = {"new": 465, "updated": 0, "unchanged": 5, "invalid": 30}


@pytest.fixture
def browser_like(client: TestClient, signed_in: dict[str, Any]) -> dict[str, Any]:
    """The signed-in client without the API's CSRF header: the token travels in the form."""
    del client.headers["X-CSRF-Token"]
    return signed_in


def upload(
    client: TestClient,
    token: str,
    content: bytes,
    *,
    name: str = "customers.csv",
    kind: str = "square_customers",
) -> Response:
    return client.post(
        "/settings/import",
        data={"csrf_token": token, "kind": kind},
        files={"file": (name, content, "text/csv")},
        follow_redirects=False,
    )


def previewed(client: TestClient, token: str, content: bytes = CUSTOMERS) -> str:
    response = upload(client, token, content)
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/imports/([0-9a-f-]{36})", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def big_numbers(html: str) -> dict[str, str]:
    return dict(re.findall(r"<div><dt>([^<]+)</dt><dd>(\d+)</dd></div>", html))


def test_settings_links_to_the_upload_form(
    client: TestClient, browser_like: dict[str, Any]
) -> None:
    assert 'href="/settings/import"' in client.get("/settings").text
    page = client.get("/settings/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert 'type="file" accept=".csv,.tsv,.txt"' in page.text
    assert '<option value="square_customers" selected>Square customers</option>' in page.text
    assert "<option disabled>Square appointments (not yet)</option>" not in page.text
    assert "up to 25 MB" in page.text
    assert "Nothing imported yet." in page.text
    # The token comes before the file, so the middleware need not read the file to find it.
    assert page.text.index('name="csrf_token"', page.text.index('action="/settings/import"')) < (
        page.text.index('name="file"')
    )


def test_upload_shows_the_preview_with_counts_rows_and_bad_lines(
    client: TestClient, browser_like: dict[str, Any]
) -> None:
    import_id = previewed(client, browser_like["csrf_token"])
    page = client.get(f"/imports/{import_id}")
    assert page.status_code == 200
    html = page.text
    assert big_numbers(html) == {
        "New customers": "465",
        "Filled in": "0",
        "Already here": "5",
        "Can't import": "30",
    }
    assert "Nothing is imported yet." in html
    assert ">Import 465 customers</button>" in html
    assert f'action="/imports/{import_id}/start"' in html
    assert "Choose another file" in html
    # The first rows as they will be stored: the phone normalised, the custom field kept.
    assert "The first 20 rows, as they will be stored" in html
    first = html[html.index("<strong>Line 2: ") : html.index("</li>", html.index("Line 2: "))]
    assert "Renée Søren" in first and '<span class="badge scheduled">New</span>' in first
    assert "rene.sren0@example.com" in first and "(256) 555-0000" in first
    assert "100 Bailey Cove Rd" in first and "SQ000000E" in first
    assert "<dt>Gate color</dt><dd>Blue</dd>" in first
    assert "<dt>Lifetime spend</dt><dd>$670.50</dd>" in first
    # Bad rows with their line and why.
    assert '<td class="num">16</td><td>no name: First Name, Last Name and Company Name are all' in (
        html
    )
    assert html.count('<td class="num">') == 30
    # Nothing imported yet, and the import is listed.
    assert done(read(client, "contacts", search="Søren")) == []
    listed = client.get("/settings/import").text
    assert f'href="/imports/{import_id}"' in listed
    assert "customers.csv" in listed and "Not imported yet" in listed


def test_a_file_that_is_not_a_square_export_says_which_columns_are_missing(
    client: TestClient, browser_like: dict[str, Any]
) -> None:
    wrong = (SQUARE / "not_customers.csv").read_bytes()
    response = upload(client, browser_like["csrf_token"], wrong, name="not_customers.csv")
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    alert = response.text[response.text.index('role="alert"') :].split("</p>", 1)[0]
    assert "Square Customer ID" in alert and "Phone Number" in alert
    assert 'enctype="multipart/form-data"' in response.text  # the form, to choose again
    assert done(read(client, "imports")) == []


def test_no_file_an_empty_file_and_a_wrong_kind_are_refused_on_the_form(
    client: TestClient, browser_like: dict[str, Any]
) -> None:
    token = browser_like["csrf_token"]
    none = client.post(
        "/settings/import",
        data={"csrf_token": token, "kind": "square_customers"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert none.status_code == 422
    assert "Choose the file you exported from Square." in none.text
    assert 'id="file" name="file"' in none.text and 'aria-invalid="true"' in none.text
    empty = upload(client, token, b"\r\n\n", name="blank.csv")
    assert empty.status_code == 422 and "blank.csv is empty" in empty.text
    kind = upload(client, token, CUSTOMERS, kind="quickbooks")
    assert kind.status_code == 422 and "Choose what the file is." in kind.text
    assert done(read(client, "imports")) == []


def test_a_file_over_25_mb_gets_a_clear_message(
    client: TestClient, browser_like: dict[str, Any]
) -> None:
    token = browser_like["csrf_token"]
    header = CUSTOMERS.split(b"\n", 1)[0] + b"\n"
    # Just over the file limit, within the upload's body limit: the form says so.
    over = header + b"x" * (MAX_FILE_BYTES + 1 - len(header))
    response = upload(client, token, over)
    assert response.status_code == 413
    assert "The file is larger than 25 MB." in response.text
    assert 'enctype="multipart/form-data"' in response.text
    # Far over: refused before it is read, with the same words.
    response = upload(client, token, over + b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "The file is larger than 25 MB." in response.text
    assert done(read(client, "imports")) == []


def test_a_windows_1252_file_is_read(client: TestClient, browser_like: dict[str, Any]) -> None:
    text = CUSTOMERS.decode("utf-8-sig").splitlines(keepends=True)
    # The header and the first customer (whose memo spans two lines), as Excel saves them.
    legacy = "".join(text[:3]).encode("cp1252", errors="replace")
    import_id = previewed(client, browser_like["csrf_token"], legacy)
    html = client.get(f"/imports/{import_id}").text
    assert "Renée Søren" in html


def test_start_shows_the_progress_then_the_result(
    app: Any, client: TestClient, browser_like: dict[str, Any]
) -> None:
    token = browser_like["csrf_token"]
    import_id = previewed(client, token)
    started = client.post(
        f"/imports/{import_id}/start", data={"csrf_token": token}, follow_redirects=False
    )
    assert started.status_code == 303
    assert started.headers["location"] == f"/imports/{import_id}"
    waiting = client.get(f"/imports/{import_id}").text
    assert "Waiting to start…" in waiting
    assert '<progress id="import-progress" max="500" value="0"' in waiting
    assert f'data-import="{import_id}"' in waiting
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in waiting
    assert "/static/js/imports." in waiting and "0 of 500 rows" in waiting

    # The worker's part, run here: half way, then to the end.
    db: Database = app.state.resources.db
    user = UserContext(browser_like["id"], browser_like["timezone"])
    seen: list[str] = []
    runner.run_import(
        db,
        user,
        UUID(import_id),
        batch_rows=250,
        progress=lambda done_rows, total: seen.append(
            client.get(f"/imports/{import_id}").text if done_rows == 250 else ""
        ),
    )
    halfway = next(html for html in seen if html)
    assert "Importing…" in halfway and "250 of 500 rows" in halfway
    assert 'value="250"' in halfway and 'http-equiv="refresh"' in halfway

    finished = client.get(f"/imports/{import_id}").text
    assert "http-equiv" not in finished and "<progress" not in finished
    assert "Done: all 500 rows read" in finished
    assert big_numbers(finished)["New customers"] == "465"
    assert '<a class="button" href="/contacts">See your contacts</a>' in finished
    assert finished.count('<td class="num">') == 30
    assert len(done(read(client, "contacts", search="Rouge foncé", limit=200))) > 0

    # Started once only: the page says so.
    again = client.post(f"/imports/{import_id}/start", data={"csrf_token": token})
    assert again.status_code == 409
    assert "This import is done" in again.text


def test_a_failed_import_says_why(
    app: Any, client: TestClient, browser_like: dict[str, Any]
) -> None:
    import_id = previewed(client, browser_like["csrf_token"])
    db: Database = app.state.resources.db
    with db.unit_of_work(browser_like["id"]) as conn:
        conn.execute(
            "UPDATE imports SET status = 'failed', failure = 'The disk is full.' WHERE id = %s",
            (import_id,),
        )
    html = client.get(f"/imports/{import_id}").text
    assert "The import stopped: The disk is full." in html
    assert "Choose the file again" in html and "<progress" not in html


def test_another_business_cannot_see_or_start_my_import(
    app: Any, client: TestClient, browser_like: dict[str, Any], owner: Any
) -> None:
    import_id = previewed(client, browser_like["csrf_token"])
    other = make_user(owner, business_name="Other Windows")
    cookie, session = app.state.auth.sessions.create(other["id"])
    client.cookies.set("crm_session", cookie, domain="localhost.local")
    assert client.get(f"/imports/{import_id}").status_code == 404
    refused = client.post(f"/imports/{import_id}/start", data={"csrf_token": session.csrf_token})
    assert refused.status_code == 404
    assert f"/imports/{import_id}" not in client.get("/settings/import").text
    client.cookies.set("crm_session", browser_like["cookie"], domain="localhost.local")
    assert done(read(client, "imports", id=import_id))["status"] == "previewed"


def test_an_upload_without_its_token_or_with_it_after_the_file_is_refused(
    client: TestClient, browser_like: dict[str, Any]
) -> None:
    token = browser_like["csrf_token"]
    missing = client.post(
        "/settings/import",
        data={"kind": "square_customers"},
        files={"file": ("customers.csv", CUSTOMERS, "text/csv")},
    )
    assert missing.status_code == 403
    wrong = upload(client, "x" * 43, CUSTOMERS)
    assert wrong.status_code == 403
    boundary = "b0undary"
    late = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + CUSTOMERS
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{token}\r\n--{boundary}--\r\n".encode()
    )
    after = client.post(
        "/settings/import",
        content=late,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert after.status_code == 403
    assert done(read(client, "imports")) == []


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01\x02" * 100, bytes(range(256)) * 40, b"\xff\xfe" + "é".encode("utf-16-le")],
    ids=["nul", "binary", "utf16"],
)
def test_hostile_files_are_refused_not_a_server_error(
    client: TestClient, browser_like: dict[str, Any], content: bytes
) -> None:
    response = upload(client, browser_like["csrf_token"], content, name="x\x00.csv")
    assert response.status_code == 422, response.text[:500]
    assert 'role="alert"' in response.text


def test_square_appointments_upload_previews_and_imports(
    client: TestClient, browser_like: dict[str, Any], db: Database
) -> None:
    content = (SQUARE / "appointments.csv").read_bytes()
    page = client.get("/settings/import").text
    assert '<option value="square_appointments">Square appointments</option>' in page
    response = upload(
        client,
        browser_like["csrf_token"],
        content,
        name="appointments.csv",
        kind="square_appointments",
    )
    assert response.status_code == 303, response.text
    html = client.get(response.headers["location"]).text
    assert big_numbers(html)["New appointments"] == "8"
    assert ">Import 8 appointments</button>" in html
    assert "nothing is sent" in html.lower() or "send nothing" in html
    assert "<dt>Service</dt><dd>Window Cleaning with Sam Squeegee</dd>" in html
