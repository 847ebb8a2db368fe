# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Manifest and config conversions, as skopeo 1.9 (containers/image 5.23) does them.

Pure functions on dicts and bytes. Output bytes follow Go's encoding/json so
that digests equal skopeo's for the same source (checked against skopeo copy
to dir:, see tests/unit/plugins/module_utils/_conversion/test_formats.py).
"""

from __future__ import annotations

import re

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import sha256_digest, verify_bytes
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ConversionError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.go_json import (
    PairList,
    Raw,
    go_decode,
    go_encode,
    go_zero,
    loads_pairs,
    marshal,
    raw_members,
    struct,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._image.schema1 import layers as schema1_layers

# Keys ToSchema2Config drops from the top v1Compatibility (exact spelling only: it deletes map keys).
_V1_ONLY_KEYS = ('id', 'parent', 'parent_id', 'layer_id', 'throwaway', 'Size')


def _schema2_descriptor(media_type, size, digest, urls=None):
    return struct(('mediaType', media_type, False), ('size', size, False), ('digest', digest, False), ('urls', urls, True))


def _oci_descriptor(media_type, digest, size, urls=None, annotations=None, platform=None):
    return struct(('mediaType', media_type, True), ('digest', digest, False), ('size', size, False),
                  ('urls', urls, True), ('annotations', annotations, True), ('platform', platform, True))


def _schema2_manifest(config_bytes, layer_descriptors):
    config = _schema2_descriptor(mt.DOCKER_CONFIG, len(config_bytes), sha256_digest(config_bytes))
    return marshal(struct(('schemaVersion', 2, False), ('mediaType', mt.DOCKER_V2S2, False),
                          ('config', config, False), ('layers', layer_descriptors, False)))


# containers/image's Schema2Config and Schema2V1Image (Docker's container.Config and image.V1Image of 2017), in
# declaration order: ToSchema2Config decodes the top v1Compatibility into them.
_DOCKER_RUNTIME = ('struct', (
    ('Hostname', 'string', False), ('Domainname', 'string', False), ('User', 'string', False),
    ('AttachStdin', 'bool', False), ('AttachStdout', 'bool', False), ('AttachStderr', 'bool', False),
    ('ExposedPorts', ('map', 'empty'), True), ('Tty', 'bool', False), ('OpenStdin', 'bool', False),
    ('StdinOnce', 'bool', False), ('Env', ('slice', 'string'), False), ('Cmd', 'strslice', False),
    ('Healthcheck', ('ptr', ('struct', (('Test', ('slice', 'string'), True), ('StartPeriod', 'int', True),
                                        ('Interval', 'int', True), ('Timeout', 'int', True), ('Retries', 'int', True)))), True),
    ('ArgsEscaped', 'bool', True), ('Image', 'string', False), ('Volumes', ('map', 'empty'), False),
    ('WorkingDir', 'string', False), ('Entrypoint', 'strslice', False), ('NetworkDisabled', 'bool', True),
    ('MacAddress', 'string', True), ('OnBuild', ('slice', 'string'), False), ('Labels', ('map', 'string'), False),
    ('StopSignal', 'string', True), ('StopTimeout', ('ptr', 'int'), True), ('Shell', 'strslice', True),
))
_DOCKER_V1_IMAGE = ('struct', (
    ('id', 'string', True), ('parent', 'string', True), ('comment', 'string', True), ('created', 'time', False),
    ('container', 'string', True), ('container_config', _DOCKER_RUNTIME, True), ('docker_version', 'string', True),
    ('author', 'string', True), ('config', ('ptr', _DOCKER_RUNTIME), True), ('architecture', 'string', True),
    ('variant', 'string', True), ('os', 'string', True), ('Size', 'int', True),
))
# Docker before 1.8.3 wrote configs that containers/image re-encodes through the struct above.
_REENCODE_BEFORE = '1.8.3'
_DIGITS = re.compile(r'^[+-]?[0-9]+\Z')


def _version_part(text):
    # strconv.Atoi with its error ignored: 0 unless the part is a (clamped) decimal integer.
    return max(-(1 << 63), min((1 << 63) - 1, int(text))) if _DIGITS.match(text) else 0


def docker_version_before(version, other):
    """Docker's versions.LessThan (API 1.41 era): dot-separated parts compared as integers, non-numbers as 0."""
    mine, theirs = version.split('.'), other.split('.')
    for index in range(max(len(mine), len(theirs))):
        left = _version_part(mine[index]) if index < len(mine) else 0
        right = _version_part(theirs[index]) if index < len(theirs) else 0
        if left != right:
            return left < right
    return False


