# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Running one of this collection's modules inside Ansible's worker process when its task runs on the controller.

A module task costs about 0.6 s of CPU before the module does anything: Ansible parses every file of its code to
build the AnsiballZ payload (0.3 s), then a new Python imports it all again from that zip, compiling each file
(0.3 s). migrate.yml runs four or more such tasks on the controller. When the task would run the module right here
anyway - local connection, the controller's own Python, no become, no async, no task `environment` - the action
plugin of the module calls the module's main() in the worker process instead, with ControllerModule in place of
AnsibleModule: the same argument spec validation, check and diff mode, warnings, and no_log values removed from the
result. Anything else runs the module as usual.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

display = Display()
_LOCAL = ('local', 'ansible.builtin.local', 'ansible.legacy.local')


class _Exit(Exception):
    """exit_json / fail_json: the module's result, ending main() as AnsibleModule's sys.exit would."""

    def __init__(self, result):
        super().__init__()
        self.result = result


class ControllerModule:
    """The part of AnsibleModule this collection's modules use, for a run in the worker process."""

    def __init__(self, name, args, check_mode, diff, argument_spec, mutually_exclusive=None, required_together=None,
                 required_one_of=None, required_if=None, required_by=None, supports_check_mode=False):
        self.check_mode = check_mode
        self._diff = diff
        self._warnings = []
        self.no_log_values = set()
        validator = ArgumentSpecValidator(argument_spec, mutually_exclusive, required_together, required_one_of,
                                          required_if, required_by)
        validated = validator.validate(dict(args))
        self.params = validated.validated_parameters
        self.no_log_values.update(validated._no_log_values)  # pylint: disable=protected-access
        for both in validated._warnings:  # pylint: disable=protected-access
            self.warn('Both option {option} and its alias {alias} are set.'.format(**both))
        errors = validated.errors.errors
        if errors:  # worded as AnsibleModule words them
            message = validated.errors.msg
            if isinstance(errors[0], UnsupportedError):
                message = 'Unsupported parameters for (%s) module: %s' % (name, message)
            self.fail_json(msg=message)
        if check_mode and not supports_check_mode:
            self.exit_json(skipped=True, msg='remote module (%s) does not support check mode' % name)

    def warn(self, warning):
        self._warnings.append(warning)

    def exit_json(self, **result):
        raise _Exit(self._finish(result))

    def fail_json(self, msg, **result):
        result['failed'] = True
        result['msg'] = msg
        raise _Exit(self._finish(result))

    def _finish(self, result):
        if self._warnings:
            result['warnings'] = list(self._warnings)
        if self.no_log_values:
            result = remove_values(result, self.no_log_values)
        # Through JSON as a module's result comes: the same types (lists, not tuples or sets), nothing unserialisable.
        return json.loads(json.dumps(result))

    @staticmethod
    def atomic_move(src, dest):
        """Rename src over dest, which keeps its mode; a new file gets the default mode (0666 less the umask)."""
        try:
            mode = os.stat(dest).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(src, mode)
        os.replace(src, dest)


def why_not_here(action, task_vars):
    """None when the module would run in a Python like this one, on this machine, as this user, in this environment;
    else what differs (shown with -vvv)."""
    task = action._task  # pylint: disable=protected-access
    if action._connection.transport not in _LOCAL:  # pylint: disable=protected-access
        return 'connection %s' % action._connection.transport  # pylint: disable=protected-access
    if action._play_context.become:  # pylint: disable=protected-access
        return 'become'
    if task.async_val:
        return 'async'
    if any(task.environment or ()):  # Ansible gives [{}] for no environment
        return 'a task environment'
    if task.delegate_to:  # the delegated host's interpreter, as ActionBase._configure_module takes it
        task_vars = (task_vars.get('ansible_delegated_vars') or {}).get(task.delegate_to) or {}
    interpreter = task_vars.get('ansible_python_interpreter')
    if interpreter:
        interpreter = action._templar.template(interpreter)  # pylint: disable=protected-access
    if not isinstance(interpreter, str) or os.path.abspath(os.path.expanduser(interpreter)) != os.path.abspath(sys.executable):
        return 'ansible_python_interpreter is not %s' % sys.executable
    return None


def plain_arguments(args):
    """args through JSON, as a module's go: plain lists, dicts and strings, whatever Ansible's templating made of
    them; None when they do not go through (the module path serialises them its own way)."""
    try:
        return json.loads(json.dumps(args))
    except (TypeError, ValueError):
        return None


def run_module_here(module, args, check_mode, diff, called=None):
    """The result of `module` (one of the modules/ files) run with (plain) args in this process: its main(), given
    ControllerModule; called: the name the task used (in messages, as AnsibleModule words them)."""
    name = called or module.__name__.rpartition('.')[2]

    def factory(**spec):
        return ControllerModule(name, args, check_mode, diff, **spec)

    with warnings.catch_warnings():
        # A module's stray Python warnings (urllib3, the Docker SDK) are not shown either: its stderr is dropped.
        warnings.simplefilter('ignore')
        try:
            module.main(factory)
        except _Exit as done:
            return done.result
    return {'failed': True, 'msg': 'module %s ended without a result' % name}


class InProcessAction(ActionBase):
    """Action plugin of a module that runs here when the task runs on the controller (see the file's docstring)."""

    # The module (its modules/ file), set by each action plugin, which imports it: Ansible's strategy loads action
    # plugins in its main process, so every worker forked from it inherits the module and its imports (requests,
    # module_utils) instead of importing them again for each task.
    MODULE = None
    _supports_async = True  # by running the module as a module process

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        name = self._task.action
        args = plain_arguments(self._task.args)
        reason = why_not_here(self, task_vars) or (None if args is not None else 'arguments that are not plain JSON')
        if reason:
            # As Ansible's own `normal` action runs a module.
            display.vvv('%s runs as a module process (%s)' % (name, reason))
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access
            return result
        display.vvv('%s runs in the worker process: the task runs on the controller, in this Python' % name)
        result.update(run_module_here(self.MODULE, args, bool(self._task.check_mode), bool(self._task.diff), name))
        return result
