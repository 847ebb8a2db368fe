# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the collection ships, checked on a tarball or an installed tree.

python tarball_files.py tarball FILE.tar.gz
python tarball_files.py tree DIRECTORY
Only these top-level entries, every file users need, none of the workshop or its leftovers, and a small size.
"""

from __future__ import annotations

import os
import sys
import tarfile

TOP_LEVEL = {'MANIFEST.json', 'FILES.json', 'README.md', 'CHANGELOG.rst', 'changelogs', 'docs', 'examples', 'meta',
             'playbooks', 'plugins', 'roles', 'requirements.txt', 'bindep.txt', 'execution-environment.yml'}
NEEDED = {'MANIFEST.json', 'README.md', 'CHANGELOG.rst', 'changelogs/changelog.yaml', 'meta/runtime.yml',
          'meta/execution-environment.yml', 'requirements.txt', 'bindep.txt', 'playbooks/migrate.yml',
          'playbooks/fetch_reports.yml', 'plugins/modules/image_convert.py', 'plugins/modules/image_report_artifact.py',
          'plugins/module_utils/_registry/client.py', 'roles/skopeo/meta/argument_specs.yml',
          'examples/awx/credential-type.yml', 'examples/awx/collections/requirements.yml'}
NEVER = ('bench', 'hacking', 'tests', 'build', 'imagefleet-report', 'collections', 'Makefile', 'requirements-dev.txt',
         'changelogs/fragments', 'changelogs/.plugin-cache.yaml')
MAX_BYTES = 2 * 1024 * 1024


def listing_of_tarball(path):
    with tarfile.open(path) as tar:
        return dict((member.name, member.size) for member in tar.getmembers() if member.isfile())


def listing_of_tree(root):
    files = {}
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            files[os.path.relpath(path, root)] = os.path.getsize(path)
    return files


def check(files):
    problems = ['unexpected top-level entry %s' % top for top in sorted({name.split('/')[0] for name in files} - TOP_LEVEL)]
    problems += ['missing %s' % name for name in sorted(NEEDED - set(files))]
    for name in files:
        parts = name.split('/')
        if any(part.startswith('.') or part == '__pycache__' or part.endswith(('.pyc', '.tar.gz')) for part in parts) or \
                any(name == never or name.startswith(never + '/') for never in NEVER):
            problems.append('ships %s' % name)
    total = sum(files.values())
    if total > MAX_BYTES:
        problems.append('%d bytes, over %d' % (total, MAX_BYTES))
    assert not problems, '\n'.join(problems)
    print('%d files, %d bytes, top level: %s' % (len(files), total, ' '.join(sorted({name.split('/')[0] for name in files}))))


if __name__ == '__main__':
    kind, path = sys.argv[1:3]
    check(listing_of_tarball(path) if kind == 'tarball' else listing_of_tree(path))
