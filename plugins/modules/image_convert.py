#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: image_convert
short_description: Convert container images between manifest formats, registry to registry (schema 1 to v2s2 or OCI, and more)
version_added: 0.1.0
description:
  - Converts an image from its source reference to a destination reference in another manifest format, speaking the
    registry HTTP API directly. The result equals C(skopeo copy --format v2s2|oci) of the same source in layer digests,
    C(rootfs.diff_ids), history, config, architecture and os.
  - Conversions - Docker schema 1 (v2s1) to Docker v2s2 or OCI; v2s2 to OCI; OCI to v2s2; Docker manifest lists to OCI
    indexes and back (every child converted, the list rewritten). A source already in the asked format is copied as is
    (same digest).
  - Idempotent - when the destination already holds the conversion of the source, nothing is transferred and the task
    reports C(changed=false); the check costs a few manifest and config requests, not a layer download, because
    diff_ids are reused from the destination's own config.
  - Safe - the source is never modified. A destination tag that holds anything else is left alone and the image fails
    with both digests named, unless O(force=true). Every blob read is verified against its digest, no manifest is
    pushed before every blob it references is present at the destination, and the registry must confirm the pushed
    manifest's digest (in its answer to the push; a registry that does not send it is read back).
  - Fast - layers stream from source to destination and are never held in memory; diff_ids are computed while bytes
    pass and once per compressed digest per task; blobs already at the destination are skipped, blobs in another
    repository of the same registry are mounted; blobs and images move concurrently. Given audit records, a schema 1
    image converted within one registry costs 9 requests (7 in place), and each further tag of an image already
    converted in the same call costs 2.
author:
  - imagefleet team (@imagefleet)
extends_documentation_fragment:
  - imagefleet.registry.registry
attributes:
  check_mode:
    support: full
    description:
      - Writes nothing. Reports which images would change; RV(dest_digest) is predicted when it can be computed,
        which may read (never write) layers.
  diff_mode:
    support: full
    description: Shows the destination's C(format) and C(digest) before and after.
  idempotent:
    support: full
    description: A destination that already holds the conversion of its source is left alone and reported unchanged.
