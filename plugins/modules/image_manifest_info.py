#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: image_manifest_info
short_description: Tell what manifest format container images are in (Docker schema 1, v2s2, OCI, lists)
version_added: 0.1.0
description:
  - Reads the manifest of each image from its registry over the registry HTTP API, asking for every manifest media
    type so that nothing is down-converted, and reports its format, canonical digest, layers, config and platforms.
  - Finds the Docker schema 1 images that containerd 2.0 and Docker Engine 26 refuse to pull.
  - Read-only. An image that does not exist is reported with RV(images[].exists=false), not as a failure.
  - Other errors (a registry that cannot be reached, refused credentials, a malformed manifest) fail the task, unless
    O(on_error=report) turns them into entries with RV(images[].exists=null) and RV(images[].error).
extends_documentation_fragment:
  - imagefleet.registry.attributes.read_only
  - imagefleet.registry.registry
options:
  image:
    description:
      - One image reference, for example V(registry.example.com/team/app:1.2), V(nginx) or
        V(127.0.0.1:5000/app@sha256:...).
      - Short names are normalised as Docker does (V(nginx) is V(docker.io/library/nginx:latest)).
      - Mutually exclusive with O(images) and O(plan).
    type: str
  images:
    description:
      - A list of image references, inspected concurrently. Mutually exclusive with O(image) and O(plan).
    type: list
    elements: str
  plan:
    description:
      - A migration plan to audit instead of a list of images - one entry per image, with C(src), C(dest) (optional; a
        destination without a tag takes the source's) and C(format), the target format (default O(format)). This is
        the plan the C(migrate.yml) and C(audit.yml) playbooks build from C(imagefleet_images), C(imagefleet_sources)
        rules or an image inventory.
      - Reads every source and destination once (tags of one image that O(known) describes, once per image) and
        returns RV(records), one per image joining its source with its destination, and RV(summary), their counts,
        instead of RV(images).
      - Every entry is checked before the first request; a malformed one fails the task naming its position.
      - Mutually exclusive with O(image) and O(images).
    type: list
    elements: dict
    version_added: 0.2.0
  known:
    description:
      - With O(plan), facts of sources already read, shaped as RV(images) (for example C(known) of the
        P(imagefleet.registry.fleet_images#filter) filter, from an image inventory); their manifests are not read
        again.
    type: list
    elements: dict
    version_added: 0.2.0
  format:
    description:
      - With O(plan), the target format of entries that do not give theirs, which tells whether a destination is
        already converted.
    type: str
    choices: [v2s2, oci]
    default: v2s2
    version_added: 0.2.0
  parallel:
    description:
      - How many images are inspected at the same time. Reading a manifest mostly waits on the registry, so this is well
        above the CPU count, as in M(imagefleet.registry.image_convert); O(max_connections) bounds the requests in flight
        to any one registry.
    type: int
    default: 16
  on_error:
    description:
      - What an error reading one image does (a registry that cannot be reached after its retries, refused
        credentials, a malformed manifest).
      - V(fail) fails the task with that error.
      - V(report) reports the image with RV(images[].exists=null) and the message in RV(images[].error), and goes on
        with the others; for audits that must cover what can be read even when some registries are gone.
      - A malformed reference fails the task either way, and a missing image is never an error
        (RV(images[].exists=false)).
    type: str
    choices: [fail, report]
    default: fail
  details:
    description:
      - Also read what the manifest does not say, for reports that weigh and date images - the size of each schema 1
        layer (one C(HEAD) per distinct layer) and the C(created) time of v2s2 and OCI images (one small C(GET) of each
        distinct config blob).
    type: bool
    default: false
  manifest_cache:
    description:
      - A folder (created when missing, mode 0700) to file every manifest read in, by digest, for
        M(imagefleet.registry.image_convert) with the same O(imagefleet.registry.image_convert#module:manifest_cache)
        later in the run, so that a source is read once (C(migrate.yml) gives both modules its
        C(imagefleet_manifest_cache)). A manifest already filed is not written again; the folder may be deleted at
        any time.
      - Before reading, this module removes the folder's manifest files not filed or read again for 7 days (only
        files it names itself, never anything else in the folder), so the folder holds what recent runs read.
      - Manifests are not secret but may tell what a private repository holds; the files are readable by this user
        only. A folder that cannot be created or written is warned about, and the manifests are not filed.
    type: path
    version_added: 0.2.0
notes:
  - A malformed reference fails the task before any request is sent, naming the reference.
  - Schema 1 digests are computed over the signed payload, as registries do, so they equal the registry's
    C(Docker-Content-Digest) although the registry re-signs the manifest on every request.
  - The result's C(invocation.module_args) gives O(images), O(plan) and O(known) as their numbers of items, not the
    items, which would all travel back to the controller.
author:
  - imagefleet team (@imagefleet)
'''

EXAMPLES = r'''
- name: Which format is this image in?
  imagefleet.registry.image_manifest_info:
    image: registry.example.com/legacy/app:1.0
  register: info

- name: Fail when it is Docker schema 1
  ansible.builtin.assert:
    that: info.images[0].format != 'v2s1'
    fail_msg: "{{ info.images[0].reference }} is schema 1; containerd 2.0 will refuse it"

- name: Audit a list of images with credentials per registry
  imagefleet.registry.image_manifest_info:
    images:
      - registry.example.com/team/app:1.0
      - mirror.example.net:5000/team/app:1.0
    registry_credentials:
      - registry: registry.example.com
        username: auditor
        password: "{{ vault_registry_password }}"
    parallel: 16
  register: audit

- name: List the schema 1 ones
  ansible.builtin.debug:
    msg: "{{ audit.images | selectattr('format', 'equalto', 'v2s1') | map(attribute='reference') | list }}"

- name: Audit images of several registries, some of which may be gone
  imagefleet.registry.image_manifest_info:
    images: "{{ fleet_images }}"
    on_error: report
  register: fleet_audit

- name: The images that could not be read, and why
  ansible.builtin.debug:
    msg: "{{ fleet_audit.images | selectattr('error', 'defined') | items2dict(key_name='reference', value_name='error') }}"

- name: Audit a migration plan - every source and destination, joined into one record per image
  imagefleet.registry.image_manifest_info:
    plan:
      - src: registry.example.com/legacy/app:1.0
        dest: registry.example.com/converted/legacy/app:1.0
      - src: registry.example.com/legacy/web:2
        dest: registry.example.com/converted/legacy/web:2
        format: oci
    details: true
  register: planned

- name: What the audit found, and what still needs converting
  ansible.builtin.debug:
    msg:
      - "{{ planned.summary.line }}"
      - "{{ planned.records | selectattr('needs_conversion') | map(attribute='src') | list }}"
'''

RETURN = r'''
images:
  description: One entry per requested reference, in the order given.
  returned: with O(image) or O(images)
  type: list
  elements: dict
  contains:
    reference:
      description: The reference, normalised (registry, repository, tag and/or digest).
      type: str
      sample: 127.0.0.1:5000/legacy/app:1
    registry:
      description: Registry host as written in the reference (V(docker.io) for Docker Hub).
      type: str
    repository:
      description: Repository path.
      type: str
    tag:
      description: Tag, if the reference has one.
      type: str
    exists:
      description:
        - Whether the registry has this manifest. When false, the other facts below are absent.
        - V(null) when it could not be told because of an error (only with O(on_error=report)); see RV(images[].error).
      type: bool
    error:
      description: Why the image could not be read.
      returned: with O(on_error=report), for an image that could not be read
      type: str
      sample: 'registry 127.0.0.1:1: cannot connect (tried 1 times): connection refused'
    digest:
      description: Canonical digest (for schema 1, over the payload with signatures stripped).
      type: str
      sample: sha256:4b1f...
    image_key:
      description:
        - The identity of the image's content across tags; tags with the same key are the same image, converted once.
        - For Docker schema 1, the SHA-256 digest (V(sha256:...)) of the manifest without C(name), C(tag) and
          C(signatures), serialised canonically (sorted keys, no spaces); tags of one schema 1 image differ in digest,
          as each manifest names its tag, but share this key. For every other format, the manifest digest.
      type: str
      sample: 'sha256:9c2e...'
      version_added: 0.2.0
    media_type:
      description: Manifest media type as the registry sent it in C(Content-Type).
      type: str
    schema_version:
      description: The manifest's C(schemaVersion).
      type: int
    format:
      description: Manifest format, from its content.
      type: str
      choices: [v2s1, v2s2, oci, v2s2_list, oci_index]
    size:
      description: Manifest size in bytes as received.
      type: int
    signed:
      description: Whether a schema 1 manifest carries signatures (always false for other formats).
      type: bool
    architecture:
      description: The schema 1 manifest's architecture field.
      type: str
      returned: when format is v2s1
    layers:
      description:
        - Layers, base first, each with C(digest), C(size) and C(media_type).
        - For schema 1 they come from C(fsLayers) (media types unknown, sizes unknown unless O(details=true)) with a
          C(throwaway) flag marking history-only entries.
      type: list
      elements: dict
    created:
      description:
        - When the image was built (RFC 3339), for reports of how old images are.
        - For schema 1, the C(created) of its top history entry; for v2s2 and OCI, from its config, with O(details=true)
          only. Null when unknown, and for lists.
      type: str
    config:
      description: Config descriptor (C(digest), C(size), C(media_type)); null for schema 1 and lists.
      type: dict
    platforms:
      description: For lists and indexes, each child's C(digest), C(size), C(media_type) and C(platform).
      type: list
      elements: dict
records:
  description:
    - With O(plan), one record per planned image (an entry planned twice appears once), in plan order, joining the
      source with its destination; the records of the P(imagefleet.registry.audit_records#filter) filter, which
      documents every field.
  returned: with O(plan)
  type: list
  elements: dict
  contains:
    src:
      description: The source, normalised.
      type: str
    dest:
      description: The destination with its tag, or null when the plan gives none.
      type: str
    target_format:
      description: The format the destination is to be in.
      type: str
    registry:
      description: The source's registry.
      type: str
    repository:
      description: The source's repository.
      type: str
    tag:
      description: The source's tag, if it has one.
      type: str
    exists:
      description: Whether the source exists.
      type: bool
    format:
      description: The source's format.
      type: str
    digest:
      description: The source's digest.
      type: str
    image_key:
      description: The identity of the source's content across tags (see RV(images[].image_key)).
      type: str
    dest_exists:
      description: Whether the destination exists.
      type: bool
    dest_format:
      description: The destination's format, when it exists.
      type: str
    dest_digest:
      description: The destination's digest, when it exists.
      type: str
    status:
      description: V(done) when the destination is in the target format already.
      type: str
      choices: [needs_conversion, done, missing_source, no_destination]
    needs_conversion:
      description: Whether the image is to convert.
      type: bool
    legacy:
      description: Whether the source is Docker schema 1, or a list or index with schema 1 children.
      type: bool
    created:
      description: When a legacy source was built (from its schema 1 history); null for other sources.
      type: str
    layers:
      description: The source's layers, each C(digest) and C(size) as far as known.
      type: list
      elements: dict
  sample:
    - src: 127.0.0.1:5000/legacy/app:1
      dest: 127.0.0.1:5000/converted/legacy/app:1
      target_format: v2s2
      registry: 127.0.0.1:5000
      repository: legacy/app
      tag: '1'
      exists: true
      format: v2s1
      digest: sha256:4b1f...
      image_key: sha256:9c2e...
      dest_exists: false
      dest_format: null
      dest_digest: null
      status: needs_conversion
      needs_conversion: true
      legacy: true
      created: '2016-05-04T10:11:12Z'
      layers: [{digest: 'sha256:a3ed...', size: 32}]
  version_added: 0.2.0
summary:
  description:
    - With O(plan), the counts of RV(records) and C(line), the C(audit:) line the playbooks print; as the
      P(imagefleet.registry.audit_summary#filter) filter gives them.
  returned: with O(plan)
  type: dict
  contains:
    images:
      description: Records.
      type: int
    registries:
      description: Distinct source registries.
      type: int
    formats:
      description: C([format, tags]) of the sources found, by format name.
      type: list
      elements: list
    missing:
      description: Sources not found.
      type: int
    to_convert:
      description: Records that need conversion.
      type: int
    done:
      description: Destinations already in the target format.
      type: int
    line:
      description: The counts as one line.
      type: str
      sample: "audit: 13 images in 1 registries; 1 oci, 9 v2s1, 1 v2s2, 0 missing; 11 to convert, 0 already converted"
  version_added: 0.2.0
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.imagefleet.registry.plugins.module_utils._audit.image_info import ON_ERROR_FAIL, ON_ERROR_REPORT, inspect_images
from ansible_collections.imagefleet.registry.plugins.module_utils._audit.records import audit_plan
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.plan import TARGET_FORMATS
from ansible_collections.imagefleet.registry.plugins.module_utils._module import require_libraries, run_module
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import open_cache
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries, RegistryOptions, registry_argspec


def inspect(module):
    params = module.params
    manifests = open_cache(params['manifest_cache'], module.warn, writer=True)
    registries = Registries(RegistryOptions.from_params(params))
    reading = (params['parallel'], params['on_error'], params['details'], manifests)
    try:
        if params['plan'] is not None:
            records, summary = audit_plan(registries, params['plan'], params['known'], params['format'], *reading)
            return {'changed': False, 'records': records, 'summary': summary}
        texts = [params['image']] if params['image'] is not None else params['images']
        return {'changed': False, 'images': inspect_images(registries, texts, *reading)}
    finally:
        registries.close()


def main(module_class=AnsibleModule):
    # module_class: ControllerModule when the action plugin runs this in its worker process (plugin_utils/_in_process.py).
    module = module_class(
        argument_spec=registry_argspec(
            image=dict(type='str'),
            images=dict(type='list', elements='str'),
            plan=dict(type='list', elements='dict'),
            known=dict(type='list', elements='dict'),
            format=dict(type='str', default=TARGET_FORMATS[0], choices=list(TARGET_FORMATS)),
            parallel=dict(type='int', default=16),
            on_error=dict(type='str', default=ON_ERROR_FAIL, choices=[ON_ERROR_FAIL, ON_ERROR_REPORT]),
            details=dict(type='bool', default=False),
            manifest_cache=dict(type='path'),
        ),
        mutually_exclusive=[('image', 'images', 'plan')],
        required_one_of=[('image', 'images', 'plan')],
        required_by={'known': 'plan'},
        supports_check_mode=True,
    )
    require_libraries(module)
    run_module(module, inspect, bulky=('images', 'plan', 'known'))


if __name__ == '__main__':
    main()
