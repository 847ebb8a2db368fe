# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Report directories as OCI artifacts: one OCI image manifest per run and slice.

The layout is the one `oras pull` understands: an `artifactType` of ours, the
empty config (`{}`), and one layer per file carrying its name in the
`org.opencontainers.image.title` annotation. Building and reading manifests are
pure functions; push and pull take a RegistryClient and use only its public
calls, so the transport (auth, retries, TLS) stays where it is.
"""

from __future__ import annotations

import json
import os
import re

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import is_digest, sha256_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError, ManifestError

ARTIFACT_TYPE = 'application/vnd.imagefleet.report.v1+json'
EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json'
EMPTY_BLOB = b'{}'
EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
TITLE = 'org.opencontainers.image.title'
RUN_ANNOTATION = 'io.imagefleet.report.run'
SLICE_ANNOTATION = 'io.imagefleet.report.slice'

# The files a report directory can hold, in the order they are layered, with their media types.
REPORT_FILES = (
    ('audit.json', 'application/json'),
    ('audit.md', 'text/markdown'),
    ('audit.html', 'text/html'),
    ('mapping.json', 'application/json'),
    ('mapping.csv', 'text/csv'),
    ('hosts.json', 'application/json'),
    ('hosts.md', 'text/markdown'),
    ('workloads.json', 'application/json'),
    ('workloads.csv', 'text/csv'),
    ('history.json', 'application/json'),
)
MEDIA_TYPES = dict(REPORT_FILES)

# Run and slice names make up the tag <run>.<slice>: no dot inside either, so a run's tags are found by prefix.
_NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$')
MAX_FILE_BYTES = 256 * 1024 * 1024


class ReportArtifactError(ImagefleetError):
    """A report artifact that cannot be built, pushed or read back."""


def check_name(value, what):
    """A run or slice name usable in a tag; raise naming the variable and the rule otherwise."""
    text = str(value) if isinstance(value, int) else value
    if not isinstance(text, str) or not _NAME_RE.match(text):
        raise ReportArtifactError('%s %r is not usable in a tag: use 1-63 letters, digits, _ or - (no dots), '
                                  'starting with a letter, digit or _' % (what, value))
    return text


def tag_for(run, slice_name):
    return '%s.%s' % (check_name(run, 'run'), check_name(slice_name, 'slice'))


def run_of_tag(tag):
    """(run, slice) of a tag made by tag_for, or None for any other tag."""
    run, sep, slice_name = tag.partition('.')
    if sep and _NAME_RE.match(run) and _NAME_RE.match(slice_name):
        return run, slice_name
    return None


def dump_manifest(manifest):
    """The manifest's bytes: compact and key-sorted, so that the same files always give the same digest."""
    return json.dumps(manifest, sort_keys=True, separators=(',', ':')).encode('utf-8')


def build_manifest(files, run, slice_name):
    """(manifest bytes, digest) for files: a list of (name, bytes), in layer order."""
    layers = []
    for name, data in files:
        layers.append({
            'mediaType': MEDIA_TYPES.get(name, 'application/octet-stream'),
            'digest': sha256_digest(data),
            'size': len(data),
            'annotations': {TITLE: name},
        })
    manifest = {
        'schemaVersion': 2,
        'mediaType': mt.OCI_MANIFEST,
        'artifactType': ARTIFACT_TYPE,
        'config': {'mediaType': EMPTY_MEDIA_TYPE, 'digest': EMPTY_DIGEST, 'size': len(EMPTY_BLOB)},
        'layers': layers,
        'annotations': {RUN_ANNOTATION: run, SLICE_ANNOTATION: slice_name},
    }
    raw = dump_manifest(manifest)
    return raw, sha256_digest(raw)


def _safe_title(title, what):
    if not isinstance(title, str) or not title or title in ('.', '..') or '/' in title or '\\' in title \
            or title.startswith('.') or '\0' in title:
        raise ReportArtifactError('%s: layer title %r is not a plain file name' % (what, title))
    return title


