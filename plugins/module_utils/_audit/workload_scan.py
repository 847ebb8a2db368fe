# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where workloads reference images: Kubernetes manifests and live objects, Helm values, Kustomize, Compose, Dockerfiles.

Pure functions over file text or plain data, used by image_references_info (the
audit) and image_references (the rewrite, see workload_rewrite.py).

YAML is composed into nodes (PyYAML, which ansible-core ships) rather than
loaded: a node keeps its exact position (line, column, character offsets) and
its scalar text as written (``tag: 1.10`` stays ``1.10``, not the float 1.1),
so every reference is reported at its true line and a rewrite can splice new
text in at exactly those offsets. Live objects (as kubernetes.core.k8s_info or
``kubectl get -o json`` return them) are turned into the same nodes, without
positions, and go through the same extraction.

Every reference found is a dict (see REFERENCE_FIELDS); ``_spans`` (private,
only for files) maps the parts of the reference (``image``; or the keys of a
Helm image map or a Kustomize entry) to the (start, end) character offsets of
their text, or None where the text cannot be edited safely (block or escaped
scalars, a token broken by a line continuation); ``_parts`` holds their text.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
import traceback

YAML_IMPORT_ERROR: str | None = None
try:
    import yaml
except ImportError:
    # PyYAML comes with ansible-core on the controller; a module run elsewhere fails through missing_required_lib.
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_YAML = True
    # libyaml's composer is an order of magnitude faster and gives the same marks (character offsets).
    _LOADER = getattr(yaml, 'CSafeLoader', None) or yaml.SafeLoader

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import InvalidReferenceError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.reference import parse_reference

KIND_KUBERNETES = 'kubernetes'
KIND_POD_STATUS = 'kubernetes_status'
KIND_HELM = 'helm'
KIND_KUSTOMIZE = 'kustomize'
KIND_COMPOSE = 'compose'
KIND_DOCKERFILE = 'dockerfile'
KINDS = (KIND_KUBERNETES, KIND_POD_STATUS, KIND_HELM, KIND_KUSTOMIZE, KIND_COMPOSE, KIND_DOCKERFILE)

RESOLVED = 'resolved'        # a complete reference, in `reference` (normalised)
UNRESOLVED = 'unresolved'    # a reference decided elsewhere (ARG, stage, template, chart default); `message` says where
INVALID = 'invalid'          # text that is not an image reference; `message` says why

LIVE = 'live'                # the source of objects given as data
REFERENCE_FIELDS = ('source', 'line', 'column', 'kind', 'workload', 'container', 'field', 'image', 'reference', 'status',
                    'message')

CONTAINER_LISTS = ('initContainers', 'containers', 'ephemeralContainers')
STATUS_LISTS = ('initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses')
KUSTOMIZE_FILES = ('kustomization.yaml', 'kustomization.yml', 'Kustomization')
KUSTOMIZE_KINDS = ('Kustomization', 'Component')
HELM_MAP_PARTS = ('registry', 'repository', 'tag', 'digest')
KUSTOMIZE_PARTS = ('name', 'newName', 'newTag', 'digest')
# Files a folder walk picks up; explicit paths and globs take any file.
YAML_SUFFIXES = ('.yaml', '.yml')

_COMPOSE_NAME = re.compile(r'(^|[-._])compose([-._][^/]*)?\.ya?ml$')
_DOCKERFILE_NAME = re.compile(r'^(Dockerfile|Containerfile)([-._].*)?$|\.(Dockerfile|dockerfile|Containerfile)$')
_TEMPLATED = re.compile(r'\$|\{\{|\}\}')
_NULL_TAG = 'tag:yaml.org,2002:null'
_STR_TAG = 'tag:yaml.org,2002:str'
_MAP_TAG = 'tag:yaml.org,2002:map'
_SEQ_TAG = 'tag:yaml.org,2002:seq'
_TRANSPORTS = ('docker-pullable://', 'docker://', 'containerd://', 'cri-o://')


