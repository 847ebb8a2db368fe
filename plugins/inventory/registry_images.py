# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: registry_images
short_description: Container images in registries as inventory hosts, grouped by manifest format
version_added: 0.1.0
description:
  - Walks the catalogs and tag lists of one or more registries over the registry HTTP API and makes every
    selected image tag a host, with many requests in flight. Host names are usable in host patterns
    (C(--limit), C(ansible-inventory --host)) - C(127.0.0.1_5000/legacy/app/1) for V(127.0.0.1:5000/legacy/app:1),
    see O(host_names); the reference itself is C(imagefleet_ref).
  - Each host carries the facts of its manifest as C(imagefleet_*) host variables and joins one group per
    manifest format (C(format_v2s1), C(format_v2s2), C(format_oci), C(format_v2s2_list), C(format_oci_index))
    and one per registry (C(registry_127_0_0_1_5000) for V(127.0.0.1:5000)).
  - Playbooks then work per image, so forks, C(--limit) and AWX job slicing spread a fleet across processes
    and machines. Hosts run with a local connection unless the file says otherwise (see O(host_vars_defaults)).
  - 'Host variables: C(imagefleet_ref) (the image reference), C(imagefleet_registry), C(imagefleet_repository),
    C(imagefleet_tag), C(imagefleet_format) (V(v2s1), V(v2s2), V(oci), V(v2s2_list), V(oci_index), or V(unknown)
    with C(imagefleet_error) for a manifest the collection cannot read), C(imagefleet_digest), C(imagefleet_image_key)
    (the identity of the content across tags, as M(imagefleet.registry.image_manifest_info) returns it), C(imagefleet_media_type),
    C(imagefleet_size) (of the manifest, in bytes) and C(imagefleet_platforms) (the children of a list or index,
    as M(imagefleet.registry.image_manifest_info) returns them).'
  - Uses a YAML configuration file whose name ends with C(registry_images.yml) or C(registry_images.yaml).
