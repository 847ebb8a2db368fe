# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import socket

import pytest

from ansible_collections.imagefleet.registry.plugins.module_utils._engines import containerd as containerd_engine
from ansible_collections.imagefleet.registry.plugins.module_utils._errors import ImagefleetError

RECORDED = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'ctr')
REG = '127.0.0.1:53099'
OCI = 'application/vnd.oci.image.manifest.v1+json'
V2S2 = 'application/vnd.docker.distribution.manifest.v2+json'


def recorded(name):
    with open(os.path.join(RECORDED, name), encoding='utf-8') as handle:
        return handle.read()


def test_image_list_is_read_by_the_header_positions():
    images = containerd_engine.parse_image_list(recorded('images_ls.txt'))
    assert [i['name'] for i in images][:4] == [
        REG + '/kube/app:1', REG + '/legacy/multi:1',
        REG + '/legacy/single@sha256:a7edbac49fd187edd5feaf95fc0db373b8a761fbfa46ca8517e5b4479ec8a89a', REG + '/modern/v2s2:1']
    assert len(images) == 8 and sum(1 for i in images if i['name'].startswith('sha256:')) == 4
    multi = images[1]
    # The SIZE cell (224.2 KiB) holds a space: reading by position keeps the other cells whole.
    assert multi == {'name': REG + '/legacy/multi:1', 'media_type': OCI, 'labels': {'io.cri-containerd.image': 'managed'},
                     'digest': 'sha256:073610ed6a8aacb02670273f7ea6df39759174e9d07b789a9b3de454b5951f15'}
    assert images[3]['media_type'] == V2S2


def test_image_list_without_images_and_without_labels():
    assert containerd_engine.parse_image_list('REF TYPE DIGEST SIZE PLATFORMS LABELS \n') == []
    text = ('REF          TYPE   DIGEST                                                                  SIZE  PLATFORMS LABELS\n'
            'r.io/a:1     t/x    sha256:%s 1.0 B linux/amd64 -\n' % ('e' * 64))
    assert containerd_engine.parse_image_list(text)[0]['labels'] == {}


@pytest.mark.parametrize('text', ['', 'NAME DIGEST\nx sha256:1\n', 'REF TYPE DIGEST SIZE PLATFORMS LABELS\nr.io/a:1 t nodigest 1 B - -\n'])
def test_image_list_that_does_not_fit_fails_clearly(text):
    with pytest.raises(ImagefleetError) as info:
        containerd_engine.parse_image_list(text)
    assert info.value.details['reason'] == 'ctr_output' and 'ctr images ls' in info.value.message


def test_labels():
    assert containerd_engine.parse_labels('-') == {}
    assert containerd_engine.parse_labels('') == {}
    assert containerd_engine.parse_labels('a=1,b=x=y,c=') == {'a': '1', 'b': 'x=y', 'c': ''}
    assert containerd_engine.parse_labels('note=one,two,k=v') == {'note': 'one,two', 'k': 'v'}


def test_content_list_and_conversion_marks():
    content = containerd_engine.parse_content_list(recorded('content_ls.txt'))
    assert len(content) == 16
    images = dict((i['name'], i) for i in containerd_engine.parse_image_list(recorded('images_ls.txt')))
    converted = dict((name, containerd_engine.converted_from_schema1(image, content)) for name, image in images.items())
    assert converted[REG + '/kube/app:1'] and converted[REG + '/legacy/multi:1']
    assert converted[REG + '/legacy/single@sha256:a7edbac49fd187edd5feaf95fc0db373b8a761fbfa46ca8517e5b4479ec8a89a']
    assert not converted[REG + '/modern/v2s2:1']


def test_conversion_label_of_newer_containerd_and_a_fetched_manifest_sharing_marked_layers():
    layer = 'sha256:' + 'c' * 64
    content = {
        'sha256:' + 'a' * 64: {'containerd.io/gc.ref.content.l.0': layer, 'containerd.io/distribution.source.r.io': 'x'},
        layer: {containerd_engine.SCHEMA1_LAYER_LABEL: 'false'},
    }
    fetched = {'name': 'r.io/converted/x:1', 'digest': 'sha256:' + 'a' * 64, 'labels': {}}
    assert not containerd_engine.converted_from_schema1(fetched, content)
    labelled = {'name': 'r.io/x:1', 'digest': 'sha256:' + 'b' * 64, 'labels': {containerd_engine.CONVERTED_LABEL: 'sha256:' + 'd' * 64}}
    facts = containerd_engine.image_facts(labelled, content)
    assert facts['converted_from_schema1'] and facts['schema1_digest'] == 'sha256:' + 'd' * 64
    assert containerd_engine.image_facts(fetched, content)['schema1_digest'] is None