def _v1_image(raw):
    """The top v1Compatibility decoded into Schema2V1Image; a type Go refuses fails the conversion, as in skopeo."""
    try:
        return go_decode(loads_pairs(raw), _DOCKER_V1_IMAGE, go_zero(_DOCKER_V1_IMAGE), 'v1Compatibility')
    except ValueError as exc:
        raise ConversionError('the top layer configuration cannot be read as an image config: %s' % exc)


def schema1_config(chain, diff_ids):
    """The schema 2 config bytes containers/image's ToSchema2Config builds from a schema 1 layer chain.

    The top v1Compatibility keeps its keys and spelling, unknown keys included,
    unless docker older than 1.8.3 wrote it: then only what survives a round trip
    through Schema2V1Image is kept (unknown keys and empty omitempty fields go,
    missing non-omitempty ones appear).
    """
    top = chain[-1]
    image = _v1_image(top['v1_raw'])
    if image['docker_version'] and docker_version_before(image['docker_version'], _REENCODE_BEFORE):
        members = dict(go_encode(image, _DOCKER_V1_IMAGE))
    else:
        members = dict(raw_members(top['v1_raw']))
    for key in _V1_ONLY_KEYS:
        members.pop(key, None)
    history = []
    for entry in chain:
        fields = entry['fields']
        history.append(struct(('created', fields['created'], False), ('author', fields['author'], True),
                              ('created_by', ' '.join(fields['cmd']), True), ('comment', fields['comment'], True),
                              ('empty_layer', fields['throwaway'], True)))
    members['rootfs'] = Raw(marshal(struct(('type', 'layers', False), ('diff_ids', list(diff_ids), True))))
    members['history'] = Raw(marshal(history))
    return marshal(members)


def schema1_to_v2s2(doc, diff_ids_by_blob, sizes_by_blob, chain=None):
    """(config_bytes, manifest_bytes) of the schema 2 image skopeo makes from schema 1 manifest doc.

    diff_ids_by_blob and sizes_by_blob map each non-throwaway blobSum to its
    diff_id and its size at the destination; chain is doc's layer chain when the caller has walked it already.
    """
    chain = chain if chain is not None else schema1_layers(doc)
    descriptors = []
    diff_ids = []
    for entry in chain:
        if entry['throwaway']:
            continue
        blob = entry['blob_sum']
        if blob not in diff_ids_by_blob or blob not in sizes_by_blob:
            raise ConversionError('no diff_id or size known for layer %s' % blob)
        descriptors.append(_schema2_descriptor(mt.DOCKER_LAYER_GZIP, sizes_by_blob[blob], blob))
        diff_ids.append(diff_ids_by_blob[blob])
    config = schema1_config(chain, diff_ids)
    return config, _schema2_manifest(config, descriptors)


_STRINGS = ('slice', 'string')
# The OCI image struct (image-spec v1) skopeo decodes a Docker config into, in declaration order.
_OCI_IMAGE = ('struct', (
    ('created', ('ptr', 'time'), True), ('author', 'string', True), ('architecture', 'string', False),
    ('variant', 'string', True), ('os', 'string', False), ('os.version', 'string', True), ('os.features', _STRINGS, True),
    ('config', ('struct', (
        ('User', 'string', True), ('ExposedPorts', ('map', 'empty'), True), ('Env', _STRINGS, True),
        ('Entrypoint', _STRINGS, True), ('Cmd', _STRINGS, True), ('Volumes', ('map', 'empty'), True),
        ('WorkingDir', 'string', True), ('Labels', ('map', 'string'), True), ('StopSignal', 'string', True),
        ('ArgsEscaped', 'bool', True))), True),
    ('rootfs', ('struct', (('type', 'string', False), ('diff_ids', _STRINGS, False))), False),
    ('history', ('slice', ('struct', (
        ('created', ('ptr', 'time'), True), ('created_by', 'string', True), ('author', 'string', True),
        ('comment', 'string', True), ('empty_layer', 'bool', True)))), True),
))


def docker_config_to_oci_config(config_bytes):
    """The OCI config skopeo writes for a Docker config: decoded into the OCI image struct and re-encoded.

    Drops container, container_config, docker_version and Docker-only runtime
    keys (Healthcheck, Shell, OnBuild, ...); unknown keys are lost too.
    """
    try:
        pairs = loads_pairs(config_bytes)
    except ValueError as exc:
        raise ConversionError('image config is not valid JSON: %s' % exc)
    if not isinstance(pairs, PairList):
        raise ConversionError('image config is not a JSON object')
    try:
        image = go_decode(pairs, _OCI_IMAGE, go_zero(_OCI_IMAGE), 'config')
    except ValueError as exc:
        raise ConversionError('image config cannot become an OCI config: %s' % exc)
    return marshal(go_encode(image, _OCI_IMAGE))


