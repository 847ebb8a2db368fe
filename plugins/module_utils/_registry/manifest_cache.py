# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Manifests already read in this run, on local disk by digest: the audit writes them, the conversion reads them.

A folder of files named by digest, each holding the media type on its first line and then the manifest exactly as
the registry sent it. A file is only a hint: it is used when its content still has the digest it is filed under
(computed again on every read, as for a manifest fetched by digest), and ignored otherwise, so a stale, truncated
or tampered file costs the request it was meant to save, never a wrong conversion.
"""

from __future__ import annotations

import os
import re
import tempfile
import time

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import is_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import parse_manifest, verify_manifest


# A file unused this long is removed when a writer opens the folder: the cache saves a request within a run and
# between the runs of a migration, not a copy of every manifest ever read.
MAX_AGE_DAYS = 7
# The only names this cache writes, and so the only files it ever removes from a folder it was given.
_OWN_NAME = re.compile(r'^(?:sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128}|\.partial-[A-Za-z0-9_]+)$')


class ManifestCacheError(ImagefleetError):
    """The manifest_cache folder cannot be used."""


class ManifestCache:
    """Manifests by digest in one folder (created 0700 when missing; files 0600)."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(os.path.expanduser(path))
        try:
            os.makedirs(self.path, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise ManifestCacheError('manifest_cache %s cannot be created (%s): give a folder this user can write' % (self.path, exc.strerror))
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise ManifestCacheError('manifest_cache %s is not a writable folder; give one this user can write' % self.path)

    def _file(self, digest: str) -> str | None:
        # Only a checked digest becomes a file name, never anything else a registry sent.
        return os.path.join(self.path, digest.replace(':', '-')) if is_digest(digest) else None

    def put(self, manifest) -> None:
        """File a manifest read from a registry; a folder that fails now only costs the requests it would save."""
        path = self._file(manifest.digest)
        if path is None:
            return
        if os.path.exists(path):
            try:
                os.utime(path)  # read again: it stays
            except OSError:
                pass
            return
        try:
            handle, temporary = tempfile.mkstemp(dir=self.path, prefix='.partial-')
        except OSError:
            return
        try:
            with os.fdopen(handle, 'wb') as stream:
                stream.write(manifest.media_type.encode('ascii', 'replace') + b'\n' + manifest.raw)
            os.replace(temporary, path)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass

    def prune(self, max_age_days: float = MAX_AGE_DAYS) -> int:
        """Remove this cache's files not filed or read again for max_age_days (nothing else in the folder); return
        how many went."""
        oldest = time.time() - max_age_days * 86400
        removed = 0
        try:
            entries = list(os.scandir(self.path))
        except OSError:
            return 0
        for entry in entries:
            try:
                if _OWN_NAME.match(entry.name) and entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < oldest:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue
        return removed

    def holds(self, digest: str | None) -> bool:
        """Whether a manifest is filed under digest (not read: for callers that need only to know it was audited)."""
        path = self._file(digest) if digest else None
        return path is not None and os.path.isfile(path)

    def get(self, digest: str | None):
        """The manifest filed under digest, or None when there is none or it is not that manifest."""
        path = self._file(digest) if digest else None
        if path is None:
            return None
        try:
            with open(path, 'rb') as stream:
                content = stream.read(mt.MAX_MANIFEST_BYTES + 256)
            media_type, separator, raw = content.partition(b'\n')
            if not separator or len(raw) > mt.MAX_MANIFEST_BYTES:
                return None
            return verify_manifest(parse_manifest(raw, media_type.decode('ascii')), digest)
        except (OSError, UnicodeDecodeError, ImagefleetError):
            return None


def open_cache(path: str | None, warn, writer: bool = False) -> ManifestCache | None:
    """The cache at path, or None (no path, or a folder that cannot serve: warned about, the run goes on reading).

    A writer (the audit, the inventory) first removes the files unused for MAX_AGE_DAYS, so the folder stays small.
    """
    if not path:
        return None
    try:
        cache = ManifestCache(path)
    except ManifestCacheError as exc:
        warn('%s; manifests are read from the registries instead' % exc.message)
        return None
    if writer:
        cache.prune()
    return cache