def test_container_facts():
    facts = containerd_engine.container_facts(json.loads(recorded('containers_info.json')))
    assert facts['id'] == 'legacy1' and facts['name'] == 'shop/web-0/app' and facts['image'] == REG + '/kube/app:1'
    assert (facts['pod_name'], facts['pod_namespace'], facts['container_name']) == ('web-0', 'shop', 'app')
    assert facts['labels']['io.cri-containerd.image'] == 'managed'
    plain = containerd_engine.container_facts({'ID': 'c1', 'Image': 'r.io/a:1', 'Labels': None})
    assert plain['name'] == 'c1' and plain['labels'] == {} and plain['pod_name'] is None


def test_server_version():
    assert containerd_engine.parse_server_version(recorded('version.txt')) == '1.6.20~ds1'
    assert containerd_engine.parse_server_version('Client:\n  Version: 1\n') is None


class FakeCtr:
    """run_command stand-in answering ctr subcommands from recorded output."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, command, check_rc=False):
        assert command[:5] == ['/usr/bin/ctr', '--address', '/run/c.sock', '--namespace', 'k8s.io']
        args = ' '.join(command[9:])
        self.calls.append(args)
        return self.answers[args]


def engine(answers, monkeypatch):
    monkeypatch.setattr(containerd_engine, 'check_socket', lambda address, timeout: None)
    fake = FakeCtr(answers)
    return containerd_engine.ContainerdEngine(fake, '/usr/bin/ctr', address='/run/c.sock', timeout=7), fake


NODE = {
    'version': (0, recorded('version.txt'), ''),
    'namespaces ls -q': (0, 'default\nk8s.io\n', ''),
    'content ls': (0, recorded('content_ls.txt'), ''),
    'images ls': (0, recorded('images_ls.txt'), ''),
    'containers ls -q': (0, 'legacy1\n', ''),
    'containers info legacy1': (0, recorded('containers_info.json'), ''),
}


def test_gather(monkeypatch):
    ctd, fake = engine(NODE, monkeypatch)
    facts = ctd.gather()
    assert facts['engine'] == {'name': 'containerd', 'version': '1.6.20~ds1', 'api_version': None, 'namespace': 'k8s.io'}
    assert [i['name'] for i in facts['images']] == sorted(i['name'] for i in facts['images'])
    assert [c['name'] for c in facts['containers']] == ['shop/web-0/app']
    assert all(call.split()[0] in ('version', 'namespaces', 'content', 'images', 'containers') for call in fake.calls)


def test_container_removed_while_reading(monkeypatch):
    gone = 'ctr: container "legacy1" in namespace "k8s.io": not found'
    ctd, dummy = engine(dict(NODE, **{'containers info legacy1': (1, '', gone)}), monkeypatch)
    assert ctd.gather()['containers'] == []


def test_unknown_namespace_is_an_error_not_an_empty_node(monkeypatch):
    ctd, fake = engine(dict(NODE, **{'namespaces ls -q': (0, 'default\nmoby\n', '')}), monkeypatch)
    with pytest.raises(ImagefleetError) as info:
        ctd.gather()
    assert info.value.details['reason'] == 'namespace_unknown'
    assert "no namespace 'k8s.io' (it has: default, moby)" in info.value.message
    assert 'images ls' not in fake.calls


def test_ctr_failures(monkeypatch):
    denied = 'ctr: failed to dial "/run/c.sock": connection error: desc = "transport: ... connect: permission denied"'
    ctd, dummy = engine(dict(NODE, version=(1, '', denied)), monkeypatch)
    with pytest.raises(ImagefleetError) as info:
        ctd.gather()
    assert info.value.details['reason'] == 'permission_denied' and '/run/c.sock' in info.value.message
    ctd, dummy = engine(dict(NODE, **{'images ls': (1, '', 'ctr: boom')}), monkeypatch)
    with pytest.raises(ImagefleetError) as info:
        ctd.gather()
    assert info.value.details['reason'] == 'ctr_error' and '`ctr images ls`' in info.value.message and 'boom' in info.value.message
    ctd, dummy = engine(dict(NODE, **{'containers info legacy1': (0, 'not json', '')}), monkeypatch)
    with pytest.raises(ImagefleetError) as info:
        ctd.gather()
    assert info.value.details['reason'] == 'ctr_output'


def test_check_socket(tmp_path):
    with pytest.raises(ImagefleetError) as info:
        containerd_engine.check_socket(str(tmp_path / 'absent.sock'), 1)
    assert info.value.details['reason'] == 'socket_missing' and 'absent.sock does not exist' in info.value.message
    path = str(tmp_path / 'idle.sock')
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    idle.bind(path)     # bound, not listening: connections are refused
    try:
        with pytest.raises(ImagefleetError) as info:
            containerd_engine.check_socket(path, 1)
        assert info.value.details['reason'] == 'connection_refused'
        idle.listen(1)
        containerd_engine.check_socket(path, 1)
    finally:
        idle.close()
