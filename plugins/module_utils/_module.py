# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Running a module body with every typed error mapped to fail_json in one place."""

from __future__ import annotations

from ansible_collections.imagefleet.registry.plugins.module_utils._errors import (
    ImagefleetError,
    RegistryError,
)
from ansible_collections.imagefleet.registry.plugins.module_utils._notices import take as take_notices


def error_result(exc):
    """The fields a failed result (or a failed batch item) carries for a typed error."""
    result = {'msg': exc.message, 'error_type': type(exc).__name__}
    if isinstance(exc, RegistryError):
        for key in ('status', 'code', 'registry'):
            value = getattr(exc, key)
            if value is not None:
                result[key] = value
    for key, value in exc.details.items():
        if value is not None and key not in result:
            result[key] = value
    return result


def run_module(module, body, bulky=()):
    """Call body(module) -> result dict; exit_json it, or fail_json on a typed error.

    bulky names list parameters (per-image lists, thousands of items) that the result's invocation gives as a count
    instead of echoing them: Ansible would ship every item back to the controller, into the registered result.
    Anything that is not an ImagefleetError is a bug and is left to Ansible's
    traceback handling on purpose.
    """
    invocation = {'module_args': abridged_params(module.params, bulky)}
    try:
        result = body(module)
    except ImagefleetError as exc:
        _warn_notices(module)
        module.fail_json(invocation=invocation, **error_result(exc))
    _warn_notices(module)
    module.exit_json(invocation=invocation, **result)


def abridged_params(params, bulky):
    """params with each list named in bulky replaced by '<n> items (not echoed)'."""
    return dict((key, '%d items (not echoed)' % len(value) if key in bulky and isinstance(value, list) else value)
                for key, value in params.items())


def _warn_notices(module):
    """Long waits and protocol fallbacks of this run become warnings in its output."""
    for text in take_notices():
        module.warn(text)


def require_libraries(module):
    """fail_json with Ansible's standard hint when a required Python library is missing."""
    # Imported here so that importing this file never needs them.
    from ansible.module_utils.basic import missing_required_lib
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.credentials import HAS_DOCKER_SDK
    from ansible_collections.imagefleet.registry.plugins.module_utils._registry.client import HAS_REQUESTS

    for name, present in (('requests', HAS_REQUESTS), ('docker', HAS_DOCKER_SDK)):
        if not present:
            module.fail_json(msg=missing_required_lib(name))
