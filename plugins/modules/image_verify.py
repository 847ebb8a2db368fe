#!/usr/bin/python
# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: image_verify
short_description: Verify converted container images at their destination (format, blobs, diff_ids, config)
version_added: 0.1.0
description:
  - For each destination image - it exists; it is in the target format (a destination still in Docker schema 1 is
    named as such); its config blob and every layer blob it references are present (HEAD requests) with the sizes the
    manifest gives; the config has one C(rootfs.diff_ids) entry per layer and as many non-empty history entries.
  - With O(deep=true) every layer is downloaded and decompressed as it streams, and its digest and diff_id are checked
    against the manifest and the config, as C(crane validate --remote) does.
  - With a source given, the destination's config must keep the source's C(Env), C(Cmd), C(Entrypoint), C(User),
    C(Labels), C(WorkingDir), architecture, os and history length (for Docker schema 1 sources, as found in their top
    C(v1Compatibility)). Manifest lists and OCI indexes are checked platform by platform.
  - With O(tools), each destination is also read with C(skopeo inspect --raw) and/or C(crane manifest), and what the
    tool prints is parsed as a manifest and must agree with what this module read from the registry API, in format
    (C(schemaVersion) and the top-level C(mediaType)) and digest.
  - Read-only. The task fails when any image has a problem, listing each bad image and why; RV(images) holds every result.
author:
  - imagefleet team (@imagefleet)
extends_documentation_fragment:
  - imagefleet.registry.attributes.read_only
  - imagefleet.registry.registry
