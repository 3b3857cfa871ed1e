"""`crm export` of the bench business (10,000 contacts, 50,000 tickets, 100,000 notes, ...), and
`crm import export-zip` of that file into a new, empty business.

Starts its own embedded stack in a fresh folder, loads bench/datagen.py's data set (as backup
does), then times the real commands as subprocesses: the export reads every table of the
business in one REPEATABLE READ snapshot as the app role under RLS and writes the zip; the
import recreates every row (new ids, invoice numbers kept) in one unit of work, under RLS,
with every trigger (search document, guards, redaction) running as it does for the app.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from bench import datagen
from bench.backup import _crm
from bench.core import Context, Result
from bench.session import fresh_data_dir, stop_and_remove
from crm.embedded.stack import EmbeddedStack

TARGET_S = 60.0
NEW_EMAIL = "moved@example.com"


def measure(ctx: Context) -> list[Result]:
    data_dir = fresh_data_dir()
    out_dir = Path(tempfile.mkdtemp(prefix="crm-bench-export-"))
    file = out_dir / "big.zip"
    stack = EmbeddedStack(data_dir, echo_mail=False)
    try:
        info = stack.start()
        datagen.load(info.superuser_url)
        seconds, out = _crm(
            "export", "--business-email", datagen.BIG_EMAIL, "--out", str(file),
            "--data-dir", str(data_dir), timeout=900,
        )  # fmt: skip
        found = re.search(r"exported ([\d,]+) rows", out)
        rows = int(found.group(1).replace(",", "")) if found else 0
        size_mb = file.stat().st_size / 1e6
        print(
            f"bench: crm export: {seconds:.1f} s, {size_mb:.1f} MB, {rows:,} rows", file=sys.stderr
        )
        _crm(
            "create-user", NEW_EMAIL, "--business", "Moved", "--timezone", datagen.TIMEZONE,
            "--data-dir", str(data_dir), timeout=60,
        )  # fmt: skip
        import_s, _ = _crm(
            "import", "export-zip", str(file), "--business-email", NEW_EMAIL,
            "--data-dir", str(data_dir), timeout=1800,
        )  # fmt: skip
        print(f"bench: crm import export-zip: {import_s:.1f} s", file=sys.stderr)
    finally:
        stop_and_remove(stack, data_dir)
        shutil.rmtree(out_dir, ignore_errors=True)
    return [
        Result(
            "export_s",
            round(seconds, 1),
            "s",
            target=f"<= {TARGET_S:g} s",
            ok=seconds <= TARGET_S,
            notes=f"`crm export` (subprocess) of the 10,000-contact bench business: {rows:,} "
            "rows in one snapshot as the app role under RLS, CSVs + data.json + README",
        ),
        Result("export_size_mb", round(size_mb, 1), "MB"),
        Result(
            "export_import_s",
            round(import_s, 1),
            "s",
            notes="`crm import export-zip` of that file into a new business: every row "
            "again in one unit of work under RLS, triggers included",
        ),
    ]