def read_manifest(raw, what):
    """The layers {name, digest, size, media_type} of a report artifact's manifest; raise if it is not one."""
    try:
        doc = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError):
        raise ManifestError('%s: the manifest is not JSON' % what)
    if not isinstance(doc, dict) or doc.get('mediaType') != mt.OCI_MANIFEST or doc.get('schemaVersion') != 2:
        raise ReportArtifactError('%s is not an OCI image manifest' % what)
    if doc.get('artifactType') != ARTIFACT_TYPE:
        raise ReportArtifactError('%s is not an imagefleet report (artifactType %r, expected %s)'
                                  % (what, doc.get('artifactType'), ARTIFACT_TYPE))
    layers, seen = [], set()
    for layer in doc.get('layers') or []:
        name = _safe_title((layer.get('annotations') or {}).get(TITLE), what)
        if name in seen:
            raise ReportArtifactError('%s: two layers are titled %s' % (what, name))
        seen.add(name)
        if not is_digest(layer.get('digest')) or not isinstance(layer.get('size'), int) or layer['size'] < 0:
            raise ReportArtifactError('%s: layer %s has no valid digest and size' % (what, name))
        layers.append({'name': name, 'digest': layer['digest'], 'size': layer['size'], 'media_type': layer.get('mediaType')})
    annotations = doc.get('annotations') or {}
    return {'layers': layers, 'run': annotations.get(RUN_ANNOTATION), 'slice': annotations.get(SLICE_ANNOTATION)}


def report_files(directory, names=None):
    """(name, bytes) of the report files present in directory (or of names, which must all exist)."""
    if names:
        for name in names:
            _safe_title(name, 'files')
            if not os.path.isfile(os.path.join(directory, name)):
                raise ReportArtifactError('files: %s is not in %s' % (name, directory))
    else:
        names = [name for name, _media_type in REPORT_FILES if os.path.isfile(os.path.join(directory, name))]
        if not names:
            raise ReportArtifactError('%s holds no report files (%s); write the report first'
                                      % (directory, ', '.join(name for name, _media_type in REPORT_FILES)))
    files = []
    for name in names:
        with open(os.path.join(directory, name), 'rb') as handle:
            files.append((name, handle.read()))
    return files


def push(client, repository, tag, files, run, slice_name, check_mode=False):
    """Push the files as one artifact at repository:tag; {changed, digest, manifest}. Blobs go before the manifest."""
    raw, digest = build_manifest(files, run, slice_name)
    current = client.head_manifest(repository, tag)
    changed = not current or current.get('digest') != digest
    if changed and not check_mode:
        blobs = [(EMPTY_DIGEST, EMPTY_BLOB)] + [(sha256_digest(data), data) for _name, data in files]
        for blob_digest, data in dict(blobs).items():
            if client.blob_size(repository, blob_digest) is None:
                client.upload_blob(repository, blob_digest, data, size=len(data))
        pushed = client.put_manifest(repository, tag, raw, mt.OCI_MANIFEST)
        if pushed and pushed != digest:
            raise ReportArtifactError('%s/%s:%s: the registry stored the manifest as %s, expected %s'
                                      % (client.host, repository, tag, pushed, digest))
    return {'changed': changed, 'digest': digest, 'manifest': json.loads(raw.decode('utf-8'))}


def fetch_manifest(client, repository, tag):
    """(raw bytes, digest) of the manifest at tag, checked against the digest the registry reports."""
    response, raw = client.get_small('/v2/%s/manifests/%s' % (repository, tag), 'repository:%s:pull' % repository,
                                     mt.MAX_MANIFEST_BYTES, 'manifest %s:%s' % (repository, tag),
                                     headers={'Accept': mt.OCI_MANIFEST})
    digest = sha256_digest(raw)
    reported = response.headers.get('Docker-Content-Digest')
    if reported and reported != digest:
        raise ReportArtifactError('%s/%s:%s: manifest digest %s does not match the %s the registry reports'
                                  % (client.host, repository, tag, digest, reported))
    return raw, digest


def fetch_file(client, repository, layer, what):
    """The bytes of one layer, checked against its size and digest."""
    if layer['size'] > MAX_FILE_BYTES:
        raise ReportArtifactError('%s: %s is %d bytes, over the %d-byte limit' % (what, layer['name'], layer['size'], MAX_FILE_BYTES))
    data = client.get_blob_bytes(repository, layer['digest'], MAX_FILE_BYTES)
    if len(data) != layer['size'] or sha256_digest(data) != layer['digest']:
        raise ReportArtifactError('%s: %s does not match its digest %s and size %d'
                                  % (what, layer['name'], layer['digest'], layer['size']))
    return data


def run_tags(tags, run):
    """The tags of one run, sorted by slice."""
    found = sorted((parsed[1], tag) for tag, parsed in ((tag, run_of_tag(tag)) for tag in tags) if parsed and parsed[0] == run)
    return [tag for _slice, tag in found]