author:
  - imagefleet team (@imagefleet)
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
requirements:
  - requests
  - docker (the Docker SDK for Python, for credentials from the Docker config)
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    type: str
    required: true
    choices: [imagefleet.registry.registry_images]
  registries:
    description:
      - The registries to walk and what to take from each.
    type: list
    elements: dict
    required: true
    suboptions:
      url:
        description:
          - Registry host as written in image references, with its port if any (V(registry.example.com),
            V(127.0.0.1:5000)).
          - A V(https://) prefix is accepted; V(http://) also implies O(registries[].insecure=true).
        type: str
        required: true
      repositories:
        description:
          - Repository names or glob patterns (V(legacy/*), V(team/app-[0-9]*)).
          - Patterns walk the registry catalog; when every entry is a plain name the catalog is not read, which
            suits registries that do not serve C(/v2/_catalog) to this user.
        type: list
        elements: str
        default: ['*']
      tags:
        description:
          - Tag glob patterns; a tag becomes a host when it matches any of them.
        type: list
        elements: str
        default: ['*']
      username:
        description:
          - Username for this registry. Without it, credentials come from the Docker config file
            (see O(auth_file)), including C(credHelpers) and C(credsStore), as C(docker pull) would find
            them; otherwise access is anonymous.
        type: str
      password:
        description:
          - Password or access token for O(registries[].username). Prefer the Docker config, or an
            C(ansible-vault) encrypted value, to a plain one in the file.
        type: str
      auth_file:
        description:
          - Docker config file for this registry; overrides the top-level O(auth_file).
        type: path
      validate_certs:
        description:
          - Verify the registry's TLS certificate. Leave on; use O(registries[].ca_path) for a private CA.
        type: bool
        default: true
      ca_path:
        description:
          - PEM file of CA certificates to trust for this registry.
        type: path
      insecure:
        description:
          - The registry may be reached over plain HTTP or with an unverified certificate, like Docker's
            C(insecure-registries) setting.
          - Loopback registries may use plain HTTP without it.
        type: bool
        default: false
  auth_file:
    description:
      - Docker config file that credentials are read from for each registry that has neither O(registries[].username)
        nor its own O(registries[].auth_file); C($DOCKER_CONFIG/config.json), else C(~/.docker/config.json), when unset.
    type: path
  parallel:
    description:
      - How many registry requests are in flight at the same time.
      - Tag lists are read with up to this many requests per registry (the registries side by side), then every
        manifest with up to this many requests overall.
    type: int
    default: 16
  timeout:
    description:
      - Seconds to wait for a registry to answer (connect and each read).
    type: int
    default: 60
  retries:
    description:
      - How many times a request that failed with a connection error, a timeout, HTTP 429 or 5xx is tried again.
    type: int
    default: 3
  manifest_cache:
    description:
      - A folder to file every manifest read in, by digest, as M(imagefleet.registry.image_manifest_info) does with
        its O(imagefleet.registry.image_manifest_info#module:manifest_cache). Give the folder C(migrate.yml) uses
        (its C(imagefleet_manifest_cache), by default V(~/.cache/imagefleet/manifests)) and a migration over this
        inventory reads no source manifest again to convert it.
      - Only useful where the playbook runs on the same machine and user as the inventory (not across AWX inventory
        syncs). A folder that cannot be used is warned about and the inventory goes on. Manifest files unused for
        7 days are removed from it, as M(imagefleet.registry.image_manifest_info) does.
    type: path
    version_added: 0.2.0
  host_names:
    description:
      - How image hosts are named.
      - V(pattern) - a name Ansible host patterns accept as is, so that C(--limit NAME), C(ansible-inventory --host NAME)
        and C(hostvars[NAME]) work. It is the registry with the port colon written as C(_) (registry hosts have no C(_)),
        the repository, and the tag as the last path component. V(127.0.0.1:5000/legacy/app:1) is
        C(127.0.0.1_5000/legacy/app/1); V(registry.example.com/team/api:v2) is C(registry.example.com/team/api/v2).
        Globs work on it too (C(--limit '*/legacy/*')).
      - V(reference) - the image reference itself (C(registry:port/repository:tag)); Ansible splits patterns on C(:),
        so such a name needs a trailing comma in C(--limit) (C(--limit 'NAME,')) and C(ansible-inventory --host) cannot
        find it.
      - Either way C(imagefleet_ref) holds the reference, which the playbooks use.
    type: str
    choices: [pattern, reference]
    default: pattern
  host_vars_defaults:
    description:
      - Variables every image host gets before O(compose) runs (O(compose) and later inventory sources can
        override them).
      - The default runs every task of an image host on the controller, with the Python that runs Ansible,
        which has the libraries the collection's modules need. Set V({}) to rely on group variables instead.
    type: dict
    default:
      ansible_connection: local
      ansible_python_interpreter: '{{ ansible_playbook_python }}'
notes:
  - C(--limit) takes group names, host names and glob patterns (V(format_v2s1), V(127.0.0.1_5000/legacy/app/1),
    V(*/legacy/*)); with O(host_names=reference) a single image name needs a trailing comma
    (C(--limit '127.0.0.1:5000/app:1,')), because Ansible splits a plain pattern on V(:).
  - With O(cache=true) a later run reads the hosts from the cache instead of walking the registries, until
    O(cache_timeout) expires or C(--flush-cache) is given. The cache key is the file's path, so changing the
    file does not invalidate it.
  - Repository and tag names a registry lists that are not valid in the distribution grammar are skipped with a
    warning naming them (escaped); they never become hosts.
  - Values read from registries (tags, repository names, media types, platforms) are marked unsafe, so they are
    never templated.
seealso:
  - module: imagefleet.registry.image_manifest_info
  - plugin: ansible.builtin.constructed
    plugin_type: inventory
'''

EXAMPLES = r'''
# fleet.registry_images.yml: every tag of two registries, schema 1 images to convert in format_v2s1
plugin: imagefleet.registry.registry_images
registries:
  - url: registry.example.com
    repositories: ['legacy/*', 'team/app']
    tags: ['*']
  - url: 127.0.0.1:5000
parallel: 32
keyed_groups:
  # repo_legacy_app, repo_team_app, ...
  - key: imagefleet_repository
    prefix: repo
compose:
  # Where migrate.yml puts the converted image of each host.
  imagefleet_dest_prefix: "'registry.example.com/converted'"
groups:
  multi_arch: imagefleet_format in ['v2s2_list', 'oci_index']

---
# Same, with a registry that needs credentials from a file and a private CA, and a cache
# so that a second ansible-playbook run does not walk the registries again.
plugin: imagefleet.registry.registry_images
registries:
  - url: registry.internal:5000
    username: svc-audit
    password: !vault |
      $ANSIBLE_VAULT;1.1;AES256
      ...
    ca_path: /etc/pki/internal-ca.pem
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /var/cache/ansible/registry_images
cache_timeout: 3600
'''

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.basic import missing_required_lib
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.vars import combine_vars

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError
from ansible_collections.imagefleet.registry.plugins.plugin_utils._inventory_hosts import (
    RegistryEntry,
    all_format_groups,
    host_groups,
    host_name,
    host_vars,
    walk,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.client import HAS_REQUESTS
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.manifest_cache import open_cache
from ansible_collections.imagefleet.registry.plugins.module_utils._registry.options import RegistryOptions

try:
    from ansible.template import trust_as_template  # ansible-core 2.19+
except ImportError:
    def trust_as_template(value):
        return value  # before 2.19 every string is a template

try:
    # Data tagging (ansible-core 2.19+) drops trust; older versions wrap values in AnsibleUnsafe.
    from ansible.utils.unsafe_proxy import wrap_var as make_unsafe
except ImportError:  # pragma: no cover
    def make_unsafe(value):
        return value


def _trusted(value):
    """host_vars_defaults come from the file or this plugin's documentation, never from a registry."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((key, _trusted(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_trusted(item) for item in value]
    return value


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Images as hosts: registry walk (or cache), then groups, defaults and constructed variables."""

    NAME = 'imagefleet.registry.registry_images'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(('registry_images.yml', 'registry_images.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache') and cache
        update_cache = self.get_option('cache') and not cache
        images = None
        if use_cache:
            try:
                images = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if images is None:
            try:
                images = self._walk()
            except ImagefleetError as exc:
                raise AnsibleParserError('registry_images: %s' % exc.message)
        if update_cache:
            self._cache[cache_key] = images
        self._populate(images)

    def _walk(self):
        """Summarised facts of every selected image, from the registries."""
        if not HAS_REQUESTS:
            raise AnsibleError(missing_required_lib('requests'))
        entries = [RegistryEntry.from_option(item) for item in self.get_option('registries') or []]
        if not entries:
            raise ImagefleetError('registries: give at least one registry')
        skipped = []
        defaults = RegistryOptions(auth_file=self.get_option('auth_file'), timeout=self.get_option('timeout'),
                                   retries=self.get_option('retries'))
        manifests = open_cache(self.get_option('manifest_cache'), self.display.warning, writer=True)
        images = walk(entries, parallel=self.get_option('parallel'), defaults=defaults, skipped=skipped,
                      manifests=manifests)
        for message in skipped:
            self.display.warning('registry_images: %s' % message)
        return images

    def _populate(self, images):
        strict = self.get_option('strict')
        defaults = _trusted(self.get_option('host_vars_defaults') or {})
        extra_vars = self._vars if self.get_option('use_extra_vars') else {}
        compose, groups, keyed_groups = self.get_option('compose'), self.get_option('groups'), self.get_option('keyed_groups')
        constructed = bool(compose or groups or keyed_groups)
        for group in all_format_groups():  # present (maybe empty) so that --limit format_v2s1 never errors
            self.inventory.add_group(group)

        for facts in images:
            name = make_unsafe(host_name(facts, self.get_option('host_names')))
            self.inventory.add_host(name)
            for group in host_groups(facts):
                self.inventory.add_group(group)
                self.inventory.add_child(group, name)
            for key, value in defaults.items():
                self.inventory.set_variable(name, key, value)
            for key, value in host_vars(facts).items():
                self.inventory.set_variable(name, key, make_unsafe(value))

            if not constructed:
                continue
            variables = combine_vars(extra_vars, self.inventory.get_host(name).get_vars())
            self._set_composite_vars(compose, variables, name, strict=strict)
            # Groups see the composed variables too.
            variables = combine_vars(extra_vars, self.inventory.get_host(name).get_vars())
            self._add_host_to_composed_groups(groups, variables, name, strict=strict)
            self._add_host_to_keyed_groups(keyed_groups, variables, name, strict=strict)