class FileError(Exception):
    """A file that cannot be scanned (unreadable, not UTF-8, not YAML); line is 1-based or None."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line


# ---------------------------------------------------------------------------------------------------------------------
# References and their status

def _classify(text):
    """(status, normalised reference or None, message or None) of reference text found in a workload."""
    if text is None or text == '':
        return INVALID, None, 'empty image reference'
    if _TEMPLATED.search(text):
        return UNRESOLVED, None, 'templated (%s): the value is set when it is rendered' % text
    try:
        return RESOLVED, str(parse_reference(text)), None
    except InvalidReferenceError as exc:
        return INVALID, None, exc.message


def _reference(source, kind, workload, container, field, image, line=None, column=None, spans=None,
               status=None, message=None, parts=None):
    if status is None:
        status, reference, message = _classify(image)
    else:
        reference = None
    return {'source': source, 'line': line, 'column': column, 'kind': kind, 'workload': workload, 'container': container,
            'field': field, 'image': image, 'reference': reference, 'status': status, 'message': message,
            '_spans': spans or {}, '_parts': parts if parts is not None else {'image': image}}


def public(reference):
    """A reference without its private editing data."""
    return dict((key, reference.get(key)) for key in REFERENCE_FIELDS)


# ---------------------------------------------------------------------------------------------------------------------
# YAML nodes

def _get(node, key):
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value
    return None


def _items(node):
    """(key text, value node) of a mapping; keys that are not scalars are skipped."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(key.value, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)]


