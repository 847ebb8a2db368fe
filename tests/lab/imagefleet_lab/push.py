# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Minimal registry writer over plain requests: blobs (upload or mount) and manifests."""

from __future__ import annotations

import urllib.parse

import requests

from .images import sha256_digest


class PushError(Exception):
    pass


class Pusher:
    """Writes to one registry. A requests.Session is shared: it is safe for a few threads doing plain calls."""

    def __init__(self, url: str, auth: tuple | None = None, ca_path: str | None = None, timeout: float = 60):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = auth
        # Per request, not session.verify: requests lets REQUESTS_CA_BUNDLE override the session's value.
        self.verify = ca_path if ca_path else True
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
        self.session.mount(self.url, adapter)
        self.timeout = timeout

    def _request(self, method: str, url: str, expect: tuple, **kwargs) -> requests.Response:
        response = self.session.request(method, url, timeout=self.timeout, verify=self.verify, **kwargs)
        if response.status_code not in expect:
            raise PushError(f"{method} {url}: HTTP {response.status_code}: {response.text[:500]}")
        return response

    def has_blob(self, repository: str, digest: str) -> bool:
        response = self._request("HEAD", f"{self.url}/v2/{repository}/blobs/{digest}", (200, 404))
        return response.status_code == 200

    def put_blob(self, repository: str, data: bytes, mount_from: str | None = None) -> str:
        """Ensure the blob is in `repository`; mount it from `mount_from` when given. Returns its digest."""
        digest = sha256_digest(data)
        if self.has_blob(repository, digest):
            return digest
        params = {"mount": digest, "from": mount_from} if mount_from else None
        response = self._request("POST", f"{self.url}/v2/{repository}/blobs/uploads/", (201, 202), params=params)
        if response.status_code == 201:
            return digest
        # Location may be relative and carries state in its query: keep it, add the digest.
        location = urllib.parse.urljoin(self.url + "/", response.headers["Location"])
        location += ("&" if "?" in location else "?") + urllib.parse.urlencode({"digest": digest})
        self._request("PUT", location, (201,), data=data, headers={"Content-Type": "application/octet-stream"})
        return digest

    def put_manifest(self, repository: str, reference: str, body: bytes, media_type: str) -> str:
        """PUT a manifest; returns the Docker-Content-Digest the registry answered."""
        response = self._request("PUT", f"{self.url}/v2/{repository}/manifests/{reference}", (201,),
                                 data=body, headers={"Content-Type": media_type})
        return response.headers["Docker-Content-Digest"]
