# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Converting one image registry to registry: decide, move blobs, push, read back.

Order of work, so that nothing is lost:
1. read the source (never written to);
2. if the destination tag exists, predict our result cheaply (diff_ids reused
   from the destination's own config) and stop when it is already there;
   refuse to replace anything that is not the conversion of the source
   unless ``force``;
3. move blobs (skip / mount / stream), verify every referenced blob is at the
   destination, keep the old manifest under ``backup_tag`` if asked, push,
   and read the pushed manifest back to check its digest.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.blobs import BlobMover, Location, TransferStats, read_config
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.formats import (
    converted_format,
    index_to_list,
    list_to_index,
    oci_to_v2s2,
    plan,
    schema1_to_v2s2,
    update_list,
    v2s2_to_oci,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import sha256_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import (
    ConflictError,
    ConversionError,
    DigestMismatchError,
    ManifestError,
    NotFoundError,
    RegistryError,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._image.manifest import parse_manifest
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import destination, parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._image.schema1 import checked_chain

if TYPE_CHECKING:
    from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import ImageReference
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import ManifestCache
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries

# How much work a build may do.
PREDICT = 'predict'  # no layer reads, no writes: None when layer data would be needed
WRITE = 'write'

# Codes a concurrent writer of the same repository can cause on a manifest PUT (see _put_verified).
_RACY_PUSH_CODES = ('DIGEST_INVALID', 'MANIFEST_BLOB_UNKNOWN', 'BLOB_UNKNOWN')
_PUSH_ATTEMPTS = 6


def _racy_push(exc):
    """A manifest push refused while another client links the same blobs (distribution 2.8): worth another try."""
    return isinstance(exc, RegistryError) and exc.code in _RACY_PUSH_CODES


_IMAGE_CONVERSIONS = {'v2s2->oci': v2s2_to_oci, 'oci->v2s2': oci_to_v2s2}
_LIST_CONVERSIONS = {'list->index': list_to_index, 'index->list': index_to_list, 'list-copy': update_list}


class Built:
    """A target manifest and the blobs it needs; config is bytes still to upload, or None."""

    __slots__ = ('raw', 'media_type', 'format', 'digest', 'blobs', 'config', 'layers')

    def __init__(self, raw: bytes, media_type: str, blobs: list[str], config: bytes | None = None, digest: str | None = None) -> None:
        self.raw = raw
        self.media_type = media_type
        manifest = parse_manifest(raw, media_type)
        self.format = manifest.format
        self.digest = digest or sha256_digest(raw)
        self.blobs = blobs
        self.config = config
        # [{digest, size}] of an image's layers, for the report's bytes (a schema 1 source states no size); None for a list.
        self.layers = None if manifest.is_list else [{'digest': layer['digest'], 'size': layer.get('size')}
                                                     for layer in manifest.doc.get('layers') or []]

    def descriptor(self) -> dict[str, Any]:
        return {'digest': self.digest, 'size': len(self.raw), 'media_type': self.media_type}


class _Job:
    """One image's source and destination locations, mode and counters."""

    def __init__(self, source, dest, mode, stats):
        self.source = source
        self.dest = dest
        self.mode = mode
        self.stats = stats
        self.verified = set()  # blobs seen present at the destination by this job
        self.chains = {}  # manifest digest -> its schema 1 layer chain, walked once


def _layer_digests(manifest, chain):
    """Distinct layer blob digests, in order, that the target image will reference (chain: a schema 1 source's)."""
    if manifest.format == mt.FORMAT_V2S1:
        digests = [entry['blob_sum'] for entry in chain if not entry['throwaway']]
    else:
        digests = [layer['digest'] for layer in manifest.doc['layers']]
    return list(dict.fromkeys(digests))


def _checked_chain(src, source):
    """The layer chain of a schema 1 source, walked once per image; a broken one is refused before anything is
    read or written, naming it. None for other formats."""
    if source.format != mt.FORMAT_V2S1:
        return None
    try:
        return checked_chain(source.raw)
    except ManifestError as exc:
        raise ManifestError('source %s (%s) cannot be converted: %s' % (src, source.digest, exc.message), reference=str(src))


class ImageConverter:
    """Converts images with shared clients, blob mover and caches; one instance per module run."""

    def __init__(self, registries: Registries, mover: BlobMover, blob_parallel: int = 4, check_mode: bool = False,
                 manifests: ManifestCache | None = None) -> None:
        self.registries = registries
        self.mover = mover
        self.blob_parallel = blob_parallel
        self.check_mode = check_mode
        self.manifests = manifests  # the audit's copies of source manifests, by digest

    # -- public --------------------------------------------------------------

    def convert(self, src: ImageReference, dest: ImageReference, target_format: str, force: bool = False,
                backup_tag: str | None = None, known: dict[str, Any] | None = None) -> tuple[dict[str, Any], Built | None]:
        """Convert src to target_format at dest; return (the per-image result, what was built or found there).

        known is what an audit found (digest, dest_exists, dest_digest, ...): trusted instead of asking again.
        """
        known = known or {}
        tag = destination(src, dest).tag
        src_client = self.registries.client(src)
        dest_client = self.registries.client(dest)
        source = self._source(src, known)
        _check_audited(src, known, source.digest)
        chain = _checked_chain(src, source)
        in_place = _in_place(src, dest, tag)
        stats = TransferStats()
        job = _Job(Location(src_client, src.repository), Location(dest_client, dest.repository), PREDICT, stats)
        job.chains[source.digest] = chain
        if known.get('dest_exists') is False:
            existing = None  # the audit found no destination: no request to find it again
        elif in_place and src.ref == tag:
            existing = source  # the tag just read
        else:
            existing = self._existing(job, tag)
        facts = _Facts(src, dest.with_tag(tag), source, existing, target_format)

        predicted = None
        if existing is not None:
            self._learn_from(existing, job)
            predicted = self._build(job, source, target_format)
            if predicted is not None and predicted.digest == existing.digest:
                return facts.result(predicted, False, stats), predicted
            if not (in_place or force):
                raise _conflict(dest.with_tag(tag), facts.before, target_format, src, source.digest,
                                predicted.digest if predicted else None)

        if self.check_mode:
            # Check mode is the fleet audit: it must stay cheap, so layers are
            # not read to predict a digest that needs their diff_ids.
            if predicted is None:
                predicted = self._build(job, source, target_format)
            return facts.result(predicted, True, stats, backup_tag=backup_tag), None

        job.mode = WRITE
        built = self._build(job, source, target_format)
        if existing is not None and backup_tag:
            self._backup(job, existing, backup_tag, force)
        self._push(job, built, tag)
        return facts.result(built, True, stats, backup_tag=backup_tag, verified=True), built

    def link(self, src: ImageReference, dest: ImageReference, known: dict[str, Any], force: bool, leader: dict[str, Any],
             built: Built) -> dict[str, Any]:
        """Give src's tag at dest the conversion already built for another tag of the same image (leader's result).

        One HEAD checks that the source still has its audited digest (none when the audit filed it in the manifest
        cache: its conversion was built from that copy); the blobs are mounted from the leader's
        destination when the repository differs (copied when the registry does); then one manifest PUT.
        """
        tag = destination(src, dest).tag
        src_digest = self._source_digest(src, known)
        in_place = _in_place(src, dest, tag)
        before = _audited_destination(known)
        facts = _Facts(src, dest.with_tag(tag), None, None, leader['target_format'], src_digest=src_digest,
                       src_format=leader['src_format'], before=before, linked_from=leader['src'])
        stats = TransferStats()
        if before is not None:
            if before['digest'] == built.digest:
                return facts.result(built, False, stats)
            if not (in_place or force):
                raise _conflict(dest.with_tag(tag), before, leader['target_format'], src, src_digest, built.digest)
        leader_dest = parse_reference(leader['dest'])
        job = _Job(Location(self.registries.client(leader_dest), leader_dest.repository),
                   Location(self.registries.client(dest), dest.repository), WRITE, stats)
        if job.source.key == job.dest.key and leader['verified']:
            job.verified.update(built.blobs)  # the leader's push found every one of them in this repository
        else:
            self._move(job, built.blobs, want_diff_id=False)
        self._push(job, built, tag, upload_config=False)
        return facts.result(built, True, stats, verified=True)

    # -- the source -----------------------------------------------------------

    def _source(self, src, known):
        """The source manifest: the audit's copy when the manifest cache holds the audited digest, else read now."""
        cached = self.manifests.get(known.get('digest')) if self.manifests is not None else None
        if cached is not None:
            return cached
        try:
            return self.registries.client(src).get_manifest(src.repository, src.ref)
        except NotFoundError:
            raise _missing_source(src)

    def _source_digest(self, src, known):
        """The source's digest for a linked tag: as audited when the audit filed it, else one HEAD, checked."""
        if self.manifests is not None and self.manifests.holds(known.get('digest')):
            return known['digest']
        head = self.registries.client(src).head_manifest(src.repository, src.ref)
        if head is None:
            raise _missing_source(src)
        _check_audited(src, known, head['digest'])
        return head['digest']

    # -- decisions -----------------------------------------------------------

    @staticmethod
    def _existing(job, tag):
        try:
            return job.dest.client.get_manifest(job.dest.repository, tag)
        except NotFoundError:
            return None

    def _learn_from(self, existing, job):
        """Seed diff_ids and sizes from what the destination already holds, so a re-run reads no layer."""
        manifests = [existing]
        if existing.is_list:
            manifests = []
            for child in existing.doc['manifests']:
                try:
                    manifests.append(job.dest.client.get_manifest(job.dest.repository, child['digest']))
                except NotFoundError:
                    continue
        for manifest in manifests:
            if manifest.format not in (mt.FORMAT_V2S2, mt.FORMAT_OCI):
                continue
            layers = manifest.doc['layers']
            for layer in layers:
                self.mover.learn(layer['digest'], size=layer.get('size'))
            try:
                config = json.loads(read_config(job.dest, manifest.doc['config']['digest']))
                diff_ids = config['rootfs']['diff_ids'] or []
            except (NotFoundError, DigestMismatchError, ValueError, KeyError, TypeError):
                continue
            if len(diff_ids) == len(layers):
                for layer, diff_id in zip(layers, diff_ids):
                    self.mover.learn(layer['digest'], diff_id=diff_id)

    # -- building ------------------------------------------------------------

    def _build(self, job, source, target_format):
        """The target manifest for source in job.mode; None in PREDICT mode when layers would have to be read."""
        route = plan(source.format, target_format)
        if source.is_list:
            return self._build_list(job, source, target_format, route)
        chain = None
        if source.format == mt.FORMAT_V2S1:
            if source.digest not in job.chains:  # a schema 1 child of a list
                job.chains[source.digest] = _checked_chain(source.digest, source)
            chain = job.chains[source.digest]
        layers = _layer_digests(source, chain)
        if source.format != mt.FORMAT_V2S1:
            # Descriptor sizes bound each blob read (a registry cannot stream a layer without end).
            for descriptor in [source.doc['config']] + source.doc['layers']:
                self.mover.learn(descriptor['digest'], size=descriptor.get('size'))
        if route == 'copy':
            blobs = [source.doc['config']['digest']] + layers
            self._move(job, blobs, want_diff_id=False)
            return Built(source.raw, source.media_type, blobs, digest=source.digest)
        if route in _IMAGE_CONVERSIONS:
            self._move(job, layers, want_diff_id=False)
            config, raw = _IMAGE_CONVERSIONS[route](source.doc, read_config(job.source, source.doc['config']['digest']))
        else:
            facts = self._layer_facts(job, layers)
            if facts is None:
                return None
            config, raw = schema1_to_v2s2(source.doc, *facts, chain=chain)
            if route == 'v2s1->oci':
                config, raw = v2s2_to_oci(json.loads(raw), config)
        media_type = json.loads(raw)['mediaType']
        return Built(raw, media_type, [sha256_digest(config)] + layers, config=config)

    def _build_list(self, job, source, target_format, route):
        child_map = {}
        for child in source.doc['manifests']:
            child_manifest = job.source.client.get_manifest(job.source.repository, child['digest'])
            built = self._build(job, child_manifest, target_format)
            if built is None:
                return None
            if job.mode == WRITE:
                self._push(job, built, built.digest)
            child_map[child['digest']] = built.descriptor()
        raw = _LIST_CONVERSIONS[route](source.doc, child_map)
        if route == 'list-copy' and [c['digest'] for c in source.doc['manifests']] == [c['digest'] for c in child_map.values()]:
            raw = source.raw  # unchanged children: keep the list byte for byte, and so its digest
        return Built(raw, json.loads(raw).get('mediaType') or mt.OCI_INDEX, [])

    def _layer_facts(self, job, layers):
        """(diff_ids, sizes) by blob for a schema 1 conversion (moving blobs in WRITE mode); None if unknown in PREDICT."""
        if job.mode == PREDICT:
            return self.mover.facts(layers)
        self._move(job, layers, want_diff_id=True)
        facts = self.mover.facts(layers)
        if facts is None:
            raise ConversionError('no diff_id or size known for a layer of %s after moving it' % job.dest.key)
        return facts

    def _move(self, job, digests, want_diff_id):
        """In WRITE mode, copy each blob and verify it is at the destination, recording the size it reports."""
        if job.mode == PREDICT:
            return

        def one(digest):
            self.mover.copy(job.source, job.dest, digest, job.stats, want_diff_id=want_diff_id)
            self.mover.confirm_size(job.dest, digest)
            job.verified.add(digest)

        map_ordered(one, digests, self.blob_parallel)

    # -- writing -------------------------------------------------------------

    def _push(self, job, built, ref, upload_config=True):
        """Upload the new config, verify every referenced blob is present, push, and check the digest the registry took.

        The registry's Docker-Content-Digest answer to the PUT confirms it; one without that header (ECR, some
        proxies) is read back.
        """
        dest = job.dest
        if built.config is not None and upload_config:
            # A new config is almost never there already; re-sending a few KB is cheaper than asking first.
            dest.client.upload_blob(dest.repository, built.blobs[0], built.config)
            job.verified.add(built.blobs[0])
        reported = self._put_verified(job, built, ref)
        if reported is None:
            reported = dest.client.get_manifest(dest.repository, ref).digest
        if reported != built.digest:
            raise DigestMismatchError('%s:%s reads back as %s, not the pushed %s' % (dest.key, ref, reported, built.digest),
                                      expected=built.digest, actual=reported)

    @staticmethod
    def _put_verified(job, built, ref):
        """Push the manifest once every blob it references is seen present; return the reported digest.

        distribution 2.8 may answer DIGEST_INVALID or MANIFEST_BLOB_UNKNOWN while
        another client links the same blobs into the repository (parallel
        conversions, AWX slices); the blobs are checked again and the push retried.
        """
        dest = job.dest

        def push(attempt):
            if attempt:
                job.verified.clear()  # another client's blobs may have gone and come back: check them again
            missing = [d for d in built.blobs if d not in job.verified and dest.client.blob_size(dest.repository, d) is None]
            if missing:
                raise RegistryError('not pushing %s: blobs missing at %s: %s' % (built.digest, dest.key, ', '.join(missing)),
                                    registry=dest.client.host)
            return dest.client.put_manifest(dest.repository, ref, built.raw, built.media_type)

        return dest.client.retrier(_racy_push, retries=_PUSH_ATTEMPTS - 1).call(push)

    def _backup(self, job, existing, backup_tag, force):
        """Keep the manifest being replaced reachable under backup_tag (never clobbering another backup)."""
        dest = job.dest
        current = dest.client.head_manifest(dest.repository, backup_tag)
        if current is not None and current['digest'] != existing.digest and not force:
            raise ConflictError('backup tag %s:%s already holds %s, not %s; choose another backup_tag or set force'
                                % (dest.key, backup_tag, current['digest'], existing.digest),
                                dest_digest=current['digest'])
        if current is None or current['digest'] != existing.digest:
            dest.client.put_manifest(dest.repository, backup_tag, existing.raw, existing.media_type)


def _in_place(src, dest, tag):
    """Whether the destination tag is the source's own (an in-place conversion replaces it without force)."""
    return src.registry == dest.registry and src.repository == dest.repository and tag == src.tag


def _audited_destination(known):
    """The destination as the audit saw it ({format, digest}), or None when it found none."""
    return {'format': known['dest_format'], 'digest': known.get('dest_digest')} if known['dest_exists'] else None


def _conflict(dest, before, target_format, src, src_digest, would_be=None):
    """The refusal to replace a destination tag that holds something other than the conversion of its source."""
    return ConflictError('destination %s already holds %s (%s), which is not the %s conversion of source %s (%s)%s; '
                         'set force to replace it' % (dest, before['digest'], before['format'], target_format, src, src_digest,
                                                      ', which would be %s' % would_be if would_be else ''),
                         src_digest=src_digest, dest_digest=before['digest'])


def _missing_source(src):
    return NotFoundError('source image %s does not exist' % src, registry=src.registry, status=404)


def _check_audited(src, known, digest):
    """Refuse to convert a source that changed since the audit: its record (and mapping) would name another image."""
    if known.get('digest') and digest != known['digest']:
        raise ConflictError('source %s is now %s, not %s as audited; audit again before converting it' % (src, digest, known['digest']),
                            src_digest=digest)


def knows_enough(known: dict[str, Any]) -> bool:
    """Whether an audit record answers a check-mode run alone: the source's digest and format, the destination's state."""
    if not known.get('digest') or known.get('src_format') not in mt.FORMATS or 'dest_exists' not in known:
        return False
    return not known['dest_exists'] or bool(known.get('dest_format'))


def predict_from_audit(src: ImageReference, dest: ImageReference, target_format: str, known: dict[str, Any],
                       force: bool) -> dict[str, Any]:
    """The check-mode result of an audited image (knows_enough), without a request.

    A destination in the converted format counts as done, as the audit's status says; one in another format
    is a conflict unless in place or forced. The new digest stays unknown until layers are read.
    """
    tag = destination(src, dest).tag
    in_place = _in_place(src, dest, tag)
    dest_format = converted_format(known['src_format'], target_format)
    before = _audited_destination(known)
    facts = _Facts(src, dest.with_tag(tag), None, None, target_format, src_digest=known['digest'], src_format=known['src_format'],
                   before=before)
    if before is not None and before['format'] == dest_format:
        return facts.result(None, False, TransferStats(), dest_digest=before['digest'])
    if before is not None and not (in_place or force):
        raise _conflict(dest.with_tag(tag), before, target_format, src, known['digest'])
    return facts.result(None, True, TransferStats())


class _Facts:
    """What one image's result says, gathered as the conversion learns it."""

    def __init__(self, src, dest, source, existing, target_format, src_digest=None, src_format=None, before=None, linked_from=None):
        self.src = src
        self.dest = dest
        self.src_digest = source.digest if source is not None else src_digest
        self.src_format = source.format if source is not None else src_format
        self.before = {'format': existing.format, 'digest': existing.digest} if existing is not None else before
        self.target_format = target_format
        self.linked_from = linked_from

    def result(self, target, changed, stats, backup_tag=None, verified=False, dest_digest=None):
        dest_digest = target.digest if target is not None else dest_digest
        dest_format = converted_format(self.src_format, self.target_format)
        result = {
            'src': str(self.src),
            'dest': str(self.dest),
            'src_digest': self.src_digest,
            'src_format': self.src_format,
            'dest_digest': dest_digest,
            'dest_format': dest_format,
            'target_format': self.target_format,
            'changed': changed,
            'verified': verified,
            'linked_from': self.linked_from,
            # A linked tag's layers are its leader's: listed once, in the leader's result (5,000 results are normal).
            'layers': target.layers if target is not None and self.linked_from is None else None,
            'backup': str(self.dest.with_tag(backup_tag)) if backup_tag and changed and self.before is not None else None,
            'diff': {'before': self.before, 'after': {'format': dest_format, 'digest': dest_digest}},
        }
        result.update(stats.as_dict())
        return result