options:
  src:
    description:
      - Source image reference. Required unless O(images) is given.
    type: str
  dest:
    description:
      - Destination image reference (with a tag; without one, the source's tag is used).
      - May equal O(src) for an in-place conversion; set O(backup_tag) to keep the old manifest reachable.
    type: str
  format:
    description:
      - Target format, and the default of C(target_format) in O(images). For a manifest list or OCI index source, V(v2s2)
        means a Docker manifest list of v2s2 images and V(oci) an OCI index of OCI images.
    type: str
    choices: [v2s2, oci]
    default: v2s2
  force:
    description:
      - Replace a destination tag that holds something other than the conversion of the source.
    type: bool
    default: false
  backup_tag:
    description:
      - Before replacing an existing destination manifest, push it again under this tag in the destination repository.
      - An existing backup tag holding something else is never overwritten unless O(force=true).
    type: str
  images:
    description:
      - A batch of conversions. Each item is an audit record as the P(imagefleet.registry.audit_records#filter) filter
        makes them (other keys of a record are ignored), or the short form C({src, dest, target_format}).
      - C(src) and C(dest) (required) - source and destination references; a destination without a tag takes the
        source's.
      - C(target_format) - V(v2s2) or V(oci), defaulting to O(format). With C(target_format) given, C(format) is the
        source's audited format. B(Deprecated) 0.1 form - an item without C(target_format) whose C(format) is V(v2s2) or
        V(oci) means the target format; it still works and will be removed in a later major release.
      - C(force) and C(backup_tag) - per image, defaulting to O(force) and O(backup_tag).
      - What the audit found is trusted instead of asking the registry again - C(digest) (the source's; a source that
        changed since is refused, naming both digests, unless its manifest comes from O(manifest_cache)), C(image_key),
        C(dest_exists), C(dest_digest), C(dest_format).
        With C(digest), C(format), C(dest_exists) (and C(dest_format) when it exists) known, check mode sends no request
        at all and answers as the audit does. The trust has a window - a destination tag someone else writes between
        the audit and the conversion is not seen; leave C(dest_exists) out (the short form) to have each destination
        read again just before it is written.
      - Tags that share an image (audit records with the same C(image_key), else the same C(digest), and the same
        target format; C(dest_exists) known; no C(backup_tag)) convert once; every other tag gets the converted manifest
        with one HEAD of its source (none with O(manifest_cache)) and one manifest PUT (after mounting the blobs when
        its destination repository differs), and its result names the
        tag it reused in C(linked_from).
      - Images convert concurrently (O(parallel)); one failing image does not stop the others. The task fails at the
        end if any failed, naming them, and RV(images) holds every image's result.
    type: list
    elements: dict
  parallel:
    description:
      - How many images of O(images) convert at the same time. A conversion mostly waits on registries (round trips,
        their own CPU), so this is well above the CPU count - measured on 50 schema 1 images with 20 ms per request,
        16 at a time took 2.3 s against 3.0 s for 8 and 3.9 s for 4, and 32 gained nothing.
      - Connections to each registry are pooled, O(parallel) times O(blob_parallel) of them.
    type: int
    default: 16
  blob_parallel:
    description:
      - How many blobs of one image move at the same time.
    type: int
    default: 4
  manifest_cache:
    description:
      - The folder where M(imagefleet.registry.image_manifest_info) filed the manifests it read
        (its O(imagefleet.registry.image_manifest_info#module:manifest_cache)), so that a source is read once per run.
      - An item whose audited C(digest) is filed there converts that copy, checked against the digest (a file that
        does not match is ignored and the source read), without reading its source tag again - the conversion is of
        the image the audit saw, even if the tag moved since (its result's C(src_digest) says which), and tags linked to
        it cost no HEAD of their source. A folder that cannot be used is warned about, and every source is read.
    type: path
    version_added: 0.2.0
notes:
  - Source and destination may need different credentials; give them per registry with O(registry_credentials),
    or through the Docker config file.
  - A schema 1 image converts to the same config bytes, and so the same digest, as C(skopeo copy --format) gives. For
    images pushed by docker before 1.8.3 (2015) that means the config is re-encoded as skopeo does, keeping only the
    fields Docker's image config knows; empty optional ones (C(ExposedPorts) set to null, C(MacAddress), ...) are dropped.
  - A schema 1 image whose top layer configuration has a field of the wrong type (for example C(Env) as a string) is
    refused naming the field, as skopeo refuses it.
  - The result's C(invocation.module_args) gives O(images) as its number of items, not the items, which would all travel
    back to the controller.
seealso:
  - module: imagefleet.registry.image_manifest_info
'''

EXAMPLES = r'''
- name: Convert a schema 1 image to Docker v2s2 in another repository
  imagefleet.registry.image_convert:
    src: registry.example.com/legacy/app:1.0
    dest: registry.example.com/converted/app:1.0
  register: converted

- name: Rewrite digest-pinned references with the new digest
  ansible.builtin.debug:
    msg: "{{ converted.src }}@{{ converted.src_digest }} is now {{ converted.dest }}"

- name: Convert in place to OCI, keeping the old manifest under a backup tag
  imagefleet.registry.image_convert:
    src: registry.example.com/legacy/app:1.0
    dest: registry.example.com/legacy/app:1.0
    format: oci
    backup_tag: 1.0-schema1

- name: A batch across registries, as planned ({src, dest, target_format})
  imagefleet.registry.image_convert:
    images:
      - src: old.example.com/team/api:2
        dest: new.example.com/team/api:2
        target_format: v2s2
      - src: old.example.com/team/web:7
        dest: new.example.com/team/web:7
        target_format: oci
    parallel: 16
  register: batch

- name: Convert what an audit found, trusting what it knows (records from the audit_records filter)
  imagefleet.registry.image_convert:
    images: "{{ records | selectattr('needs_conversion') | list }}"
  register: batch

- name: Print the failures without a loop
  ansible.builtin.debug:
    msg: "{{ batch.summary.converted }} converted, {{ batch.summary.linked }} linked; failed: {{ batch.failures }}"

- name: What would change (writes nothing)
  imagefleet.registry.image_convert:
    src: registry.example.com/legacy/app:1.0
    dest: registry.example.com/converted/app:1.0
  check_mode: true
  diff: true
'''

RETURN = r'''
src:
  description: Source reference (single-image form).
  returned: when O(src) is given
  type: str
src_digest:
  description: Canonical digest of the source manifest.
  returned: when O(src) is given
  type: str
src_format:
  description: Source format (V(v2s1), V(v2s2), V(oci), V(v2s2_list), V(oci_index)).
  returned: when O(src) is given
  type: str
dest:
  description: Destination reference, with its tag (never with a digest; the digest is RV(dest_digest)).
  returned: when O(src) is given
  type: str
  sample: registry.example.com/converted/app:1.0
dest_digest:
  description:
    - Digest of the destination manifest, for rewriting digest-pinned references (predicted in check mode; null when
      it cannot be predicted without reading layers).
  returned: when O(src) is given
  type: str
dest_format:
  description: Destination format.
  returned: when O(src) is given
  type: str
target_format:
  description: The target format asked for.
  returned: when O(src) is given
  type: str
verified:
  description:
    - Whether this run confirmed the destination - every blob the pushed manifest references was confirmed present
      there (by the answer to its mount or upload, or a HEAD) and the registry confirmed the pushed manifest's digest.
    - False when nothing was pushed (unchanged, check mode) or the image failed.
  returned: when O(src) is given
  type: bool
linked_from:
  description: The source whose conversion this image reused (another tag of the same image), else null.
  returned: when O(src) is given
  type: str
backup:
  description: Reference the replaced manifest was kept under, if any.
  returned: when O(src) is given
  type: str
blobs_uploaded:
  description: Blobs streamed to the destination (0 in check mode, which moves nothing).
  returned: always
  type: int
blobs_mounted:
  description: Blobs mounted from another repository of the same registry.
  returned: always
  type: int
blobs_skipped:
  description: Blobs already present at the destination.
  returned: always
  type: int
bytes_uploaded:
  description: Bytes sent to destinations.
  returned: always
  type: int
bytes_read:
  description: Bytes read from registries to copy blobs or compute diff_ids.
  returned: always
  type: int
images:
  description:
    - One result per image, in order, each with C(src), C(dest), C(src_digest), C(src_format), C(dest_digest),
      C(dest_format), C(target_format), C(changed), C(failed), C(verified), C(linked_from), C(backup) and the blob and byte
      counters as above; a failed image has C(msg) and C(error_type), and null digests it could not learn.
    - C(layers) - the layers of the image pushed or found at the destination, base first, each C({digest, size}); they
      give the sizes a schema 1 source does not state, for reports that weigh images (the layer digests are the
      source's). Null for a list or index, a failed image, a check-mode prediction that read no layer, and a tag linked
      to another tag's conversion (the result of the tag named in C(linked_from) lists them).
  returned: always
  type: list
  elements: dict
summary:
  description:
    - Counts over all images - C(images), C(converted), C(unchanged), C(failed), C(linked) (tags that reused the
      conversion of another tag), and the blob and byte counters.
  returned: always
  type: dict
  sample: {images: 53, converted: 53, unchanged: 0, failed: 0, linked: 52, blobs_uploaded: 0, blobs_mounted: 3,
           blobs_skipped: 2, bytes_uploaded: 0, bytes_read: 4194304}
failures:
  description: "One line per failed image, C(<src>: <why>), with anything the registry sent escaped."
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.batch import COUNTERS, convert_all, parse_requests
from ansible_collections.imagefleet.registry.plugins.module_utils._escape import printable
from ansible_collections.imagefleet.registry.plugins.module_utils._module import require_libraries, run_module
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import open_cache
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries, RegistryOptions, registry_argspec

_FORMATS = ['v2s2', 'oci']
_SINGLE_FIELDS = ('src', 'src_digest', 'src_format', 'dest', 'dest_digest', 'dest_format', 'target_format', 'verified',
                  'linked_from', 'backup')


def convert(module):
    params = module.params
    defaults = dict((key, params[key]) for key in ('format', 'force', 'backup_tag'))
    items = params['images'] if params['images'] is not None else [{'src': params['src'], 'dest': params['dest']}]
    requests = parse_requests(items, defaults)
    manifests = open_cache(params['manifest_cache'], module.warn)
    registries = Registries(RegistryOptions.from_params(params))
    try:
        images, summary = convert_all(registries, requests, params['parallel'], params['blob_parallel'], module.check_mode,
                                      raise_errors=params['images'] is None, manifests=manifests)
    finally:
        registries.close()

    failures = [printable('%s: %s' % (image['src'], image['msg'])) for image in images if image['failed']]
    result = dict(changed=summary['converted'] > 0, images=images, summary=summary, failures=failures)
    result.update((key, summary[key]) for key in COUNTERS)
    if params['images'] is None and not images[0]['failed']:
        result.update((key, images[0][key]) for key in _SINGLE_FIELDS)
    if module._diff:
        result['diff'] = {
            'before': dict((r['dest'], (r.get('diff') or {}).get('before')) for r in images),
            'after': dict((r['dest'], (r.get('diff') or {}).get('after')) for r in images),
        }
    for image in images:
        image.pop('diff', None)
    if failures:
        result['msg'] = '%d of %d images failed: %s' % (len(failures), len(images), '; '.join(failures))
        result['failed'] = True
    return result


def main(module_class=AnsibleModule):
    # module_class: ControllerModule when the action plugin runs this in its worker process (plugin_utils/_in_process.py).
    module = module_class(
        argument_spec=registry_argspec(
            src=dict(type='str'),
            dest=dict(type='str'),
            format=dict(type='str', choices=_FORMATS, default='v2s2'),
            force=dict(type='bool', default=False),
            backup_tag=dict(type='str'),
            # Audit records carry more keys than a conversion reads: items are checked by parse_requests.
            images=dict(type='list', elements='dict'),
            parallel=dict(type='int', default=16),
            blob_parallel=dict(type='int', default=4),
            manifest_cache=dict(type='path'),
        ),
        mutually_exclusive=[('src', 'images'), ('dest', 'images')],
        required_one_of=[('src', 'images')],
        required_together=[('src', 'dest')],
        supports_check_mode=True,
    )
    require_libraries(module)
    run_module(module, convert, bulky=('images',))


if __name__ == '__main__':
    main()