def _layers(doc, what):
    layers = doc.get('layers')
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        raise ConversionError('%s manifest has no valid "layers" list' % what)
    return layers


def v2s2_to_oci(manifest_doc, config_bytes):
    """(config_bytes, manifest_bytes) of the OCI image skopeo makes from a Docker v2s2 manifest and its config."""
    verify_bytes(config_bytes, manifest_doc['config']['digest'], 'image config')
    layers = []
    for layer in _layers(manifest_doc, 'v2s2'):
        media_type = mt.DOCKER_TO_OCI_LAYER.get(layer.get('mediaType'))
        if media_type is None:
            raise ConversionError('layer %s has media type %r, which has no OCI equivalent' % (layer.get('digest'), layer.get('mediaType')))
        layers.append(_oci_descriptor(media_type, layer['digest'], layer['size'], urls=layer.get('urls')))
    config = docker_config_to_oci_config(config_bytes)
    manifest = struct(('schemaVersion', 2, False), ('mediaType', mt.OCI_MANIFEST, False),
                      ('config', _oci_descriptor(mt.OCI_CONFIG, sha256_digest(config), len(config)), False),
                      ('layers', layers, False))
    return config, marshal(manifest)


def oci_to_v2s2(manifest_doc, config_bytes):
    """(config_bytes, manifest_bytes) of the Docker v2s2 image skopeo makes from an OCI image manifest.

    The config blob is unchanged; annotations are lost. zstd or encrypted
    layers and non-image artifacts cannot be represented and are refused.
    """
    config_desc = manifest_doc.get('config') or {}
    if manifest_doc.get('artifactType'):
        raise ConversionError('OCI artifact of type %r is not an image and cannot become Docker v2s2' % manifest_doc['artifactType'])
    if config_desc.get('mediaType') != mt.OCI_CONFIG:
        raise ConversionError('config media type %r is not an OCI image config: a non-image artifact cannot become Docker v2s2'
                              % config_desc.get('mediaType'))
    verify_bytes(config_bytes, config_desc.get('digest'), 'image config')
    layers = []
    for layer in _layers(manifest_doc, 'OCI'):
        media_type = layer.get('mediaType') or ''
        if '+encrypted' in media_type:
            raise ConversionError('layer %s is encrypted (%s); Docker v2s2 cannot hold encrypted layers' % (layer.get('digest'), media_type))
        if 'zstd' in media_type:
            raise ConversionError('layer %s is zstd-compressed (%s); Docker v2s2 supports only gzip or uncompressed layers'
                                  % (layer.get('digest'), media_type))
        docker_type = mt.OCI_TO_DOCKER_LAYER.get(media_type)
        if docker_type is None:
            raise ConversionError('layer %s has media type %r, which has no Docker v2s2 equivalent' % (layer.get('digest'), media_type))
        layers.append(_schema2_descriptor(docker_type, layer['size'], layer['digest'], urls=layer.get('urls')))
    return config_bytes, _schema2_manifest(config_bytes, layers)


def _children(list_doc, child_map, what):
    manifests = list_doc.get('manifests')
    if not isinstance(manifests, list) or not all(isinstance(item, dict) for item in manifests):
        raise ConversionError('%s has no valid "manifests" list' % what)
    out = []
    for item in manifests:
        new = child_map.get(item.get('digest'))
        if new is None:
            raise ConversionError('%s entry %s has no converted child' % (what, item.get('digest')))
        out.append((item, new))
    return out


def _oci_platform(platform):
    return struct(('architecture', platform.get('architecture') or '', False), ('os', platform.get('os') or '', False),
                  ('os.version', platform.get('os.version'), True), ('os.features', platform.get('os.features'), True),
                  ('variant', platform.get('variant'), True))


def _docker_platform(platform):
    return struct(('architecture', platform.get('architecture') or '', False), ('os', platform.get('os') or '', False),
                  ('os.version', platform.get('os.version'), True), ('os.features', platform.get('os.features'), True),
                  ('variant', platform.get('variant'), True), ('features', platform.get('features'), True))


def _docker_list(entries):
    return marshal(struct(('schemaVersion', 2, False), ('mediaType', mt.DOCKER_LIST, False), ('manifests', entries, False)))


def _oci_index(entries, annotations=None):
    return marshal(struct(('schemaVersion', 2, False), ('mediaType', mt.OCI_INDEX, False), ('manifests', entries, False),
                          ('annotations', annotations, True)))


def list_to_index(list_doc, child_map):
    """OCI index bytes for a Docker manifest list whose children were converted.

    child_map: old child digest -> {digest, size, media_type}. Platform fields
    are kept except Docker's `features`, which OCI lacks (as skopeo does).
    """
    entries = []
    for item, new in _children(list_doc, child_map, 'manifest list'):
        entries.append(_oci_descriptor(new['media_type'], new['digest'], new['size'], urls=item.get('urls'),
                                       platform=_oci_platform(item.get('platform') or {})))
    return _oci_index(entries)


