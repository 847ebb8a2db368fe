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
    args = [arg for arg in sys.argv[1:] if not arg.startswith('--disable-pip-version-check')]
    if args:
        subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--disable-pip-version-check'] + args)


if __name__ == '__main__':
    main()
