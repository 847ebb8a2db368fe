# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A dead end for HTTP(S)_PROXY on loopback: refuses every request and writes one line per request to a log.

   sink_proxy.py PORT LOG LIFETIME

Everything that would reach a registry outside loopback (Docker Hub for a bare image name) goes through the proxy
and is counted: an empty log proves nothing was looked up outside.
"""

import sys
import threading
from http.server import BaseHTTPRequestHandler

from imagefleet_lab.loopback import serve_bounded

PORT, LOG, LIFETIME = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
_LOCK = threading.Lock()


class Sink(BaseHTTPRequestHandler):
    def _refuse(self):
        with _LOCK, open(LOG, 'a', encoding='utf-8') as log:
            log.write('%s %s\n' % (self.command, self.path))
        self.send_error(403, 'imagefleet test: nothing outside loopback may be contacted')

    do_CONNECT = do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

    def log_message(self, *args):
        pass


if __name__ == '__main__':
    open(LOG, 'a', encoding='utf-8').close()
    serve_bounded(Sink, PORT, LIFETIME)
