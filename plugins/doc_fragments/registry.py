# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r'''
attributes:
  action_group:
    description: Use C(group/imagefleet.registry.registry) in C(module_defaults) to set the registry options once for
      every module of the group.
    support: full
    membership:
      - imagefleet.registry.registry
options:
  username:
    description:
      - Username sent to B(every) registry this task talks to that has no entry in O(registry_credentials) (the
        source, the destination, and any other registry a reference names). Prefer O(registry_credentials), which
        gives each registry only its own credentials (as C(skopeo copy --src-creds/--dest-creds) does).
      - When neither is given, credentials come from the Docker config file (see O(auth_file)), including
        C(credHelpers) and C(credsStore) credential helpers, exactly as C(docker pull) would find them;
        otherwise access is anonymous.
      - Whichever way they are found, credentials are only sent to the scheme, host and port the registry was
        addressed on (and, for a bearer-token registry, to its token service over https, or over plain HTTP on
        loopback or the registry's own host when it is in O(insecure_registries)); never to another host an
        upload location, a C(Link) page or a redirect points at.
    type: str
  password:
    description:
      - Password or access token for O(username).
    type: str
  registry_credentials:
    description:
      - Credentials per registry; the recommended way to give credentials. Each registry gets only its own, so a
        source cannot learn the destination's password (O(username) and O(password) go to every registry without an
        entry here).
      - Takes precedence over O(username) and the Docker config for the registries it names.
    type: list
    elements: dict
    suboptions:
      registry:
        description:
          - Registry host as written in image references, with its port if any (V(registry.example.com:5000), V(docker.io)).
        type: str
        required: true
      username:
        description: Username for that registry.
        type: str
        required: true
      password:
        description: Password or access token for that registry.
        type: str
        required: true
  auth_file:
    description:
      - Docker config file to read credentials from.
      - Defaults to C($DOCKER_CONFIG/config.json), else C(~/.docker/config.json).
    type: path
  validate_certs:
    description:
      - Verify registry TLS certificates. Leave on; use O(ca_path) for a private CA.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to trust for registry TLS.
    type: path
  insecure_registries:
    description:
      - Registries (host[:port] as written in references) that may be reached over plain HTTP or with
        unverified TLS, like Docker's C(insecure-registries) setting.
      - Loopback registries (V(localhost), V(127.0.0.1), V([::1])) may use plain HTTP without being listed,
        as with Docker; their certificates are still verified when they speak TLS.
    type: list
    elements: str
    default: []
  timeout:
    description:
      - Seconds to wait for a registry to answer, for the connection and for each read; a registry that stays
        silent longer counts as a failed try (see O(retries)).
      - A registry that never answers fails the task after about (O(retries) + 1) times this, plus the waits between tries.
      - Besides, no request may take longer than five times this in all (its headers and body; a blob body is bounded
        by its size instead); an answer that trickles in is cut off then and fails without another try.
    type: int
    default: 60
  retries:
    description:
      - How many times a request that failed with a connection error, a timeout, HTTP 429 or 5xx
        is tried again, with exponential backoff and jitter (backoff waits capped at 30 seconds; a C(Retry-After) is honoured up to O(max_retry_wait)).
      - Only requests that are safe to repeat are sent again; a blob upload or download that breaks off
        starts over from its first byte, at most this many times.
      - Client errors (authentication, missing images, corrupt data) are never retried.
    type: int
    default: 3
  max_retry_wait:
    description:
      - The longest wait, in seconds, that a registry's C(Retry-After) (with HTTP 429 or 503) is honoured for
        before one try again, beyond the usual backoff (Docker Hub's rate limits ask for minutes).
      - Such a wait is reported as a warning. A registry asking for longer fails the task at once, with a
        message naming the registry and the wait it asked for.
    type: int
    default: 120
    version_added: 0.1.0
  chunk_size:
    description:
      - Send blobs in chunks (C(PATCH) requests with C(Content-Range)) of this many bytes instead of one C(PUT)
        per blob; a registry's C(OCI-Chunk-Min-Length) raises it.
      - Unset, a blob goes in one C(PUT) with its C(Content-Length); a registry that refuses that (HTTP 400,
        411, 413 or 415) is sent chunks of 8 MiB instead, and one that refuses chunks (HTTP 405 on C(PATCH))
        gets one C(PUT). Either switch is remembered for that registry for the rest of the task and reported
        as a warning.
      - A chunk that breaks off is sent again from the offset the registry reports, not from the first byte of the blob.
        Each upload in progress holds one chunk in memory.
      - See C(docs/registries.md) for what each registry service needs.
    type: int
    version_added: 0.1.0
  max_connections:
    description:
      - At most this many requests to one registry wait for their answer at the same time (per registry host, across
        all the images and blobs a task handles in parallel); more wait for a free slot. Also the size of the
        connection pool kept per registry.
      - A blob being downloaded counts until its headers arrive, not while its body is read, so that copying a blob
        inside one registry (a download feeding an upload) never waits for itself. An upload counts until it is
        answered.
      - Requests to storage hosts a registry redirects blob downloads to are not counted.
    type: int
    default: 16
    version_added: 0.1.0
  max_layer_uncompressed_mb:
    description:
      - Fail a layer whose uncompressed content grows past this many MiB while its diff_id is computed (converting
        schema 1, or verifying with deep checks), naming the layer. Without it, any size is accepted.
      - Memory stays flat whatever the compression ratio; this bounds time and CPU spent on a decompression bomb.
    type: int
    version_added: 0.1.0
requirements:
  - requests
  - docker (the Docker SDK for Python, for credentials from the Docker config)
'''
