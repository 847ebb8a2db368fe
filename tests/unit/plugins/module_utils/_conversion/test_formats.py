# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Conversions checked byte for byte against skopeo 1.9.3 (containers/image 5.23.1).

The SKOPEO_* bytes below are what `skopeo copy --format v2s2|oci dir:src dir:out`
wrote for the SCHEMA1_MANIFEST / SRC_* sources: a schema 1 image with a
throwaway entry, a repeated (empty) blob used as a real layer, HTML characters,
U+2028/9, `\\/` escapes, offsets and odd whitespace in v1Compatibility.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._image import media_types as mt
from ansible_collections.imagefleet.registry.plugins.module_utils._conversion.formats import (
    docker_config_to_oci_config,
    docker_version_before,
    index_to_list,
    list_to_index,
    oci_to_v2s2,
    plan,
    schema1_to_v2s2,
    update_list,
    v2s2_to_oci,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._image.digest import sha256_digest
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ConversionError, DigestMismatchError
from ansible_collections.imagefleet.registry.plugins.module_utils._image.schema1 import parse

SCHEMA1_MANIFEST = (
    b'{"schemaVersion":1,"name":"x/y","tag":"latest","architecture":"amd64","fsLayers":[{"blobSum":"sha256:56b9a6e16'
    b'917962b5c4a7d78b85bdededecf54580f4aeb7b6ccd4173792dd7ed"},{"blobSum":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae'
    b'93d633cb16422d00e8a7c22955b46d4"},{"blobSum":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c229'
    b'55b46d4"},{"blobSum":"sha256:8442dfc399d43f664e3ec33ae43857cc26377a2fb4dea230253b570eab7958e7"}],"history":[{"'
    b'v1Compatibility":"{ \\"zeta\\": [1, 2 ,3],\\"id\\":\\"0404040404040404040404040404040404040404040404040404040404040'
    b'404\\", \\"parent\\" : \\"0303030303030303030303030303030303030303030303030303030303030303\\", \\"created\\":\\"2016-0'
    b'1-02T03:04:08.000000000Z\\", \\"architecture\\":\\"amd64\\",\\"os\\":\\"linux\\",\\"docker_version\\":\\"1.12.0\\",\\"contai'
    b'ner\\":\\"abc\\",\\"container_config\\":{\\"Cmd\\":[\\"/bin/sh\\",\\"-c\\",\\"#(nop) CMD [\\\\\\"a<b>\\\\\\"]\\"],\\"Hostname\\":\\"'
    b'h\\"},\\"config\\":{\\"Hostname\\":\\"h\\",\\"Env\\":[\\"P=\\\\/usr&x\\",\\"U=\\\\u00e9\\\\u2029\\"],\\"Cmd\\":[\\"a<b>\\"],\\"Labels\\'
    b'":{\\"z\\":\\"1\\",\\"a\\":\\"2\\"},\\"ExposedPorts\\":{\\"80/tcp\\":{}},\\"Healthcheck\\":{\\"Test\\":[\\"NONE\\"]},\\"OnBuild\\"'
    b':null,\\"Volumes\\":{\\"/v\\":{}},\\"WorkingDir\\":\\"/w\\",\\"Entrypoint\\":null,\\"StopSignal\\":\\"SIGTERM\\",\\"Shell\\":['
    b'\\"/bin/sh\\"]},\\"Size\\": 0, \\"throwaway\\": false, \\"unknown\\\\u0041\\":{\\"b\\":1,\\"a\\":2.50}, \\"layer_id\\":\\"x\\", '
    b'\\"parent_id\\":\\"y\\"}"},{"v1Compatibility":"{\\"id\\":\\"030303030303030303030303030303030303030303030303030303030'
    b'3030303\\",\\"parent\\":\\"0202020202020202020202020202020202020202020202020202020202020202\\",\\"created\\":\\"2016-0'
    b'1-02T03:04:07.5Z\\",\\"container_config\\":{\\"Cmd\\":null},\\"comment\\":\\"c\\\\u2028d\\"}"},{"v1Compatibility":"{\\"id\\'
    b'":\\"0202020202020202020202020202020202020202020202020202020202020202\\",\\"parent\\":\\"01010101010101010101010101'
    b'01010101010101010101010101010101010101\\",\\"created\\":\\"2016-01-02T03:04:06Z\\",\\"container_config\\":{\\"Cmd\\":[\\'
    b'"/bin/sh\\",\\"-c\\",\\"#(nop) ENV A=1\\"]},\\"throwaway\\":true}"},{"v1Compatibility":"{\\"id\\":\\"0101010101010101010'
    b'101010101010101010101010101010101010101010101\\",\\"created\\":\\"2016-01-02T03:04:05.123456789+02:00\\",\\"containe'
    b'r_config\\":{\\"Cmd\\":[\\"/bin/sh\\",\\"-c\\",\\"#(nop) ADD file:x in /\\"]},\\"author\\":\\"Me <me@x> & co\\",\\"Size\\":5}'
    b'"}]}'
)
SKOPEO_V2S2_MANIFEST = (
    b'{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"a'
    b'pplication/vnd.docker.container.image.v1+json","size":1215,"digest":"sha256:dea10836e4dd1a22f2bf65b2b8c32ebeb1'
    b'278b977dcad17f37b9870e5e73fa21"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","s'
    b'ize":98,"digest":"sha256:8442dfc399d43f664e3ec33ae43857cc26377a2fb4dea230253b570eab7958e7"},{"mediaType":"appl'
    b'ication/vnd.docker.image.rootfs.diff.tar.gzip","size":32,"digest":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d'
    b'633cb16422d00e8a7c22955b46d4"},{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":102,"di'
    b'gest":"sha256:56b9a6e16917962b5c4a7d78b85bdededecf54580f4aeb7b6ccd4173792dd7ed"}]}'
)
SKOPEO_V2S2_CONFIG = (
    b'{"architecture":"amd64","config":{"Hostname":"h","Env":["P=\\/usr\\u0026x","U=\\u00e9\\u2029"],"Cmd":["a\\u003cb\\u0'
    b'03e"],"Labels":{"z":"1","a":"2"},"ExposedPorts":{"80/tcp":{}},"Healthcheck":{"Test":["NONE"]},"OnBuild":null,"'
    b'Volumes":{"/v":{}},"WorkingDir":"/w","Entrypoint":null,"StopSignal":"SIGTERM","Shell":["/bin/sh"]},"container"'
    b':"abc","container_config":{"Cmd":["/bin/sh","-c","#(nop) CMD [\\"a\\u003cb\\u003e\\"]"],"Hostname":"h"},"created":'
    b'"2016-01-02T03:04:08.000000000Z","docker_version":"1.12.0","history":[{"created":"2016-01-02T03:04:05.12345678'
    b'9+02:00","author":"Me \\u003cme@x\\u003e \\u0026 co","created_by":"/bin/sh -c #(nop) ADD file:x in /"},{"created"'
    b':"2016-01-02T03:04:06Z","created_by":"/bin/sh -c #(nop) ENV A=1","empty_layer":true},{"created":"2016-01-02T03'
    b':04:07.5Z","comment":"c\\u2028d"},{"created":"2016-01-02T03:04:08Z","created_by":"/bin/sh -c #(nop) CMD [\\"a\\u0'
    b'03cb\\u003e\\"]"}],"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:5173e3ebcc1d9d4223469080da246128e2'
    b'bdcf2808a8dabb2b6ef50a06a0ab80","sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef","sha'
    b'256:f92d1b6ae5e32ad6d866095021ce1e7ffe144de38acd82e10ee512aa328c3492"]},"unknownA":{"b":1,"a":2.50},"zeta":[1,'
    b'2,3]}'
)
SKOPEO_S1_OCI_MANIFEST = (
    b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application'
    b'/vnd.oci.image.config.v1+json","digest":"sha256:da26175ef8b22565d1a3240a4e7d0e93a3acca2728f399a0e74378158702b9'
    b'8b","size":920},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:8442dfc3'
    b'99d43f664e3ec33ae43857cc26377a2fb4dea230253b570eab7958e7","size":98},{"mediaType":"application/vnd.oci.image.l'
    b'ayer.v1.tar+gzip","digest":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4","size":32'
    b'},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:56b9a6e16917962b5c4a7d78b85bdede'
    b'decf54580f4aeb7b6ccd4173792dd7ed","size":102}]}'
)
SKOPEO_S1_OCI_CONFIG = (
    b'{"created":"2016-01-02T03:04:08Z","architecture":"amd64","os":"linux","config":{"ExposedPorts":{"80/tcp":{}},"'
    b'Env":["P=/usr\\u0026x","U=\xc3\xa9\\u2029"],"Cmd":["a\\u003cb\\u003e"],"Volumes":{"/v":{}},"WorkingDir":"/w","Labels":{"'
    b'a":"2","z":"1"},"StopSignal":"SIGTERM"},"rootfs":{"type":"layers","diff_ids":["sha256:5173e3ebcc1d9d4223469080'
    b'da246128e2bdcf2808a8dabb2b6ef50a06a0ab80","sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3'
    b'c6ef","sha256:f92d1b6ae5e32ad6d866095021ce1e7ffe144de38acd82e10ee512aa328c3492"]},"history":[{"created":"2016-'
    b'01-02T03:04:05.123456789+02:00","created_by":"/bin/sh -c #(nop) ADD file:x in /","author":"Me \\u003cme@x\\u003e'
    b' \\u0026 co"},{"created":"2016-01-02T03:04:06Z","created_by":"/bin/sh -c #(nop) ENV A=1","empty_layer":true},{"'
    b'created":"2016-01-02T03:04:07.5Z","comment":"c\\u2028d"},{"created":"2016-01-02T03:04:08Z","created_by":"/bin/s'
    b'h -c #(nop) CMD [\\"a\\u003cb\\u003e\\"]"}]}'
)
SKOPEO_V2S2_OCI_MANIFEST = (
    b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application'
    b'/vnd.oci.image.config.v1+json","digest":"sha256:3fb9e3e5310c6e39f7e263ff097fa85263aad1ddc94f8dd5b32b57b4d4b29e'
    b'4b","size":281},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:a3ed95ca'
    b'eb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4","size":32}]}'
)
SKOPEO_V2S2_OCI_CONFIG = (
    b'{"author":"A","architecture":"arm64","variant":"v8","os":"linux","os.version":"10.0","os.features":["f1"],"con'
    b'fig":{"User":"u","ExposedPorts":{"22/tcp":{},"80/tcp":{}},"Entrypoint":["e"],"ArgsEscaped":true},"rootfs":{"ty'
    b'pe":"layers","diff_ids":null},"history":[{"created_by":"x"}]}'
)
SKOPEO_OCI_V2S2_MANIFEST = (
    b'{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"a'
    b'pplication/vnd.docker.container.image.v1+json","size":228,"digest":"sha256:5e6f09cdfd47f0bfa5cd32f800768bdf551'
    b'b2c9b58b67022e40cdb470c1d5f58"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","si'
    b'ze":32,"digest":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"}]}'
)
SKOPEO_OCI_V2S2_CONFIG = (
    b'{"architecture":"amd64", "os":"linux","config":{"StopSignal":"S","ArgsEscaped":true,"env":["x"],"WorkingDir":"'
    b'/"},"rootfs":{"type":"layers","diff_ids":["sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3'
    b'c6ef"]}}'
)
SRC_V2S2_MANIFEST = (
    b'{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"a'
    b'pplication/vnd.docker.container.image.v1+json","size":387,"digest":"sha256:2db7f7ef153b8663ba929e65af14a6ef248'
    b'45af943988c9ce09c420665eab6b4"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","si'
    b'ze":32,"digest":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"}]}'
)
SRC_V2S2_CONFIG = (
    b'{"ENV":["late"],"variant":"v8","os.version":"10.0","os.features":["f1"],"author":"A","architecture":"arm64","o'
    b's":"linux","config":{"User":"u","ArgsEscaped":true,"Env":[],"Labels":{},"ExposedPorts":{"80/tcp":{"x":1},"22/t'
    b'cp":null},"Entrypoint":["e"],"Volumes":null,"Cmd":null},"rootfs":{"type":"layers"},"history":[{"created_by":"x'
    b'","empty_layer":false}],"container_config":{"Cmd":["y"]}}'
)
SRC_OCI_MANIFEST = (
    b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application'
    b'/vnd.oci.image.config.v1+json","size":228,"digest":"sha256:5e6f09cdfd47f0bfa5cd32f800768bdf551b2c9b58b67022e40'
    b'cdb470c1d5f58","annotations":{"x":"y"}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","'
    b'size":32,"digest":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4","annotations":{"l"'
    b':"v"}}],"annotations":{"m":"n"}}'
)
SRC_OCI_CONFIG = (
    b'{"architecture":"amd64", "os":"linux","config":{"StopSignal":"S","ArgsEscaped":true,"env":["x"],"WorkingDir":"'
    b'/"},"rootfs":{"type":"layers","diff_ids":["sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3'
    b'c6ef"]}}'
)


# A schema 1 image pushed by docker 1.8.2 (entries of that shape: every runtime field written, Size, an
# unknown key added), and what skopeo 1.9.3 wrote for it: the config re-encoded through its Go structs.
DOCKER_1_8_2_MANIFEST = (
    b'{"schemaVersion":1,"name":"o/x","tag":"1","architecture":"amd64","fsLayers":[{"blobSum":"sha256:a3ed95caeb02ff'
    b'e68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"},{"blobSum":"sha256:763e1c2d4d19a3511f804b9e9664787c2333cd'
    b'b75a4d44f5a330b6ff3a527255"}],"history":[{"v1Compatibility":"{\\"id\\":\\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
    b'aaaaaaaaaaaaaaaaaaaaaaaaaaaa\\",\\"parent\\":\\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
    b'bb\\",\\"created\\":\\"2015-10-02T11:29:44.222098360Z\\",\\"container\\":\\"cccccccccccccccccccccccccccccccccc'
    b'cccccccccccccccccccccccccccccc\\",\\"container_config\\":{\\"Hostname\\":\\"0b1c2d3e4f5a\\",\\"Domainname\\":'
    b'\\"\\",\\"User\\":\\"\\",\\"AttachStdin\\":false,\\"AttachStdout\\":false,\\"AttachStderr\\":false,\\"ExposedP'
    b'orts\\":null,\\"PublishService\\":\\"\\",\\"Tty\\":false,\\"OpenStdin\\":false,\\"StdinOnce\\":false,\\"Env\\"'
    b':null,\\"Cmd\\":[\\"/bin/sh\\",\\"-c\\",\\"#(nop) CMD [\\\\\\"<y>\\\\\\"]\\"],\\"Image\\":\\"bbbbbbbbbbbbbbbbb'
    b'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\\",\\"Volumes\\":null,\\"VolumeDriver\\":\\"\\",\\"WorkingDir'
    b'\\":\\"\\",\\"Entrypoint\\":null,\\"NetworkDisabled\\":false,\\"MacAddress\\":\\"\\",\\"OnBuild\\":null,\\"Lab'
    b'els\\":{\\"b\\":\\"1\\",\\"a\\":\\"x&y\\"}},\\"docker_version\\":\\"1.8.2-el7\\",\\"author\\":\\"Me <me@x>\\",'
    b'\\"config\\":{\\"Hostname\\":\\"0b1c2d3e4f5a\\",\\"Domainname\\":\\"\\",\\"User\\":\\"\\",\\"AttachStdin\\":fa'
    b'lse,\\"AttachStdout\\":false,\\"AttachStderr\\":false,\\"ExposedPorts\\":{\\"80/tcp\\":{}},\\"PublishService'
    b'\\":\\"\\",\\"Tty\\":false,\\"OpenStdin\\":false,\\"StdinOnce\\":false,\\"Env\\":null,\\"Cmd\\":[\\"<y>\\"],'
    b'\\"Image\\":\\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\\",\\"Volumes\\":null,\\"Volum'
    b'eDriver\\":\\"\\",\\"WorkingDir\\":\\"\\",\\"Entrypoint\\":null,\\"NetworkDisabled\\":false,\\"MacAddress\\":'
    b'\\"\\",\\"OnBuild\\":null,\\"Labels\\":{\\"b\\":\\"1\\",\\"a\\":\\"x&y\\"}},\\"architecture\\":\\"amd64\\",\\"'
    b'os\\":\\"linux\\",\\"Size\\":0,\\"extra\\":1}"},{"v1Compatibility":"{\\"id\\":\\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
    b'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\\",\\"created\\":\\"2015-10-01T00:00:00Z\\",\\"container_config\\":{\\"Cmd'
    b'\\":[\\"/bin/sh\\",\\"-c\\",\\"#(nop) ADD x\\"]},\\"docker_version\\":\\"1.8.2-el7\\"}"}]}'
)
DOCKER_1_8_2_LAYERS = {  # blobSum: [diff_id, size]
    'sha256:763e1c2d4d19a3511f804b9e9664787c2333cdb75a4d44f5a330b6ff3a527255':
        ['sha256:f794977e3c7fae84593a9d1485eba1b6cd15b89d96344b3599b19fdb72d09dcf', 2549],
    mt.EMPTY_LAYER_DIGEST: [mt.EMPTY_LAYER_DIFF_ID, 32],
}
SKOPEO_1_8_2_V2S2_CONFIG = (
    b'{"architecture":"amd64","author":"Me \\u003cme@x\\u003e","config":{"Hostname":"0b1c2d3e4f5a","Domainname":"","'
    b'User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"ExposedPorts":{"80/tcp":{}},"Tty":fals'
    b'e,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["\\u003cy\\u003e"],"Image":"bbbbbbbbbbbbbbbbbbbbbbbbbb'
    b'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Label'
    b's":{"a":"x\\u0026y","b":"1"}},"container":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","'
    b'container_config":{"Hostname":"0b1c2d3e4f5a","Domainname":"","User":"","AttachStdin":false,"AttachStdout":fals'
    b'e,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["/bin/sh","-c","#(nop'
    b') CMD [\\"\\u003cy\\u003e\\"]"],"Image":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","Vo'
    b'lumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{"a":"x\\u0026y","b":"1"}},"created":"20'
    b'15-10-02T11:29:44.22209836Z","docker_version":"1.8.2-el7","history":[{"created":"2015-10-01T00:00:00Z","create'
    b'd_by":"/bin/sh -c #(nop) ADD x"},{"created":"2015-10-02T11:29:44.22209836Z","author":"Me \\u003cme@x\\u003e","'
    b'created_by":"/bin/sh -c #(nop) CMD [\\"\\u003cy\\u003e\\"]"}],"os":"linux","rootfs":{"type":"layers","diff_ids'
    b'":["sha256:f794977e3c7fae84593a9d1485eba1b6cd15b89d96344b3599b19fdb72d09dcf","sha256:5f70bf18a086007016e948b04'
    b'aed3b82103a36bea41755b6cddfaf10ace3c6ef"]}}'
)
SKOPEO_1_8_2_OCI_CONFIG = (
    b'{"created":"2015-10-02T11:29:44.22209836Z","author":"Me \\u003cme@x\\u003e","architecture":"amd64","os":"linux'
    b'","config":{"ExposedPorts":{"80/tcp":{}},"Cmd":["\\u003cy\\u003e"],"Labels":{"a":"x\\u0026y","b":"1"}},"rootfs'
    b'":{"type":"layers","diff_ids":["sha256:f794977e3c7fae84593a9d1485eba1b6cd15b89d96344b3599b19fdb72d09dcf","sha2'
    b'56:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"]},"history":[{"created":"2015-10-01T00:00'
    b':00Z","created_by":"/bin/sh -c #(nop) ADD x"},{"created":"2015-10-02T11:29:44.22209836Z","created_by":"/bin/sh'
    b' -c #(nop) CMD [\\"\\u003cy\\u003e\\"]","author":"Me \\u003cme@x\\u003e"}]}'
)


def _skopeo_blob_facts():
    manifest = json.loads(SKOPEO_V2S2_MANIFEST)
    diff_ids = json.loads(SKOPEO_V2S2_CONFIG)['rootfs']['diff_ids']
    sizes = dict((layer['digest'], layer['size']) for layer in manifest['layers'])
    return dict(zip([layer['digest'] for layer in manifest['layers']], diff_ids)), sizes


def test_schema1_to_v2s2_matches_skopeo():
    diff_ids, sizes = _skopeo_blob_facts()
    config, manifest = schema1_to_v2s2(parse(SCHEMA1_MANIFEST), diff_ids, sizes)
    assert config == SKOPEO_V2S2_CONFIG
    assert manifest == SKOPEO_V2S2_MANIFEST


def test_schema1_config_rules():
    diff_ids, sizes = _skopeo_blob_facts()
    config = json.loads(schema1_to_v2s2(parse(SCHEMA1_MANIFEST), diff_ids, sizes)[0])
    for key in ('id', 'parent', 'parent_id', 'layer_id', 'throwaway', 'Size'):
        assert key not in config
    assert [h.get('empty_layer', False) for h in config['history']] == [False, True, False, False]
    assert len(config['rootfs']['diff_ids']) == 3
    assert config['history'][2] == {'created': '2016-01-02T03:04:07.5Z', 'comment': 'c\u2028d'}


def test_schema1_to_oci_matches_skopeo():
    diff_ids, sizes = _skopeo_blob_facts()
    config, manifest = schema1_to_v2s2(parse(SCHEMA1_MANIFEST), diff_ids, sizes)
    oci_config, oci_manifest = v2s2_to_oci(json.loads(manifest), config)
    assert oci_config == SKOPEO_S1_OCI_CONFIG
    assert oci_manifest == SKOPEO_S1_OCI_MANIFEST


def test_schema1_missing_diff_id():
    with pytest.raises(ConversionError, match='no diff_id or size'):
        schema1_to_v2s2(parse(SCHEMA1_MANIFEST), {}, {})


def test_schema1_all_throwaway_omits_diff_ids():
    raw = json.dumps({'schemaVersion': 1, 'fsLayers': [{'blobSum': mt.EMPTY_LAYER_DIGEST}],
                      'history': [{'v1Compatibility': json.dumps({'id': 'a' * 64, 'throwaway': True})}]})
    config, manifest = schema1_to_v2s2(parse(raw), {}, {})
    assert config == (b'{"history":[{"created":"0001-01-01T00:00:00Z","empty_layer":true}],"rootfs":{"type":"layers"}}')
    assert json.loads(manifest)['layers'] == []


def _docker_1_8_2_conversion(raw=DOCKER_1_8_2_MANIFEST):
    layers = DOCKER_1_8_2_LAYERS
    return schema1_to_v2s2(parse(raw), dict((d, v[0]) for d, v in layers.items()), dict((d, v[1]) for d, v in layers.items()))


def test_schema1_of_docker_before_1_8_3_reencoded_like_skopeo():
    config, manifest = _docker_1_8_2_conversion()
    assert config == SKOPEO_1_8_2_V2S2_CONFIG
    assert v2s2_to_oci(json.loads(manifest), config)[0] == SKOPEO_1_8_2_OCI_CONFIG
    doc = json.loads(config)
    assert 'extra' not in doc
    for runtime in (doc['config'], doc['container_config']):
        for key in ('MacAddress', 'NetworkDisabled', 'PublishService', 'VolumeDriver'):
            assert key not in runtime
    assert 'ExposedPorts' not in doc['container_config'] and doc['config']['ExposedPorts'] == {'80/tcp': {}}
    assert doc['config']['Volumes'] is None and doc['created'] == '2015-10-02T11:29:44.22209836Z'


def test_schema1_of_docker_1_8_3_keeps_raw_config():
    config = json.loads(_docker_1_8_2_conversion(DOCKER_1_8_2_MANIFEST.replace(b'1.8.2-el7', b'1.8.3'))[0])
    assert config['extra'] == 1 and config['config']['MacAddress'] == '' and config['container_config']['ExposedPorts'] is None


@pytest.mark.parametrize('version, before', [
    ('1.8.2', True), ('1.8.2-fc22', True), ('1.8.2-10.el7.centos', True), ('1.8.3-rc1', True), ('1.8', True),
    ('0.9.1', True), ('x', True), ('1.8.3', False), ('1.8.3.0', False), ('1.10.0', False), ('18.09.7', False),
    ('1.+9', False), ('1.99999999999999999999', False),
])
def test_docker_version_before(version, before):
    assert docker_version_before(version, '1.8.3') is before


@pytest.mark.parametrize('version', ['1.6.2', '20.10.1'])
@pytest.mark.parametrize('key, value, where', [
    ('Size', '"big"', 'v1Compatibility.Size'),
    ('config', '{"Env":"A=1"}', 'v1Compatibility.config.Env'),
    ('config', '{"Labels":{"a":1}}', 'v1Compatibility.config.Labels[a]'),
    ('container_config', '{"Healthcheck":{"Interval":1.5}}', 'v1Compatibility.container_config.Healthcheck.Interval'),
])
def test_schema1_config_refused_where_go_refuses(version, key, value, where):
    # skopeo decodes the top entry into its structs whatever the docker version: a type Go refuses fails it.
    top = '{"id":"%s","docker_version":"%s","%s":%s}' % ('a' * 64, version, key, value)
    raw = json.dumps({'schemaVersion': 1, 'fsLayers': [{'blobSum': mt.EMPTY_LAYER_DIGEST}], 'history': [{'v1Compatibility': top}]})
    with pytest.raises(ConversionError, match=where.replace('[', r'\[').replace(']', r'\]')):
        schema1_to_v2s2(parse(raw), {mt.EMPTY_LAYER_DIGEST: 'sha256:' + '0' * 64}, {mt.EMPTY_LAYER_DIGEST: 32})


def test_v2s2_to_oci_reencodes_config_like_skopeo():
    config, manifest = v2s2_to_oci(json.loads(SRC_V2S2_MANIFEST), SRC_V2S2_CONFIG)
    assert config == SKOPEO_V2S2_OCI_CONFIG
    assert manifest == SKOPEO_V2S2_OCI_MANIFEST


def test_oci_to_v2s2_keeps_config_drops_annotations():
    config, manifest = oci_to_v2s2(json.loads(SRC_OCI_MANIFEST), SRC_OCI_CONFIG)
    assert config == SRC_OCI_CONFIG == SKOPEO_OCI_V2S2_CONFIG
    assert manifest == SKOPEO_OCI_V2S2_MANIFEST


def test_docker_only_keys_dropped():
    config = json.loads(docker_config_to_oci_config(SKOPEO_V2S2_CONFIG))
    assert set(config) == {'created', 'architecture', 'os', 'config', 'rootfs', 'history'}
    assert set(config['config']) == {'ExposedPorts', 'Env', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal'}


@pytest.mark.parametrize('bad', [b'[]', b'{', b'{"config":{"Env":"x"}}', b'{"history":{}}', b'{"created":"x"}'])
def test_docker_config_to_oci_config_rejects(bad):
    with pytest.raises(ConversionError):
        docker_config_to_oci_config(bad)


def _oci(layers, config_type=mt.OCI_CONFIG, **extra):
    config = b'{}'
    doc = {'schemaVersion': 2, 'mediaType': mt.OCI_MANIFEST,
           'config': {'mediaType': config_type, 'digest': sha256_digest(config), 'size': 2},
           'layers': [{'mediaType': media_type, 'digest': mt.EMPTY_LAYER_DIGEST, 'size': 32} for media_type in layers]}
    doc.update(extra)
    return doc, config


@pytest.mark.parametrize('layers, config_type, extra, message', [
    ([mt.OCI_LAYER_ZSTD], mt.OCI_CONFIG, {}, 'zstd'),
    ([mt.OCI_LAYER_GZIP + '+encrypted'], mt.OCI_CONFIG, {}, 'encrypted'),
    ([mt.OCI_LAYER_GZIP], 'application/vnd.example.config+json', {}, 'non-image artifact'),
    ([mt.OCI_LAYER_GZIP], mt.OCI_CONFIG, {'artifactType': 'application/x-sbom'}, 'not an image'),
    (['application/octet-stream'], mt.OCI_CONFIG, {}, 'no Docker v2s2 equivalent'),
])
def test_oci_to_v2s2_refusals(layers, config_type, extra, message):
    doc, config = _oci(layers, config_type, **extra)
    with pytest.raises(ConversionError, match=message):
        oci_to_v2s2(doc, config)


def test_foreign_layers_keep_urls_both_ways():
    doc, config = _oci([mt.OCI_FOREIGN_GZIP])
    doc['layers'][0]['urls'] = ['https://example.com/l']
    doc['layers'][0]['annotations'] = {'a': 'b'}
    dummy, manifest = oci_to_v2s2(doc, config)
    layer = json.loads(manifest)['layers'][0]
    assert layer == {'mediaType': mt.DOCKER_FOREIGN_GZIP, 'size': 32, 'digest': mt.EMPTY_LAYER_DIGEST, 'urls': ['https://example.com/l']}
    back = json.loads(v2s2_to_oci(json.loads(manifest), config)[1])['layers'][0]
    assert back == {'mediaType': mt.OCI_FOREIGN_GZIP, 'digest': mt.EMPTY_LAYER_DIGEST, 'size': 32, 'urls': ['https://example.com/l']}


def test_config_digest_checked():
    doc, dummy = _oci([mt.OCI_LAYER_GZIP])
    with pytest.raises(DigestMismatchError):
        oci_to_v2s2(doc, b'{ }')


OLD_A = 'sha256:' + '1' * 64
OLD_B = 'sha256:' + '2' * 64
NEW_A = {'digest': 'sha256:' + '3' * 64, 'size': 10, 'media_type': mt.OCI_MANIFEST}
NEW_B = {'digest': 'sha256:' + '4' * 64, 'size': 11, 'media_type': mt.OCI_MANIFEST}


def test_list_to_index_keeps_platform_drops_features():
    docker_list = {'schemaVersion': 2, 'mediaType': mt.DOCKER_LIST, 'manifests': [
        {'mediaType': mt.DOCKER_V2S2, 'digest': OLD_A, 'size': 1,
         'platform': {'architecture': 'arm', 'os': 'linux', 'variant': 'v7', 'features': ['sse4']}},
        {'mediaType': mt.DOCKER_V2S2, 'digest': OLD_B, 'size': 1,
         'platform': {'architecture': 'amd64', 'os': 'windows', 'os.version': '10.0.1', 'os.features': ['win32k']}},
    ]}
    index = list_to_index(docker_list, {OLD_A: NEW_A, OLD_B: NEW_B})
    assert index == (
        b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":['
        b'{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"' + NEW_A['digest'].encode() + b'","size":10,'
        b'"platform":{"architecture":"arm","os":"linux","variant":"v7"}},'
        b'{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"' + NEW_B['digest'].encode() + b'","size":11,'
        b'"platform":{"architecture":"amd64","os":"windows","os.version":"10.0.1","os.features":["win32k"]}}]}')


def test_index_to_list_drops_annotations_defaults_platform():
    index = {'schemaVersion': 2, 'mediaType': mt.OCI_INDEX, 'annotations': {'x': 'y'}, 'manifests': [
        {'mediaType': mt.OCI_MANIFEST, 'digest': OLD_A, 'size': 1, 'annotations': {'a': 'b'},
         'platform': {'architecture': 'arm64', 'os': 'linux', 'variant': 'v8'}},
        {'mediaType': mt.OCI_MANIFEST, 'digest': OLD_B, 'size': 1},
    ]}
    docker = dict(NEW_A, media_type=mt.DOCKER_V2S2)
    result = json.loads(index_to_list(index, {OLD_A: docker, OLD_B: dict(NEW_B, media_type=mt.DOCKER_V2S2)}))
    assert result == {'schemaVersion': 2, 'mediaType': mt.DOCKER_LIST, 'manifests': [
        {'mediaType': mt.DOCKER_V2S2, 'size': 10, 'digest': NEW_A['digest'], 'platform': {'architecture': 'arm64', 'os': 'linux', 'variant': 'v8'}},
        {'mediaType': mt.DOCKER_V2S2, 'size': 11, 'digest': NEW_B['digest'], 'platform': {'architecture': 'amd64', 'os': 'linux'}},
    ]}
    with pytest.raises(ConversionError, match='cannot reference'):
        index_to_list(index, {OLD_A: NEW_A, OLD_B: NEW_B})
    with pytest.raises(ConversionError, match='no converted child'):
        index_to_list(index, {OLD_A: docker})


def test_update_list_same_format():
    index = {'schemaVersion': 2, 'mediaType': mt.OCI_INDEX, 'annotations': {'x': 'y'},
             'manifests': [{'mediaType': mt.OCI_MANIFEST, 'digest': OLD_A, 'size': 1, 'annotations': {'a': 'b'}}]}
    result = json.loads(update_list(index, {OLD_A: NEW_A}))
    assert result['annotations'] == {'x': 'y'}
    assert result['manifests'] == [{'mediaType': mt.OCI_MANIFEST, 'digest': NEW_A['digest'], 'size': 10, 'annotations': {'a': 'b'}}]


@pytest.mark.parametrize('source, target, expected', [
    ('v2s1', 'v2s2', 'v2s1->v2s2'), ('v2s1', 'oci', 'v2s1->oci'), ('v2s2', 'oci', 'v2s2->oci'), ('oci', 'v2s2', 'oci->v2s2'),
    ('v2s2', 'v2s2', 'copy'), ('oci', 'oci', 'copy'), ('v2s2_list', 'oci', 'list->index'), ('v2s2_list', 'oci_index', 'list->index'),
    ('oci_index', 'v2s2', 'index->list'), ('v2s2_list', 'v2s2', 'list-copy'), ('oci_index', 'oci', 'list-copy'),
])
def test_plan(source, target, expected):
    assert plan(source, target) == expected


@pytest.mark.parametrize('source, target', [('v2s2', 'v2s1'), ('oci', 'v2s2_list'), ('docker', 'oci'), ('v2s2', 'zip')])
def test_plan_impossible(source, target):
    with pytest.raises(ConversionError):
        plan(source, target)
