# -*- coding: utf-8 -*-
# Copyright: ftpcfg maintainers
# GNU General Public License v2.0 or later (see LICENSE or https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)
"""Running ftpcfg with --json and reading its documents (format_version 1).

Every ftpcfg --json run prints one JSON object on stdout with
"format_version": 1 and "command"; on failure it carries
"error": {"exit_code", "message", "diagnostics": [{"level", "file",
"line", "message"}]}, and warnings are in "warnings".  This file is the one
place the modules turn that contract into Ansible results.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

FORMAT_VERSION = 1

# The options every module shares (plugins/doc_fragments/common.py documents them).
COMMON_ARGS = dict(
    root=dict(type='path'),
    state_dir=dict(type='path'),
    executable=dict(type='path'),
)

# Where Debian's package (/usr/sbin) and make install (/usr/local/sbin) put it;
# a non-root PATH often lacks the sbin directories.
_SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin']


def ftpcfg_executable(module):
    """The ftpcfg to run: the executable option, else ftpcfg on PATH or in sbin."""
    if module.params.get('executable'):
        return module.params['executable']
    return module.get_bin_path('ftpcfg', required=True, opt_dirs=_SBIN_DIRS)


def global_args(module):
    """ftpcfg's global options from the module's root and state_dir."""
    args = ['--json']
    if module.params.get('root'):
        args += ['--root', module.params['root']]
    if module.params.get('state_dir'):
        args += ['--state-dir', module.params['state_dir']]
    return args


class FtpcfgRun(object):
    """One ftpcfg --json run: its command line, exit code, document and stderr."""

    def __init__(self, cmd, rc, doc, stderr):
        self.cmd = cmd
        self.rc = rc
        self.doc = doc
        self.stderr = stderr

    @property
    def error(self):
        return self.doc.get('error')


def run_ftpcfg(module, command, options=None, operands=None):
    """Run `ftpcfg --json [--root R] [--state-dir S] COMMAND OPTIONS -- OPERANDS`.

    Fails the module when stdout is not one document of this contract (a
    crash, an ftpcfg too old for --json).  Returns an FtpcfgRun; an "error"
    in the document is the caller's to judge (fail_on_error).
    """
    cmd = [ftpcfg_executable(module)] + global_args(module) + [command] + list(options or [])
    if operands:
        cmd += ['--'] + list(operands)
    rc, out, err = module.run_command(cmd, check_rc=False, environ_update=dict(LC_ALL='C'))
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or doc.get('command') != command:
        module.fail_json(msg='ftpcfg %s did not print one JSON document (exit %d): %s'
                         % (command, rc, (err or out or 'no output').strip().splitlines()[-1:]),
                         rc=rc, cmd=cmd, stdout=out, stderr=err)
    if doc.get('format_version') != FORMAT_VERSION:
        module.fail_json(msg='ftpcfg %s printed format_version %r; this collection reads %d'
                         % (command, doc.get('format_version'), FORMAT_VERSION),
                         rc=rc, cmd=cmd, ftpcfg=doc)
    # The contract: "error" exactly when the exit code is neither 0 nor 2.
    if (rc in (0, 2)) == ('error' in doc):
        module.fail_json(msg='ftpcfg %s exited %d, which its document contradicts (error %s)'
                         % (command, rc, 'present' if 'error' in doc else 'missing'),
                         rc=rc, cmd=cmd, ftpcfg=doc, stderr=err)
    return FtpcfgRun(cmd, rc, doc, err)


def rename_file(diagnostics, renames):
    """Diagnostics with each file in renames (a temporary site) given its public name."""
    out = []
    for d in diagnostics or []:
        d = dict(d)
        if d.get('file') in renames:
            d['file'] = renames[d['file']]
        out.append(d)
    return out


def diag_text(d):
    """A diagnostic as ftpcfg prints it on stderr, without the 'ftpcfg: ' prefix."""
    where = ''
    if d.get('file'):
        where = d['file'] + ':'
        if d.get('line'):
            where += '%d:' % d['line']
        where += ' '
    level = 'warning: ' if d.get('level') == 'warning' else ''
    return where + level + d.get('message', '')


def report_warnings(module, run, renames=None):
    """Each warning of the document as an Ansible warning, FILE:LINE: message."""
    for w in rename_file(run.doc.get('warnings'), renames or {}):
        module.warn('ftpcfg: ' + diag_text(dict(w, level=None)))


def fail_on_error(module, run, renames=None, **result):
    """Fail the module with ftpcfg's error, when the document has one.

    msg is ftpcfg's first error (FILE:LINE: message) and how many more
    there are; diagnostics is every error and warning, each with level,
    file, line and message; rc is ftpcfg's exit code.
    """
    err = run.error
    if not err:
        return
    renames = renames or {}
    diagnostics = rename_file(err.get('diagnostics'), renames)
    errors = [d for d in diagnostics if d.get('level') == 'error']
    first = diag_text(errors[0]) if errors else err.get('message', '')
    msg = 'ftpcfg %s failed (exit %d): %s' % (run.doc.get('command'), err.get('exit_code', run.rc), first)
    if len(errors) > 1:
        msg += ' (and %d more: see diagnostics)' % (len(errors) - 1)
    message = err.get('message', '')
    for old, new in renames.items():
        message = message.replace(old, new)
    doc = dict(run.doc, error=dict(err, message=message, diagnostics=diagnostics))
    module.fail_json(msg=msg, rc=run.rc, cmd=run.cmd, diagnostics=diagnostics,
                     ftpcfg=doc, stderr=run.stderr, **result)