def _text(node):
    """The text of a scalar as written, None for null, missing or non-scalar nodes."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG:
        return None
    return node.value


def _position(node):
    mark = getattr(node, 'start_mark', None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _span(node, text):
    """(start, end) offsets of a scalar's value in text, None when it cannot be spliced safely.

    A plain scalar must read back exactly as its value; a quoted one between its quotes, without escapes
    (an escape would make the new value's quoting ours to get right). Block scalars are left alone.
    """
    mark, end_mark = getattr(node, 'start_mark', None), getattr(node, 'end_mark', None)
    if text is None or mark is None or end_mark is None or not isinstance(node, yaml.ScalarNode):
        return None
    # Measured back from the end: the start mark of an anchored or tagged node is its `&anchor` or `!tag`.
    end = end_mark.index
    if node.style in ("'", '"'):
        end -= 1
        if text[end:end + 1] != node.style or text[end - len(node.value) - 1:end - len(node.value)] != node.style:
            return None
    elif node.style:      # plain is None (PyYAML) or '' (libyaml)
        return None
    start = end - len(node.value)
    if start < mark.index or text[start:end] != node.value or '\\' in node.value or "'" in node.value:
        return None
    return (start, end)


def _label(obj):
    """Kind/namespace/name of a Kubernetes object (namespace left out when it has none)."""
    metadata = _get(obj, 'metadata')
    parts = [_text(_get(obj, 'kind')) or '?', _text(_get(metadata, 'namespace')), _text(_get(metadata, 'name')) or '?']
    return '/'.join(part for part in parts if part)


def _scalar_reference(ctx, kind, workload, container, field, node):
    line, column = _position(node)
    image = _text(node)
    return _reference(ctx['source'], kind, workload, container, field, image, line, column,
                      spans={'image': _span(node, ctx['text'])})


def _kubernetes(ctx, obj, path=''):
    """References of one Kubernetes object: every pod spec in it (any depth, so custom resources with pod templates
    count too) and, for pods, the image digests in status."""
    kind = _text(_get(obj, 'kind'))
    if kind and kind.endswith('List') and isinstance(_get(obj, 'items'), yaml.SequenceNode):
        found = []
        for index, item in enumerate(_get(obj, 'items').value):
            found += _kubernetes(ctx, item, '%sitems[%d].' % (path, index))
        return found
    workload = _label(obj)
    found = []

    def walk(node, where):
        for key, value in _items(node):
            if key == 'status' and where == path:
                continue
            if key in CONTAINER_LISTS and isinstance(value, yaml.SequenceNode):
                for index, container in enumerate(value.value):
                    image = _get(container, 'image')
                    if image is not None:
                        found.append(_scalar_reference(ctx, KIND_KUBERNETES, workload, _text(_get(container, 'name')),
                                                       '%s%s[%d].image' % (where, key, index), image))
            elif isinstance(value, (yaml.MappingNode, yaml.SequenceNode)):
                if isinstance(value, yaml.SequenceNode):
                    for index, item in enumerate(value.value):
                        walk(item, '%s%s[%d].' % (where, key, index))
                else:
                    walk(value, '%s%s.' % (where, key))

    walk(obj, path)
    found += _pod_status(ctx, obj, workload, path)
    return found


def image_id_reference(image_id):
    """(status, image text, message) of a container status' imageID in its several forms.

    ``docker-pullable://repo@sha256:...`` and ``repo@sha256:...`` name the manifest the node pulled; a bare
    ``sha256:...`` (or ``docker://sha256:...``) is the node's local image id, the digest of the image's config, which
    no registry can be asked about.
    """
    text = image_id or ''
    for prefix in _TRANSPORTS:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if not text:
        return INVALID, image_id, 'empty imageID'
    if '@' not in text and re.match(r'^(sha256|sha512):[0-9a-f]+$', text):
        return UNRESOLVED, text, 'a local image id (config digest), not a registry digest'
    status, _reference_text, message = _classify(text)
    if status == RESOLVED and '@' not in text:
        return INVALID, text, 'imageID %r carries no digest' % image_id
    return status, text, message


def _pod_status(ctx, obj, workload, path):
    found = []
    status = _get(obj, 'status')
    for key in STATUS_LISTS:
        statuses = _get(status, key)
        if not isinstance(statuses, yaml.SequenceNode):
            continue
        for index, entry in enumerate(statuses.value):
            node = _get(entry, 'imageID')
            image_id = _text(node)
            if not image_id:
                continue   # a container still waiting for its image
            state, text, message = image_id_reference(image_id)
            line, column = _position(node)
            reference = _reference(ctx['source'], KIND_POD_STATUS, workload, _text(_get(entry, 'name')),
                                   '%sstatus.%s[%d].imageID' % (path, key, index), text, line, column,
                                   status=None if state == RESOLVED else state, message=message)
            found.append(reference)
    return found


def _helm_map(ctx, node, field, workload):
    """An ``image: {registry, repository, tag, digest}`` map, as Helm charts (Bitnami's and most others) lay it out."""
    parts = dict((name, _text(_get(node, name))) for name in HELM_MAP_PARTS)
    name = '%s/%s' % (parts['registry'], parts['repository']) if parts['registry'] else parts['repository']
    image = (name or '') + (':' + parts['tag'] if parts['tag'] else '') + ('@' + parts['digest'] if parts['digest'] else '')
    spans = dict((part, _span(_get(node, part), ctx['text'])) for part in HELM_MAP_PARTS if _get(node, part) is not None)
    line, column = _position(node)
    if name and not parts['tag'] and not parts['digest']:
        return _reference(ctx['source'], KIND_HELM, workload, None, field, image, line, column, spans,
                          status=UNRESOLVED, message='no tag or digest: the chart decides (usually its appVersion)', parts=parts)
    return _reference(ctx['source'], KIND_HELM, workload, None, field, image, line, column, spans, parts=parts)


def _helm(ctx, node, where=''):
    """Every ``image`` key of a values file: a reference string, or a map with a repository."""
    found = []
    for key, value in _items(node):
        field = where + key
        if key == 'image' and isinstance(value, yaml.ScalarNode) and _text(value):
            # A list of containers in values (sidecars, extraContainers) names each one beside its image.
            found.append(_scalar_reference(ctx, KIND_HELM, where.rstrip('.') or None, _text(_get(node, 'name')), field, value))
        elif key == 'image' and isinstance(value, yaml.MappingNode) and _get(value, 'repository') is not None:
            found.append(_helm_map(ctx, value, field, where.rstrip('.') or None))
        elif isinstance(value, yaml.MappingNode):
            found += _helm(ctx, value, field + '.')
        elif isinstance(value, yaml.SequenceNode):
            for index, item in enumerate(value.value):
                found += _helm(ctx, item, '%s[%d].' % (field, index))
    return found


def _kustomize(ctx, doc):
    """Kustomize's ``images:`` overrides: the image named ``name`` in the resources becomes newName:newTag@digest."""
    found = []
    images = _get(doc, 'images')
    for index, entry in enumerate(images.value if isinstance(images, yaml.SequenceNode) else []):
        parts = dict((name, _text(_get(entry, name))) for name in KUSTOMIZE_PARTS)
        spans = dict((part, _span(_get(entry, part), ctx['text'])) for part in KUSTOMIZE_PARTS if _get(entry, part) is not None)
        name = parts['newName'] or parts['name']
        image = (name or '') + (':' + parts['newTag'] if parts['newTag'] else '') + ('@' + parts['digest'] if parts['digest'] else '')
        line, column = _position(entry)
        field = 'images[%d]' % index
        if name and not parts['newTag'] and not parts['digest']:
            found.append(_reference(ctx['source'], KIND_KUSTOMIZE, parts['name'], None, field, image, line, column, spans,
                                    status=UNRESOLVED, message='no newTag or digest: the tag comes from the resources',
                                    parts=parts))
        else:
            found.append(_reference(ctx['source'], KIND_KUSTOMIZE, parts['name'], None, field, image, line, column, spans,
                                    parts=parts))
    return found


def _compose(ctx, doc):
    found = []
    for service, definition in _items(_get(doc, 'services')):
        image = _get(definition, 'image')
        if image is not None:
            found.append(_scalar_reference(ctx, KIND_COMPOSE, service, service, 'services.%s.image' % service, image))
    return found


def _is_compose(source, doc):
    if _COMPOSE_NAME.search(os.path.basename(source)):
        return True
    services = _items(_get(doc, 'services'))
    return bool(services) and all(_get(value, 'image') is not None or _get(value, 'build') is not None for _key, value in services)


def _document(ctx, doc):
    basename = os.path.basename(ctx['source'])
    kind = _text(_get(doc, 'kind'))
    if basename in KUSTOMIZE_FILES or (kind in KUSTOMIZE_KINDS and _get(doc, 'apiVersion') is not None):
        return _kustomize(ctx, doc)
    if kind and _get(doc, 'apiVersion') is not None:
        return _kubernetes(ctx, doc)
    if _is_compose(ctx['source'], doc):
        return _compose(ctx, doc)
    return _helm(ctx, doc)


def compose_documents(text):
    """Every document of a YAML stream as nodes; FileError (with the line) when any part of it is not YAML."""
    try:
        return [doc for doc in yaml.compose_all(text, Loader=_LOADER) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None) or getattr(exc, 'context_mark', None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, 'problem', None) or str(exc)
        context, context_mark = getattr(exc, 'context', None), getattr(exc, 'context_mark', None)
        if context and context_mark is not None and context_mark.line + 1 != line:
            problem += ' (%s from line %d)' % (context, context_mark.line + 1)
        raise FileError('not valid YAML: %s' % problem, line)


def scan_yaml(source, text):
    """References of a YAML file (Kubernetes multi-document, kustomization, compose or Helm values), in file order."""
    ctx = {'source': source, 'text': text}
    found = []
    for doc in compose_documents(text):
        found += _document(ctx, doc)
    return sorted(found, key=lambda ref: (ref['line'] or 0, ref['column'] or 0))


# ---------------------------------------------------------------------------------------------------------------------
# Dockerfiles

def _instructions(text):
    """(physical line of its start, [(token, start offset, end offset)]) per instruction, continuations joined.

    Tokens are split on whitespace; a token broken by a line continuation gets offsets None (not editable).
    """
    escape = '\\'
    lines = text.splitlines(True)
    offsets, position = [], 0
    for line in lines:
        offsets.append(position)
        position += len(line)
    for line in lines:
        match = re.match(r'^#\s*escape\s*=\s*(\S)\s*$', line.strip())
        if match:
            escape = match.group(1)
        elif not re.match(r'^#\s*\w+\s*=', line.strip()):
            break
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if not stripped or stripped.startswith('#'):
            index += 1
            continue
        start_line, chars = index + 1, []
        while index < len(lines):
            body = lines[index].rstrip('\r\n')
            if lines[index].strip().startswith('#') and chars:
                index += 1
                continue
            continued = body.rstrip().endswith(escape)
            if continued:
                body = body.rstrip()[:-1]
            chars += [(char, offsets[index] + column) for column, char in enumerate(body)]
            chars.append((' ', None))
            index += 1
            if not continued:
                break
        yield start_line, _tokens(chars)


def _tokens(chars):
    tokens, current = [], []
    for char, offset in chars + [(' ', None)]:
        if char.isspace():
            if current:
                text = ''.join(c for c, _o in current)
                start, end = current[0][1], current[-1][1] + 1
                contiguous = end - start == len(current)
                tokens.append((text, start if contiguous else None, end if contiguous else None))
                current = []
        else:
            current.append((char, offset))
    return tokens


def _line_column(text, offset):
    line = text.count('\n', 0, offset) + 1
    return line, offset - (text.rfind('\n', 0, offset) + 1) + 1


def scan_dockerfile(source, text):
    """FROM (with --platform) and COPY --from image references of a Dockerfile; stages and ARG-built names unresolved."""
    found, stages, stage_index, workload = [], set(), -1, None
    for start_line, tokens in _instructions(text):
        if not tokens:
            continue
        instruction = tokens[0][0].upper()
        if instruction == 'FROM':
            stage_index += 1
            flags = [t for t in tokens[1:] if t[0].startswith('--')]
            rest = [t for t in tokens[1:] if not t[0].startswith('--')]
            if not rest:
                found.append(_reference(source, KIND_DOCKERFILE, 'stage %d' % stage_index, None, 'FROM', None, start_line, None,
                                        status=INVALID, message='FROM without an image'))
                continue
            name = rest[2][0] if len(rest) >= 3 and rest[1][0].upper() == 'AS' else None
            workload = 'stage %s' % (name or stage_index)
            field = ' '.join(['FROM'] + [t[0] for t in flags])
            if rest[0][0].lower() != 'scratch':     # an empty base, not an image
                found.append(_dockerfile_reference(source, text, workload, field, rest[0], stages))
            if name:
                stages.add(name.lower())
        elif instruction == 'COPY':
            for token in tokens[1:]:
                if token[0].startswith('--from='):
                    value = token[0][len('--from='):]
                    if value.isdigit() or value.lower() in stages:
                        continue     # an earlier stage of this build, not an image
                    start = token[1] + len('--from=') if token[1] is not None else None
                    found.append(_dockerfile_reference(source, text, workload, 'COPY --from',
                                                       (value, start, token[2]), stages))
    return found


def _dockerfile_reference(source, text, workload, field, token, stages):
    value, start, end = token
    line, column = _line_column(text, start) if start is not None else (None, None)
    spans = {'image': (start, end) if start is not None else None}
    if value.lower() in stages:
        return _reference(source, KIND_DOCKERFILE, workload, None, field, value, line, column, spans,
                          status=UNRESOLVED, message='stage %s of this Dockerfile' % value)
    if '$' in value:
        return _reference(source, KIND_DOCKERFILE, workload, None, field, value, line, column, spans,
                          status=UNRESOLVED, message='built from ARG values at build time (%s): not guessed' % value)
    return _reference(source, KIND_DOCKERFILE, workload, None, field, value, line, column, spans)


# ---------------------------------------------------------------------------------------------------------------------
# Files, folders, objects

def is_dockerfile(path):
    return bool(_DOCKERFILE_NAME.search(os.path.basename(path)))


def scan_text(source, text):
    """References of one file's text, by its kind (Dockerfile by name, YAML otherwise). FileError when unparsable."""
    if is_dockerfile(source):
        return scan_dockerfile(source, text)
    return scan_yaml(source, text)


def decode(data):
    """The text of a file's bytes; FileError naming the first bad line when it is not UTF-8."""
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise FileError('not UTF-8 text (byte %d): only UTF-8 files are scanned' % exc.start, data.count(b'\n', 0, exc.start) + 1)


def _excluded(path, exclude):
    return any(fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern) for pattern in exclude)


def expand_paths(paths, exclude=()):
    """(files, errors): the files named by paths (files, folders walked for YAML and Dockerfiles, or globs), sorted and
    once each; errors are {source, line, message} for paths that match nothing."""
    files, errors = set(), []
    for path in paths:
        matches = sorted(glob.glob(path, recursive=True)) if glob.has_magic(path) else [path]
        if not matches or not (glob.has_magic(path) or os.path.lexists(path)):
            errors.append({'source': path, 'line': None, 'message': 'no such file or folder, or nothing matches'})
            continue
        for match in matches:
            if os.path.isdir(match):
                for folder, dirs, names in os.walk(match):
                    dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
                    files.update(os.path.join(folder, name) for name in names
                                 if name.endswith(YAML_SUFFIXES) or is_dockerfile(name))
            else:
                files.add(match)
    return sorted(f for f in files if not _excluded(f, exclude)), errors


def read_file(path):
    """The text of a file; FileError when it cannot be read or is not UTF-8."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise FileError('cannot be read: %s' % (exc.strerror or exc))
    return decode(data)


def scan_file(path):
    """(references, error) of one file; error is {source, line, message} or None."""
    try:
        return scan_text(path, read_file(path)), None
    except FileError as exc:
        return [], {'source': path, 'line': exc.line, 'message': exc.message}


def _node(value):
    """YAML nodes (without positions) for plain data, so that live objects take the same path as files."""
    if isinstance(value, dict):
        return yaml.MappingNode(_MAP_TAG, [(_node(str(key)), _node(item)) for key, item in value.items()])
    if isinstance(value, (list, tuple)):
        return yaml.SequenceNode(_SEQ_TAG, [_node(item) for item in value])
    if value is None:
        return yaml.ScalarNode(_NULL_TAG, '')
    return yaml.ScalarNode(_STR_TAG, str(value))


def scan_objects(objects, source=LIVE):
    """References of live Kubernetes objects (plain data as the API returns them; List kinds are expanded)."""
    ctx = {'source': source, 'text': None}
    found = []
    for obj in objects or []:
        if isinstance(obj, dict):
            found += _kubernetes(ctx, _node(obj))
    return found


def errors_of(references, file_errors=()):
    """{source, line, message} of every file that could not be scanned and every invalid reference."""
    problems = list(file_errors)
    problems += [{'source': ref['source'], 'line': ref['line'], 'message': '%s: %s' % (ref['field'], ref['message'])}
                 for ref in references if ref['status'] == INVALID]
    return sorted(problems, key=lambda p: (p['source'], p['line'] or 0))
