# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Stand-in for get-pip.py, which ansible-test sanity downloads from a host these machines cannot reach.

It bootstraps pip with ensurepip, then installs what it was asked for from the package index.
"""

from __future__ import annotations

import subprocess
import sys


def main():
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
    # get-pip.py's own flags mean nothing to pip itself.
    own_flags = ('--disable-pip-version-check', '--no-setuptools', '--no-wheel')
    args = [arg for arg in sys.argv[1:] if not arg.startswith(own_flags)]
    if args:
        subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--disable-pip-version-check'] + args)


if __name__ == '__main__':
    main()
