#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ftpcfg maintainers
# GNU General Public License v2.0 or later (see LICENSE or https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: confirm
short_description: Keep the ftpcfg change that awaits confirmation (ftpcfg confirm)
version_added: 0.1.0
description:
  - A site applied with I(confirm) (ftpcfg's C(apply --confirm SECONDS)) is rolled back
    by ftpcfg itself unless confirmed in time. This module confirms it with
    C(ftpcfg confirm) - run it after the tasks that prove the host is still reachable
    and serving FTP.
  - C(changed) is true when a change was awaiting confirmation and is now kept;
    with nothing pending the task is C(ok) and changes nothing.
  - In check mode, reads C(ftpcfg status) and reports whether something awaits
    confirmation; nothing is written.
  - A deadline that has already passed cannot be confirmed - the change was (or,
    at the next ftpcfg run, is) rolled back - and C(ftpcfg confirm) says so; the
    task then fails.
extends_documentation_fragment:
  - ftpcfg.ftpcfg.common
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: debian
seealso:
  - module: ftpcfg.ftpcfg.site
  - module: ftpcfg.ftpcfg.status_info
author:
  - ftpcfg maintainers
'''

EXAMPLES = r'''
- name: Apply a risky change; ftpcfg rolls it back unless confirmed within 120 s
  become: true
  ftpcfg.ftpcfg.site:
    path: /etc/ftpcfg/site.xml
    confirm: 120

- name: The host still answers on the FTP port
  ansible.builtin.wait_for:
    host: "{{ ansible_host | default(inventory_hostname) }}"
    port: 21
    timeout: 30
  delegate_to: localhost

- name: Keep the change
  become: true
  ftpcfg.ftpcfg.confirm:
'''

RETURN = r'''
outcome:
  description: C(confirmed) (a change was kept) or C(nothing pending); in check mode C(pending) or C(nothing pending).
  returned: success
  type: str
  sample: confirmed
generation:
  description: The generation confirmed (or, in check mode, awaiting confirmation); null when nothing was pending.
  returned: success
  type: int
  sample: 3
ftpcfg:
  description:
    - The JSON document of the ftpcfg run (C(confirm), or C(status) in check mode), as
      ftpcfg printed it with C(--json); on failure C(error) with C(exit_code), C(message)
      and C(diagnostics).
  returned: always
  type: dict
diagnostics:
  description: On failure, ftpcfg's errors and warnings, each with C(level), C(file), C(line) and C(message).
  returned: failure
  type: list
  elements: dict
rc:
  description: ftpcfg's exit code on failure.
  returned: failure
  type: int
cmd:
  description: The ftpcfg command line.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.ftpcfg.ftpcfg.plugins.module_utils.ftpcfg import (
    COMMON_ARGS, fail_on_error, report_warnings, run_ftpcfg)


def main():
    module = AnsibleModule(argument_spec=dict(COMMON_ARGS), supports_check_mode=True)
    if module.check_mode:
        run = run_ftpcfg(module, 'status')
        fail_on_error(module, run)
        report_warnings(module, run)
        pending = run.doc.get('pending_confirm')
        if pending and pending.get('expired'):
            module.fail_json(msg='generation %s was not confirmed by %s: it is rolled back, '
                                 'not kept' % (pending.get('generation'), pending.get('deadline')),
                             ftpcfg=run.doc, cmd=run.cmd)
        module.exit_json(changed=pending is not None,
                         outcome='pending' if pending else 'nothing pending',
                         generation=pending.get('generation') if pending else None,
                         ftpcfg=run.doc, cmd=run.cmd)
    run = run_ftpcfg(module, 'confirm')
    fail_on_error(module, run)
    report_warnings(module, run)
    outcome = run.doc.get('outcome')
    module.exit_json(changed=outcome == 'confirmed', outcome=outcome,
                     generation=run.doc.get('generation'), ftpcfg=run.doc, cmd=run.cmd)


if __name__ == '__main__':
    main()