def index_to_list(index_doc, child_map, default_platform=None):
    """Docker manifest list bytes for an OCI index whose children were converted.

    Annotations are lost. An entry without platform gets default_platform
    ({os, architecture}); skopeo uses the platform it runs on, linux/amd64 here.
    """
    fallback = default_platform or {'os': 'linux', 'architecture': 'amd64'}
    entries = []
    for item, new in _children(index_doc, child_map, 'OCI index'):
        if new['media_type'] in (mt.OCI_MANIFEST, mt.OCI_INDEX):
            raise ConversionError('a Docker manifest list cannot reference %s (child %s)' % (new['media_type'], new['digest']))
        entries.append(struct(('mediaType', new['media_type'], False), ('size', new['size'], False), ('digest', new['digest'], False),
                              ('urls', item.get('urls'), True), ('platform', _docker_platform(item.get('platform') or fallback), False)))
    return _docker_list(entries)


def update_list(list_doc, child_map):
    """A list or index in its own format with children replaced (same-format copy); OCI annotations kept."""
    if list_doc.get('mediaType') == mt.OCI_INDEX or ('mediaType' not in list_doc and 'annotations' in list_doc):
        entries = []
        for item, new in _children(list_doc, child_map, 'OCI index'):
            platform = item.get('platform')
            entries.append(_oci_descriptor(new['media_type'], new['digest'], new['size'], urls=item.get('urls'),
                                           annotations=item.get('annotations'),
                                           platform=_oci_platform(platform) if platform is not None else None))
        return _oci_index(entries, list_doc.get('annotations'))
    entries = []
    for item, new in _children(list_doc, child_map, 'manifest list'):
        entries.append(struct(('mediaType', new['media_type'], False), ('size', new['size'], False), ('digest', new['digest'], False),
                              ('urls', item.get('urls'), True), ('platform', _docker_platform(item.get('platform') or {}), False)))
    return _docker_list(entries)


_IMAGE_TARGET = {mt.FORMAT_V2S2: mt.FORMAT_V2S2, mt.FORMAT_OCI: mt.FORMAT_OCI,
                 mt.FORMAT_V2S2_LIST: mt.FORMAT_V2S2, mt.FORMAT_OCI_INDEX: mt.FORMAT_OCI}
_LIST_TARGET = {mt.FORMAT_V2S2: mt.FORMAT_V2S2_LIST, mt.FORMAT_OCI: mt.FORMAT_OCI_INDEX,
                mt.FORMAT_V2S2_LIST: mt.FORMAT_V2S2_LIST, mt.FORMAT_OCI_INDEX: mt.FORMAT_OCI_INDEX}


def converted_format(source_format, target_format):
    """The format the conversion of a source_format image has: lists stay lists (of the target's kind)."""
    if source_format in (mt.FORMAT_V2S2_LIST, mt.FORMAT_OCI_INDEX):
        return mt.FORMAT_V2S2_LIST if target_format == mt.FORMAT_V2S2 else mt.FORMAT_OCI_INDEX
    return target_format


def plan(source_format, target_format):
    """Which route turns source_format into target_format: 'copy', 'v2s1->v2s2', 'v2s1->oci', 'v2s2->oci',
    'oci->v2s2', 'list->index', 'index->list' or 'list-copy'.

    target_format may be an image format (v2s2, oci) for a list source too:
    a v2s2_list asked for as oci becomes an OCI index. Schema 1 is never a
    target. For lists, children are planned separately and 'list-copy' means
    the list keeps its format but is rewritten with converted children.
    """
    if source_format not in mt.FORMATS:
        raise ConversionError('unknown source format %r' % (source_format,))
    if target_format == mt.FORMAT_V2S1:
        raise ConversionError('conversion to schema 1 (v2s1) is not supported: it is deprecated and lossy')
    if target_format not in _IMAGE_TARGET:
        raise ConversionError('unknown target format %r (expected one of %s)' % (target_format, ', '.join(sorted(_IMAGE_TARGET))))
    if source_format in (mt.FORMAT_V2S2_LIST, mt.FORMAT_OCI_INDEX):
        target = _LIST_TARGET[target_format]
        if target == source_format:
            return 'list-copy'
        return 'list->index' if target == mt.FORMAT_OCI_INDEX else 'index->list'
    if target_format in (mt.FORMAT_V2S2_LIST, mt.FORMAT_OCI_INDEX):
        raise ConversionError('a single %s image cannot become a %s' % (source_format, target_format))
    if source_format == target_format:
        return 'copy'
    return '%s->%s' % (source_format, target_format)
