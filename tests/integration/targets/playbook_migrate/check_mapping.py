# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""mapping.csv row by row against mapping.json, and both against audit.json: python check_mapping.py REPORT_DIR.

Each CSV row must be the JSON entry at the same position, field for field, and each old/new digest must be the
digest audit.json records for that source and destination (so swapped or shifted columns fail). Tags sharing an
image (image_key) and target format are all in the mapping or none is, and all got the same converted digest.
"""

from __future__ import annotations

import csv
import json
import os
import sys

FIELDS = ['old_reference', 'old_digest', 'new_reference', 'new_digest']


def main(report):
    with open(os.path.join(report, 'mapping.csv'), newline='') as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    with open(os.path.join(report, 'mapping.json')) as handle:
        entries = json.load(handle)['images']
    with open(os.path.join(report, 'audit.json')) as handle:
        audit = dict((image['src'], image) for image in json.load(handle)['images'])
    assert header == FIELDS, header
    assert len(rows) == len(entries), (len(rows), len(entries))
    for number, (row, entry) in enumerate(zip(rows, entries), start=2):
        assert row == [entry[field] for field in FIELDS], 'mapping.csv line %d %r differs from mapping.json %r' % (number, row, entry)
        image = audit[row[0]]
        assert (row[1], row[2].split('@')[0], row[3]) == (image['digest'], image['dest'], image['dest_digest']), (
            'mapping.csv line %d %r does not match audit.json %r' % (number, row, image))
        assert row[1].startswith('sha256:') and row[3].startswith('sha256:'), row
    new_digests = dict((row[0], row[3]) for row in rows)
    shared = {}
    for image in audit.values():
        shared.setdefault((image['image_key'], image['target_format']), []).append(image['src'])
    for key, sources in shared.items():
        mapped = set(new_digests.get(src) for src in sources)
        assert None not in mapped or mapped == {None}, 'tags of image %s partly mapped: %r' % (key, sources)
        assert len(mapped) == 1, 'tags of image %s converted to different digests: %r' % (key, mapped)
    print('mapping.csv: %d rows equal mapping.json and audit.json; %d images, every tag of each mapped alike'
          % (len(rows), len(shared)))


if __name__ == '__main__':
    main(sys.argv[1])
