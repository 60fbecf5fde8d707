"""Install third-party front-end assets into ``static/vendor/`` (git-ignored).

Run by the set-up (``make install``): nothing third-party and minified is
committed, nothing is loaded from a CDN. Leaflet and MarkerCluster come
from their PyPI ``xstatic`` packages (no jQuery: nothing uses it); htmx comes from the npm registry with
``npm pack`` and is checked against the integrity hash pinned below.

    python -m webapp.web.assets
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"

HTMX_VERSION = "2.0.11"
# `npm view htmx.org@2.0.11 dist.integrity`
HTMX_INTEGRITY = "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="


def _copy_xstatic() -> None:
    import xstatic.pkg.leaflet as leaflet
    import xstatic.pkg.leaflet_markercluster as markercluster

    targets = {"leaflet": Path(leaflet.BASE_DIR), "leaflet-markercluster": Path(markercluster.BASE_DIR)}
    for name, source in targets.items():
        destination = VENDOR / name
        shutil.rmtree(destination, ignore_errors=True)
        shutil.copytree(source, destination)
    shutil.rmtree(VENDOR / "jquery", ignore_errors=True)  # left by an older set-up; nothing links it


def _integrity_ok(tarball: Path, integrity: str) -> bool:
    algorithm, _, expected = integrity.partition("-")
    digest = hashlib.new(algorithm, tarball.read_bytes()).digest()
    return base64.b64encode(digest).decode() == expected


def _install_htmx() -> None:
    target = VENDOR / "htmx" / "htmx.min.js"
    marker = VENDOR / "htmx" / "VERSION"
    if target.exists() and marker.exists() and marker.read_text().strip() == HTMX_VERSION:
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"htmx.org@{HTMX_VERSION}", "--silent", "--pack-destination", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        tarball = next(Path(tmp).glob("htmx.org-*.tgz"))
        if not _integrity_ok(tarball, HTMX_INTEGRITY):
            raise SystemExit(f"htmx {HTMX_VERSION}: integrity check failed; refusing to install")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/dist/htmx.min.js")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
    marker.write_text(HTMX_VERSION + "\n")


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    _copy_xstatic()
    _install_htmx()
    print(f"front-end assets installed in {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
