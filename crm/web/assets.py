"""Static files under content-hashed names, cached for a year by browsers and proxies."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crm.errors import NotFound

CACHE_FOREVER = "public, max-age=31536000, immutable"
CACHE_A_DAY = "public, max-age=86400"


class Assets:
    """Maps ``css/app.css`` to ``/static/css/app.3f2a9c1e.css`` and back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._hashed: dict[str, str] = {}
        self._files: dict[str, Path] = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            hashed = f"{path.parent.relative_to(root).as_posix()}/{path.stem}.{digest}{path.suffix}"
            hashed = hashed.removeprefix("./")
            self._hashed[relative] = hashed
            self._files[hashed] = path

    def url(self, relative: str) -> str:
        return f"/static/{self._hashed[relative]}"

    def file(self, name: str) -> tuple[Path, bool] | None:
        """The file for a hashed name (cache forever) or a plain one (always revalidate)."""
        if name in self._files:
            return self._files[name], True
        if name in self._hashed:
            return self._files[self._hashed[name]], False
        return None


router = APIRouter(include_in_schema=False)


@router.get("/static/{hashed:path}")
def static_file(request: Request, hashed: str) -> Response:
    assets: Assets = request.app.state.assets
    found = assets.file(hashed)
    if found is None:
        raise NotFound("No such file.")
    path, immutable = found
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type in ("text/css", "text/javascript", "application/javascript"):
        media_type += "; charset=utf-8"
    return Response(
        path.read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": CACHE_FOREVER if immutable else "no-cache"},
    )


@router.get("/favicon.ico")
def favicon(request: Request) -> Response:
    """The icon for browsers that ask at the site root whatever the page links (never a 404)."""
    assets: Assets = request.app.state.assets
    found = assets.file("favicon.svg")
    if found is None:
        raise NotFound("No such file.")
    return Response(
        found[0].read_bytes(), media_type="image/svg+xml", headers={"Cache-Control": CACHE_A_DAY}
    )