options:
  images:
    description:
      - The images to verify - M(imagefleet.registry.image_convert) results (RV(imagefleet.registry.image_convert#module:images))
        or audit records as they are (other keys are ignored), or C({dest, src, target_format, dest_digest}).
      - C(dest) (required) - the destination reference. Without a tag, the tag of C(src) is used, as
        M(imagefleet.registry.image_convert) writes it (V(latest) without a source).
      - C(src) - the source it was converted from, to compare the semantic config with. Optional.
      - C(target_format) - V(v2s2) or V(oci), the format this destination must be in (defaults to O(format)).
        B(Deprecated) 0.1 form - an item without C(target_format) whose C(format) is V(v2s2) or V(oci) means the target
        format; with C(target_format) given, C(format) is the source's format and is not used here.
      - C(dest_digest) - the digest the conversion pushed; the destination must still be exactly that manifest. It is
        checked first and every other check still runs.
    type: list
    elements: dict
    required: true
  format:
    description:
      - The format destinations must be in. A manifest list or OCI index source must stay a list, of this format's
        flavour (V(v2s2) a Docker manifest list, V(oci) an OCI index).
    type: str
    choices: [v2s2, oci]
    default: v2s2
  deep:
    description:
      - Download every layer and check its digest and its diff_id (the sha256 of the uncompressed tar).
      - Costs a full read of every layer (each distinct layer once per task).
      - A layer whose download breaks off is read again (up to O(retries) times); one that keeps breaking is a problem
        of the images holding it, reported in RV(images) like any other.
    type: bool
    default: false
  fail_on_problems:
    description:
      - Fail the task when any image has a problem. With V(false), problems are only reported in RV(images).
    type: bool
    default: true
  parallel:
    description:
      - How many images are verified at the same time. Verifying is mostly waiting on registries (HEAD requests and
        small reads), so this is well above the CPU count.
    type: int
    default: 16
  tools:
    description:
      - Peer tools that must read each existing destination the way this module does. A tool that fails, prints
        something that is not a manifest, or reads another format or digest is a problem with that image, naming the tool.
      - The tools run on the host the task runs on and must be on its C(PATH); a missing one fails the task before any
        image is verified. The roles C(imagefleet.registry.skopeo) and C(imagefleet.registry.crane) install them
        (playbook C(imagefleet.registry.install_tools)).
      - They reach registries as this module does - TLS verified unless the registry is reached over plain HTTP, is
        in O(insecure_registries) or O(validate_certs=false) (C(skopeo --tls-verify=false), C(crane --insecure));
        O(ca_path) as skopeo's C(--cert-dir) and crane's C(SSL_CERT_FILE); the same credentials, in a private auth file
        that is removed afterwards (never on the command line). O(timeout) and O(retries) apply to skopeo only.
    type: list
    elements: str
    choices: [skopeo, crane]
    default: []
notes:
  - The result's C(invocation.module_args) gives O(images) as its number of items, not the items, which would all travel
    back to the controller.
seealso:
  - module: imagefleet.registry.image_convert
  - module: imagefleet.registry.image_manifest_info
'''

EXAMPLES = r'''
- name: Verify conversions, comparing each with its source
  imagefleet.registry.image_verify:
    images:
      - src: old.example.com/team/app:1
        dest: new.example.com/team/app:1
      - src: old.example.com/team/api:2
        dest: new.example.com/team/api:2
        target_format: oci

- name: Re-hash every layer of what image_convert pushed, report without failing
  imagefleet.registry.image_verify:
    images: "{{ converted.images | rejectattr('failed') | list }}"
    deep: true
    fail_on_problems: false
  register: verified

- name: Cross-check every destination with skopeo and crane as well
  imagefleet.registry.image_verify:
    images:
      - dest: new.example.com/team/app:1
    tools: [skopeo, crane]

- name: The bad ones, one line per problem
  ansible.builtin.debug:
    msg: "{{ verified.summary.bad }} of {{ verified.summary.verified }} bad: {{ verified.problems }}"
'''

RETURN = r'''
images:
  description: One result per image, in order.
  returned: always
  type: list
  elements: dict
  contains:
    reference:
      description: The destination reference as given.
      type: str
    src:
      description: The source compared with, if any.
      type: str
    ok:
      description: Whether the image has no problem.
      type: bool
    format:
      description: The destination's format (null when it does not exist).
      type: str
    digest:
      description: The destination's manifest digest.
      type: str
    problems:
      description: What is wrong, one sentence each (empty when RV(images[].ok)).
      type: list
      elements: str
      sample: ["is still Docker schema 1 (v2s1), not v2s2"]
    layers_checked:
      description: Layer blobs checked for presence.
      type: int
    layers_rehashed:
      description: Layers whose diff_id was recomputed (with O(deep=true)).
      type: int
    tools:
      description:
        - What each tool of O(tools) read, by tool name (empty without O(tools), and for a tool that failed).
      type: dict
      sample:
        skopeo: {format: v2s2, digest: "sha256:6c3c...", schema_version: 2,
                 media_type: application/vnd.docker.distribution.manifest.v2+json}
summary:
  description: Counts - C(verified) (images verified), C(ok) and C(bad).
  returned: always
  type: dict
  sample: {verified: 10, ok: 9, bad: 1}
problems:
  description: "Every problem of every image, one line each, C(<dest>: <problem>), with anything a registry sent escaped."
  returned: always
  type: list
  elements: str
  sample: ["registry.example.com/app:1: is still Docker schema 1 (v2s1), not v2s2"]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.imagefleet.registry.plugins.module_utils._module import require_libraries, run_module
from ansible_collections.imagefleet.registry.plugins.module_utils._verification.peer_tools import TOOLS, PeerTools, find_tools
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import Registries, RegistryOptions, registry_argspec
from ansible_collections.imagefleet.registry.plugins.module_utils._verification.verifier import failure_message, verify_all


def peer_tools(module, registries):
    """The PeerTools for O(tools), or None; fails first when a tool is not installed."""
    if not module.params['tools']:
        return None
    paths = find_tools(module.params['tools'], module.get_bin_path)

    def run(argv, environ):
        rc, out, err = module.run_command(argv, environ_update=environ, encoding=None)
        return rc, out, err.decode('utf-8', 'replace')

    return PeerTools(paths, registries, module.params, run, module.tmpdir, hide=module.no_log_values.add)


def verify(module):
    params = module.params
    registries = Registries(RegistryOptions.from_params(params))
    try:
        peers = peer_tools(module, registries)
        images, summary, problems = verify_all(registries, params['images'], params['format'], params['deep'], params['parallel'],
                                               peers=peers)
    finally:
        registries.close()
    result = {'changed': False, 'images': images, 'summary': summary, 'problems': problems}
    if summary['bad'] and params['fail_on_problems']:
        result.update(failed=True, msg=failure_message(images))
    return result


def main():
    module = AnsibleModule(
        argument_spec=registry_argspec(
            # Results and records carry more keys than verifying reads: items are checked by parse_items.
            images=dict(type='list', elements='dict', required=True),
            format=dict(type='str', choices=['v2s2', 'oci'], default='v2s2'),
            deep=dict(type='bool', default=False),
            fail_on_problems=dict(type='bool', default=True),
            parallel=dict(type='int', default=16),
            tools=dict(type='list', elements='str', choices=list(TOOLS), default=[]),
        ),
        supports_check_mode=True,
    )
    require_libraries(module)
    run_module(module, verify, bulky=('images',))


if __name__ == '__main__':
    main()
