"""Browser libraries the pages use, fetched from the npm registry at install time and served by the
app from `static/vendor/` (never from a CDN: the bureau's intranet may have no internet).

Each package is pinned by version and by the registry's sha512 integrity, so what is served is
exactly what was reviewed; `python -m webapp.assets` (run by `make install`) fetches what is missing
and does nothing when everything is in place. NPM_REGISTRY points it at a mirror.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # sha512-<base64>, as the registry publishes it
    files: tuple[str, ...]  # paths inside the package to serve

    @property
    def folder(self) -> Path:
        return VENDOR / self.name

    @property
    def stamp(self) -> Path:
        return self.folder / ".version"


PACKAGES = (
    # Apache ECharts: the dashboards' charts (bar, line, funnel, gauge), Chinese-first.
    Package(
        "echarts",
        "5.6.0",
        "sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA==",
        ("dist/echarts.min.js", "LICENSE"),
    ),
    # Swagger UI: the readable page of the API's OpenAPI document (/developers/api).
    Package(
        "swagger-ui-dist",
        "5.36.0",
        "sha512-Lt6/Kb0gXmLdiabLhvso4VdJP9V7qJWB0zh0gzeXUV3+CMOTzMmvpJRSXN7EAjfwixwmoi9ezDbLHiexC7lA9A==",
        ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"),
    ),
)


def url(package: Package) -> str:
    registry = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
    return f"{registry}/{package.name}/-/{package.name}-{package.version}.tgz"


def installed(package: Package) -> bool:
    return (
        package.stamp.is_file()
        and package.stamp.read_text().strip() == package.version
        and all((package.folder / Path(name).name).is_file() for name in package.files)
    )


def fetch(package: Package) -> None:
    with urllib.request.urlopen(url(package), timeout=60) as response:  # noqa: S310 (fixed https URL)
        data = response.read()
    algorithm, _, expected = package.integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{package.name} {package.version}: integrity mismatch, refusing to install it")
    package.folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for name in package.files:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{package.name} {package.version}: {name} is missing from the package")
            (package.folder / Path(name).name).write_bytes(member.read())
    package.stamp.write_text(package.version + "\n")


def main() -> int:
    for package in PACKAGES:
        if installed(package):
            continue
        print(f"fetching {package.name} {package.version} from the npm registry", file=sys.stderr)
        fetch(package)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
