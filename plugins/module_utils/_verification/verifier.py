# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Verifying converted images at their destination: format, blobs, diff_ids and the semantic config.

Read-only. Every problem found is a sentence naming what is wrong; an image is
good when it has none. The checks on parsed documents are pure functions; the
functions that talk to a registry only fetch and hand over.
"""

from __future__ import annotations

import json

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.blobs import BlobMover, Location, TransferStats, read_config
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import is_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._escape import printable
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import DigestMismatchError, ImagefleetError, NotFoundError
from ansible_collections.imagefleet.registry.plugins.module_utils._parallel import map_ordered
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import TARGET_FORMATS, converted_format, target_of
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import destination, parse_reference
from ansible_collections.imagefleet.registry.plugins.module_utils._image.schema1 import layers as schema1_layers

# The parts of a config that make the image behave the same; compared with the source's.
SEMANTIC_FIELDS = ('Env', 'Cmd', 'Entrypoint', 'User', 'Labels', 'WorkingDir')
_FAMILY = {
    mt.FORMAT_V2S2: (mt.FORMAT_V2S2, mt.FORMAT_V2S2_LIST),
    mt.FORMAT_OCI: (mt.FORMAT_OCI, mt.FORMAT_OCI_INDEX),
}
_CHILD_FORMAT = {mt.FORMAT_V2S2_LIST: mt.FORMAT_V2S2, mt.FORMAT_OCI_INDEX: mt.FORMAT_OCI}


# -- pure checks -----------------------------------------------------------------

def format_problems(actual, target_format, src_format=None):
    """Problems with the manifest format: schema 1 is named as such; lists must stay lists."""
    if actual == mt.FORMAT_V2S1:
        return ['is still Docker schema 1 (v2s1), not %s' % target_format]
    expected = (converted_format(src_format, target_format),) if src_format else _FAMILY[target_format]
    if actual not in expected:
        return ['is in format %s, not %s' % (actual, ' or '.join(expected))]
    return []


def config_problems(manifest_doc, config):
    """Problems between an image manifest and its parsed config: diff_ids and history against the layers."""
    layers = manifest_doc.get('layers') or []
    rootfs = config.get('rootfs') if isinstance(config, dict) else None
    diff_ids = rootfs.get('diff_ids') if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list):
        return ['config has no rootfs.diff_ids list']
    problems = []
    if len(diff_ids) != len(layers):
        problems.append('config has %d diff_ids for %d layers' % (len(diff_ids), len(layers)))
    bad = [d for d in diff_ids if not is_digest(d)]
    if bad:
        problems.append('config has diff_ids that are not digests: %s' % ', '.join(repr(d) for d in bad))
    history = config.get('history')
    if isinstance(history, list) and history:
        non_empty = sum(1 for entry in history if not (isinstance(entry, dict) and entry.get('empty_layer')))
        if non_empty != len(layers):
            problems.append('config history has %d entries with a layer for %d layers' % (non_empty, len(layers)))
    return problems


def semantics_of_config(config):
    """What the runtime uses from a v2s2/OCI config, plus the history length, architecture and os."""
    inner = config.get('config') or {}
    facts = dict((key, inner.get(key)) for key in SEMANTIC_FIELDS)
    facts['history'] = len(config.get('history') or [])
    facts['architecture'] = config.get('architecture')
    facts['os'] = config.get('os')
    return facts


def semantics_of_schema1(doc):
    """The same facts from a schema 1 manifest: its top v1Compatibility config and its collapsed history."""
    chain = schema1_layers(doc)
    top = chain[-1]['v1']
    inner = top.get('config') or {}
    facts = dict((key, inner.get(key)) for key in SEMANTIC_FIELDS)
    facts['history'] = len(chain)
    facts['architecture'] = top.get('architecture') or doc.get('architecture')
    facts['os'] = top.get('os')
    return facts


def _empty(value):
    return value in (None, '', [], {})


def semantic_problems(src_facts, dest_facts):
    """Differences that change how the image runs (empty values - null, [], {}, '' - are equal)."""
    problems = []
    for key in SEMANTIC_FIELDS + ('architecture', 'os'):
        want, got = src_facts.get(key), dest_facts.get(key)
        if want != got and not (_empty(want) and _empty(got)):
            problems.append('%s differs from the source: %s instead of %s' % (key, json.dumps(got), json.dumps(want)))
    if src_facts.get('history') != dest_facts.get('history'):
        problems.append('history has %s entries, the source has %s' % (dest_facts.get('history'), src_facts.get('history')))
    return problems


def diff_id_problems(layers, diff_ids, computed):
    """Layers whose uncompressed content does not hash to the config's diff_id (computed: digest -> diff_id)."""
    problems = []
    for index, layer in enumerate(layers):
        actual = computed.get(layer['digest'])
        expected = diff_ids[index] if index < len(diff_ids) else None
        if actual is not None and actual != expected:
            problems.append('layer %d (%s) uncompresses to %s, the config says %s' % (index, layer['digest'], actual, expected))
    return problems


