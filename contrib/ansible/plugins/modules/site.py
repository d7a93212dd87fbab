#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ftpcfg maintainers
# GNU General Public License v2.0 or later (see LICENSE or https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: site
short_description: Apply an ftpcfg site (FTP daemon configuration and nftables rules) as one transaction
version_added: 0.1.0
description:
  - Makes the target match an ftpcfg site description with C(ftpcfg apply) -
    each FTP daemon's configuration file (vsftpd, ProFTPD, Pure-FTPd), the nftables
    ruleset for exactly that daemon's traffic (committed in one netlink transaction)
    and the reload of each daemon whose file changed. A step that fails puts back
    everything done before it.
  - The site is a file on the target (I(path)) or the XML itself (I(content)).
  - With I(state=absent), takes off everything ftpcfg manages with C(ftpcfg remove) -
    its table (or, in attach mode, its chains, sets, helper and jump) and the daemon
    files it wrote, each put back as it was before ftpcfg first wrote it.
  - In check mode, runs C(ftpcfg diff) and C(ftpcfg apply --check) (the kernel
    validates the whole batch and commits nothing), or C(ftpcfg remove --check), and
    reports whether the task would change something. Nothing is written or committed.
  - In diff mode, returns ftpcfg's plan (one line per object added, changed or deleted)
    and the unified diff of each daemon file and of the ruleset, which
    C(ansible-playbook --diff) shows.
  - C(changed) is true exactly when ftpcfg changed (or in check mode would change)
    something; applying a site that is already in place reports C(changed=false).
  - An invalid site fails the task with ftpcfg's diagnostics, each with its file,
    line and message.
