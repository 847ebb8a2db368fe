# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The manifest cache: a hint filed by digest, used only when its content still has that digest."""

from __future__ import annotations

import os
import stat
import time

from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import ManifestCache, open_cache
from ansible_collections.imagefleet.registry.tests.unit.plugins.module_utils.fake_registry import FakeRegistry, push_schema1, push_v2s2


def manifests():
    registry = FakeRegistry('reg.example')
    return push_schema1(registry, 'legacy/app', '1'), push_v2s2(registry, 'modern/app', '1')


def test_a_filed_manifest_comes_back_with_its_digest_and_media_type(tmp_path):
    cache = ManifestCache(str(tmp_path / 'manifests'))
    for manifest in manifests():
        cache.put(manifest)
        again = cache.get(manifest.digest)
        assert (again.raw, again.digest, again.format, again.media_type) == (
            manifest.raw, manifest.digest, manifest.format, manifest.media_type)
        assert cache.holds(manifest.digest)
    assert stat.S_IMODE(os.stat(tmp_path / 'manifests').st_mode) == 0o700
    assert all(stat.S_IMODE(entry.stat().st_mode) == 0o600 for entry in (tmp_path / 'manifests').iterdir())


def test_a_file_that_is_not_its_digest_is_ignored(tmp_path):
    cache = ManifestCache(str(tmp_path))
    legacy, modern = manifests()
    cache.put(legacy)
    cache.put(modern)
    # Another manifest under legacy's name, and a truncated one: both a miss, never the wrong manifest.
    os.replace(tmp_path / modern.digest.replace(':', '-'), tmp_path / legacy.digest.replace(':', '-'))
    assert cache.get(legacy.digest) is None
    (tmp_path / modern.digest.replace(':', '-')).write_bytes(b'application/vnd.oci.image.manifest.v1+json\n{"schemaV')
    assert cache.get(modern.digest) is None


def test_only_digests_name_files(tmp_path):
    cache = ManifestCache(str(tmp_path))
    for digest in (None, '', '../escape', 'sha256:' + 'A' * 64, 'sha256:../../etc/passwd'):
        assert cache.get(digest) is None and not cache.holds(digest)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_serve_is_warned_about(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder')
    warnings = []
    assert open_cache(str(blocker / 'manifests'), warnings.append) is None
    assert 'manifest_cache' in warnings[0] and str(blocker) in warnings[0] and 'read from the registries' in warnings[0]
    assert open_cache(None, warnings.append) is None and len(warnings) == 1


def test_a_writer_removes_its_own_files_unused_for_a_week_and_nothing_else(tmp_path):
    legacy, modern = manifests()
    cache = ManifestCache(str(tmp_path))
    cache.put(legacy)
    cache.put(modern)
    week_ago = time.time() - 8 * 86400
    for name in (legacy.digest.replace(':', '-'), modern.digest.replace(':', '-'), 'notes.txt', '.partial-abc123'):
        if not (tmp_path / name).exists():
            (tmp_path / name).write_text('x')
        os.utime(tmp_path / name, (week_ago, week_ago))
    cache.put(modern)  # read again by this run's audit: it stays
    assert open_cache(str(tmp_path), [].append, writer=True) is not None
    assert sorted(entry.name for entry in tmp_path.iterdir()) == sorted([modern.digest.replace(':', '-'), 'notes.txt'])
    assert ManifestCache(str(tmp_path)).get(modern.digest).digest == modern.digest