def tool_problems(tool, seen, our_format, our_digest):
    """Where a tool's reading of a destination (a parsed Manifest) disagrees with ours: format, then digest.

    Both sides are classified the same way (schemaVersion, then the top-level mediaType, which schema 1 lacks and
    OCI may omit), and both digests are canonical (schema 1 without its signatures), so same bytes, same answer.
    """
    if seen.format != our_format:
        return ['%s reads it as %s, not %s as read from the registry API' % (tool, seen.format, our_format)]
    if seen.digest != our_digest:
        return ['%s reads digest %s, not %s as read from the registry API' % (tool, seen.digest, our_digest)]
    return []


def tool_facts(seen):
    """What a tool's reading is, for the results."""
    return {'format': seen.format, 'digest': seen.digest,
            'schema_version': seen.doc.get('schemaVersion'), 'media_type': seen.doc.get('mediaType')}


# -- registry side ---------------------------------------------------------------

class Verifier:
    """Verifies destinations with shared clients; one instance per module run."""

    def __init__(self, registries, deep=False, blob_parallel=4, peers=None):
        self.registries = registries
        self.deep = deep
        self.peers = peers
        self.blob_parallel = blob_parallel
        # Re-hashing reads blobs the way conversions do: a body that breaks off is read again (bounded by the
        # client's retries), then reported for the image; each distinct layer is hashed once per run.
        self._mover = BlobMover()
        self._reads = TransferStats()

    def verify(self, dest, target_format, src=None, dest_digest=None):
        """The result for one destination: reference, src, ok, format, digest, problems, layers_checked,
        layers_rehashed, tools. With dest_digest (what a conversion pushed), the destination must still be exactly that."""
        ref = destination(src, dest) if src else parse_reference(dest)
        result = {'reference': str(ref), 'src': src, 'ok': False, 'format': None, 'digest': None, 'problems': [],
                  'layers_checked': 0, 'layers_rehashed': 0, 'tools': {}}
        try:
            self._verify(result, ref, target_format, parse_reference(src) if src else None, dest_digest)
        except ImagefleetError as exc:
            result['problems'].append(exc.message)
        if self.peers is not None and result['format']:
            self._cross_check(result, ref)
        result['ok'] = not result['problems']
        return result

    def _cross_check(self, result, ref):
        """Ask each peer tool for the destination's manifest; it must read what we read."""
        for tool in self.peers.tools:
            try:
                seen = self.peers.manifest(tool, ref)
            except ImagefleetError as exc:
                result['problems'].append(exc.message)
                continue
            result['tools'][tool] = tool_facts(seen)
            result['problems'].extend(tool_problems(tool, seen, result['format'], result['digest']))

    def _verify(self, result, ref, target_format, src_ref, dest_digest):
        client = self.registries.client(ref)
        try:
            manifest = client.get_manifest(ref.repository, ref.ref)
        except NotFoundError:
            result['problems'].append('does not exist')
            return
        result['format'], result['digest'] = manifest.format, manifest.digest
        if dest_digest and manifest.digest != dest_digest:
            # Checked first; the other checks still run, on what the tag holds now.
            result['problems'].append('is %s, not %s as converted: the tag changed since' % (manifest.digest, dest_digest))
        source = None
        if src_ref is not None:
            try:
                source = self.registries.client(src_ref).get_manifest(src_ref.repository, src_ref.ref)
            except NotFoundError:
                result['problems'].append('its source %s does not exist, so it cannot be compared' % src_ref)
        wrong_format = format_problems(manifest.format, target_format, source.format if source else None)
        result['problems'].extend(wrong_format)
        if wrong_format or (src_ref is not None and source is None):
            return
        if manifest.is_list:
            self._verify_list(result, client, ref, manifest, src_ref, source)
        else:
            result['problems'].extend(self._verify_image(result, client, ref.repository, manifest, src_ref, source))

    def _verify_list(self, result, client, ref, manifest, src_ref, source):
        children = manifest.doc['manifests']
        src_children = source.doc['manifests'] if source is not None else None
        if src_children is not None and len(src_children) != len(children):
            result['problems'].append('has %d platforms, the source has %d' % (len(children), len(src_children)))
            src_children = None
        for index, child in enumerate(children):
            platform = child.get('platform') or {}
            label = '/'.join(p for p in (platform.get('os'), platform.get('architecture'), platform.get('variant')) if p) or child['digest']
            try:
                child_manifest = client.get_manifest(ref.repository, child['digest'])
            except NotFoundError:
                result['problems'].append('%s: child manifest %s is missing' % (label, child['digest']))
                continue
            expected = _CHILD_FORMAT[manifest.format]
            if child_manifest.format != expected:
                result['problems'].append('%s: child is in format %s, not %s' % (label, child_manifest.format, expected))
                continue
            src_child = None
            if src_children is not None:
                src_child = self.registries.client(src_ref).get_manifest(src_ref.repository, src_children[index]['digest'])
            problems = self._verify_image(result, client, ref.repository, child_manifest, src_ref, src_child)
            result['problems'].extend('%s: %s' % (label, problem) for problem in problems)

    def _verify_image(self, result, client, repository, manifest, src_ref, source):
        doc = manifest.doc
        layers = doc['layers']
        config_digest = doc['config']['digest']
        try:
            raw = read_config(Location(client, repository), config_digest)
        except NotFoundError:
            return ['config blob %s is missing' % config_digest]
        except DigestMismatchError:
            return ['config blob %s does not match its digest' % config_digest]
        try:
            config = json.loads(raw)
        except ValueError:
            return ['config blob %s is not JSON' % config_digest]
        problems = self._blob_problems(client, repository, layers)
        result['layers_checked'] += len(layers)
        problems.extend(config_problems(doc, config))
        if self.deep and not problems:
            computed = self._rehash(client, repository, layers)
            result['layers_rehashed'] += len(layers)
            problems.extend(diff_id_problems(layers, config['rootfs']['diff_ids'], computed))
        if source is not None:
            problems.extend(semantic_problems(self._source_facts(src_ref, source), semantics_of_config(config)))
        return problems

    def _blob_problems(self, client, repository, layers):
        def one(layer):
            size = client.blob_size(repository, layer['digest'])
            if size is None:
                return 'layer %s is missing' % layer['digest']
            if layer.get('size') is not None and size != layer['size']:
                return 'layer %s is %d bytes, the manifest says %d' % (layer['digest'], size, layer['size'])
            return None
        return [p for p in map_ordered(one, layers, self.blob_parallel) if p]

    def _rehash(self, client, repository, layers):
        """digest -> diff_id of each distinct layer, streamed and hashed once per run."""
        location = Location(client, repository)
        for layer in layers:  # descriptor sizes bound each read
            self._mover.learn(layer['digest'], size=layer.get('size'))
        digests = list(dict.fromkeys(layer['digest'] for layer in layers))
        diff_ids = map_ordered(lambda digest: self._mover.read_diff_id(location, digest, self._reads), digests, self.blob_parallel)
        return dict(zip(digests, diff_ids))

    def _source_facts(self, src_ref, source):
        if source.format == mt.FORMAT_V2S1:
            return semantics_of_schema1(source.doc)
        raw = read_config(Location(self.registries.client(src_ref), src_ref.repository), source.doc['config']['digest'])
        return semantics_of_config(json.loads(raw))