options:
  path:
    description:
      - The site description (XML) on the target.
      - ftpcfg's record of the last apply names this path (C(ftpcfg status) shows it).
      - Exactly one of I(path) and I(content) is needed with I(state=present).
    type: path
    aliases: [ src ]
  content:
    description:
      - The site description (XML) itself.
      - It is written to a temporary file on the target, which ftpcfg reads; that
        file is gone after the task, so ftpcfg's record names a path that no longer
        exists. Use I(path) when C(ftpcfg status) should name a lasting file.
      - In diagnostics the temporary file is called C(content).
    type: str
  state:
    description:
      - C(present) applies the site; C(absent) takes off everything ftpcfg manages
        (I(path) and I(content) are then not needed and not read).
      - C(absent) on a host where ftpcfg manages nothing (never applied, or removed
        already) changes nothing and reports C(changed=false).
    type: str
    choices: [ present, absent ]
    default: present
  reload:
    description:
      - Run the reload command of each server whose file changed
        (C(systemctl reload vsftpd) and the like, or the site's own).
      - With I(state=absent), the reload of each server whose file was put back.
      - C(false) is ftpcfg's C(--no-reload) - files and ruleset change, no daemon is reloaded.
    type: bool
    default: true
  confirm:
    description:
      - Confirm-or-revert, in seconds (ftpcfg's C(apply --confirm SECONDS)) - unless
        C(ftpcfg confirm) (the M(ftpcfg.ftpcfg.confirm) module) runs within that time,
        ftpcfg rolls the change back by itself.
      - Only a run that changes something awaits confirmation; while one does, every
        other change is refused (the task fails with C(rc=75)) until it is confirmed
        or rolled back.
      - Not used in check mode, and not with I(state=absent).
    type: int
  allow_conflicts:
    description:
      - Apply although another firewall on the host would still drop the site's FTP
        traffic (ftpcfg's C(--allow-conflicts)); each conflict becomes a warning.
    type: bool
    default: false
extends_documentation_fragment:
  - ftpcfg.ftpcfg.common
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: debian
seealso:
  - module: ftpcfg.ftpcfg.confirm
  - module: ftpcfg.ftpcfg.status_info
author:
  - ftpcfg maintainers
'''

EXAMPLES = r'''
- name: Apply the site copied to the host
  become: true
  ftpcfg.ftpcfg.site:
    path: /etc/ftpcfg/site.xml

- name: Apply a site given inline, without reloading the daemons
  become: true
  ftpcfg.ftpcfg.site:
    content: "{{ lookup('ansible.builtin.file', 'files/site.xml') }}"
    reload: false

- name: Apply a risky change; ftpcfg rolls it back unless confirmed within 120 s
  become: true
  ftpcfg.ftpcfg.site:
    path: /etc/ftpcfg/site.xml
    confirm: 120

- name: Take off everything ftpcfg manages
  become: true
  ftpcfg.ftpcfg.site:
    state: absent

- name: What would change (run with --check --diff)
  become: true
  ftpcfg.ftpcfg.site:
    path: /etc/ftpcfg/site.xml
  check_mode: true
  diff: true
  register: preview

- name: Apply, and on an invalid site show each problem with its line
  block:
    - name: Apply the site
      become: true
      ftpcfg.ftpcfg.site:
        path: /etc/ftpcfg/site.xml
      register: result
  rescue:
    - name: Each of ftpcfg's diagnostics
      ansible.builtin.debug:
        msg: "{{ item.file }}:{{ item.line }}: {{ item.message }}"
      loop: "{{ result.diagnostics | default([]) }}"
'''

RETURN = r'''
outcome:
  description:
    - What ftpcfg did - C(applied), C(applied, awaiting confirmation) (with I(confirm)),
      C(unchanged) or C(checked) (check mode, something would change) for
      I(state=present); for I(state=absent) C(removed), C(checked) (check mode) or
      C(nothing managed).
  returned: success
  type: str
  sample: applied
ftpcfg:
  description:
    - The JSON document of the ftpcfg run that did the work (C(apply), C(apply --check),
      C(remove) or C(remove --check)), as ftpcfg printed it with C(--json) -
      C(format_version) 1, C(command), C(outcome), C(warnings); on failure C(error) with
      C(exit_code), C(message) and C(diagnostics).
  returned: always
  type: dict
  sample:
    format_version: 1
    command: apply
    outcome: applied
    warnings: []
changes:
  description: The number of plan items (C(ftpcfg diff --json)'s C(changes)).
  returned: in check mode or diff mode, with I(state=present)
  type: int
  sample: 2
plan:
  description:
    - ftpcfg's plan - one item per object to add, change or delete, each with
      C(op), C(object), C(name), C(in), C(text) and C(summary) (the line C(ftpcfg diff) prints).
  returned: in check mode or diff mode, with I(state=present)
  type: list
  elements: dict
  sample:
    - op: add
      object: table
      name: ftpcfg
      in: null
      text: null
      summary: "+ table ftpcfg"
diffs:
  description: The unified diff of each daemon file and of the ruleset (path C(ruleset)), live against the site.
  returned: in check mode or diff mode, with I(state=present)
  type: list
  elements: dict
  sample:
    - path: /etc/vsftpd.conf
      diff: "--- /dev/null\n+++ /etc/vsftpd.conf\n@@ -0,0 +1,36 @@\n+listen=YES\n"
diagnostics:
  description:
    - On failure, every error and warning ftpcfg gave, in its order, each with
      C(level) (C(error) or C(warning)), C(file), C(line) (1-based, 0 when unknown) and C(message).
  returned: failure
  type: list
  elements: dict
  sample:
    - level: error
      file: /etc/ftpcfg/site.xml
      line: 3
      message: max-port '5' is below min-port '10'; swap them
rc:
  description: ftpcfg's exit code on failure (1 failure, 65 invalid site, 66 site unreadable, 75 temporary, 77 permission denied).
  returned: failure
  type: int
  sample: 65
cmd:
  description: The ftpcfg command line of the run that did the work.
  returned: always
  type: list
  elements: str
  sample: [/usr/sbin/ftpcfg, --json, apply, --, /etc/ftpcfg/site.xml]
'''

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.ftpcfg.ftpcfg.plugins.module_utils.ftpcfg import (
    COMMON_ARGS, fail_on_error, report_warnings, run_ftpcfg)


def site_file(module):
    """The site's path on the target, and the names to show for temporary files."""
    if module.params['path'] is not None:
        return module.params['path'], {}
    fd, tmp = tempfile.mkstemp(prefix='ftpcfg-site-', suffix='.xml', dir=module.tmpdir)
    with os.fdopen(fd, 'wb') as f:
        f.write(to_bytes(module.params['content'], errors='surrogate_or_strict'))
    return tmp, {tmp: 'content'}


def ansible_diff(plan, diffs):
    """The plan and each unified diff, as Ansible shows diffs (prepared text)."""
    lines = [p.get('summary') or '%s %s %s' % (p.get('op'), p.get('object'), p.get('name')) for p in plan]
    out = [dict(prepared='ftpcfg plan (%d):\n%s\n' % (len(lines), '\n'.join(lines)))]
    for d in diffs:
        out.append(dict(prepared=d.get('diff', '')))
    return out


def present(module):
    site, renames = site_file(module)
    result = dict(changed=False)
    options = []
    if not module.params['reload']:
        options.append('--no-reload')
    if module.params['allow_conflicts']:
        options.append('--allow-conflicts')
    if module.params['confirm'] is not None:
        if module.params['confirm'] < 1:
            module.fail_json(msg='confirm must be a number of seconds, at least 1')

    if module.check_mode or module._diff:
        d = run_ftpcfg(module, 'diff', operands=[site])
        fail_on_error(module, d, renames)
        result['changes'] = d.doc.get('changes', 0)
        result['plan'] = d.doc.get('plan', [])
        result['diffs'] = d.doc.get('diffs', [])

    if module.check_mode:
        run = run_ftpcfg(module, 'apply', ['--check'] + options, [site])
    else:
        if module.params['confirm'] is not None:
            options += ['--confirm', str(module.params['confirm'])]
        run = run_ftpcfg(module, 'apply', options, [site])
    fail_on_error(module, run, renames, **result)
    report_warnings(module, run, renames)

    outcome = run.doc.get('outcome')
    # apply: "applied" (or "applied, awaiting confirmation") when it changed
    # something; apply --check: "checked" when it would.
    result['changed'] = outcome in ('applied', 'applied, awaiting confirmation', 'checked')
    if module._diff and result['changed']:
        result['diff'] = ansible_diff(result['plan'], result['diffs'])
    result.update(outcome=outcome, ftpcfg=run.doc, cmd=run.cmd)
    return result


def absent(module):
    """ftpcfg remove (--check in check mode): the plan is what remove prints."""
    options = []
    if module.check_mode:
        options.append('--check')
    if not module.params['reload']:
        options.append('--no-reload')
    run = run_ftpcfg(module, 'remove', options)
    fail_on_error(module, run)
    report_warnings(module, run)
    outcome = run.doc.get('outcome')
    result = dict(changed=outcome in ('removed', 'checked'), outcome=outcome,
                  ftpcfg=run.doc, cmd=run.cmd)
    if module._diff and result['changed']:
        lines = [item.get('summary', '') for key in ('ruleset', 'files')
                 for item in run.doc.get(key) or []]
        result['diff'] = [dict(prepared='ftpcfg remove (%d):\n%s\n' % (len(lines), '\n'.join(lines)))]
    return result


def main():
    argument_spec = dict(
        path=dict(type='path', aliases=['src']),
        content=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        reload=dict(type='bool', default=True),
        confirm=dict(type='int'),
        allow_conflicts=dict(type='bool', default=False),
    )
    argument_spec.update(COMMON_ARGS)
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[('path', 'content')],
        required_if=[('state', 'present', ('path', 'content'), True)],
        supports_check_mode=True,
    )
    if module.params['state'] == 'present':
        result = present(module)
    else:
        result = absent(module)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