def parse_items(items, default_format):
    """Check every item before any request: conversion results or audit records as they are (extra keys ignored),
    or {dest, src?, target_format?, dest_digest?}."""
    parsed = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get('dest') or not isinstance(item['dest'], str):
            raise ImagefleetError('images[%d] has no dest' % index)
        parse_reference(item['dest'])  # a malformed reference fails the task before any request
        if item.get('src'):
            parse_reference(item['src'])
        target = target_of(item, default_format)
        if target not in TARGET_FORMATS:
            raise ImagefleetError('images[%d] (%s): target_format %r is not one of %s' % (index, item['dest'], target, ', '.join(TARGET_FORMATS)))
        dest_digest = item.get('dest_digest')
        if dest_digest is not None and not is_digest(dest_digest):
            raise ImagefleetError('images[%d].dest_digest %r is not a digest (algorithm:hex)' % (index, dest_digest))
        parsed.append({'dest': item['dest'], 'src': item.get('src') or None, 'format': target, 'dest_digest': dest_digest})
    return parsed


def verify_all(registries, items, default_format, deep, parallel, blob_parallel=4, peers=None):
    """Verify each item (parse_items), cross-checked with peers (a PeerTools) if given; return (results, summary, problems).

    summary: {verified, ok, bad}; problems: one line per problem, "<dest>: <problem>".
    """
    verifier = Verifier(registries, deep=deep, blob_parallel=blob_parallel, peers=peers)
    results = map_ordered(lambda item: verifier.verify(item['dest'], item['format'], item['src'], item['dest_digest']),
                          parse_items(items, default_format), parallel)
    summary = {'verified': len(results), 'ok': sum(1 for r in results if r['ok']), 'bad': sum(1 for r in results if not r['ok'])}
    problems = [printable('%s: %s' % (r['reference'], problem)) for r in results for problem in r['problems']]
    return results, summary, problems


def failure_message(results):
    """One line per bad image and why, for fail_json."""
    bad = [r for r in results if not r['ok']]
    lines = ['%d of %d images failed verification:' % (len(bad), len(results))]
    lines.extend('%s: %s' % (r['reference'], '; '.join(r['problems'])) for r in bad)
    return '\n'.join(lines)
