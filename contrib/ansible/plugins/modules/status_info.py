#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ftpcfg maintainers
# GNU General Public License v2.0 or later (see LICENSE or https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: status_info
short_description: What ftpcfg manages on a host, as data (ftpcfg status)
version_added: 0.1.0
description:
  - Runs C(ftpcfg status --json) and returns its document - the last apply (time,
    outcome, site and its SHA-256, table or attach point, ruleset generation), each
    managed file (as applied, changed since the last apply, missing), whether the
    table is present, and any drift of the live ruleset from what was applied.
  - Reads only; never changes anything, so it runs the same in check mode.
extends_documentation_fragment:
  - ftpcfg.ftpcfg.common
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
  platform:
    platforms: debian
seealso:
  - module: ftpcfg.ftpcfg.site
author:
  - ftpcfg maintainers
'''

EXAMPLES = r'''
- name: Read what ftpcfg manages
  become: true
  ftpcfg.ftpcfg.status_info:
  register: ftp

- name: Alert on drift or a changed file
  ansible.builtin.fail:
    msg: "ftpcfg drift on {{ inventory_hostname }}: {{ ftp.status.drift | join(', ') }}"
  when: >-
    ftp.status.last_apply is not none and
    (ftp.status.drift | length > 0 or not ftp.status.table_present or
     ftp.status.files | rejectattr('state', 'equalto', 'as applied') | list | length > 0)
'''

RETURN = r'''
status:
  description:
    - C(ftpcfg status --json)'s document - C(format_version) 1, C(command) C(status), C(warnings),
      C(last_apply) (C(null) when nothing is managed), C(files), C(drift), C(journal_left),
      and when something is managed C(table_present) and C(genid). The ftpcfg README
      ("JSON output") and C(share/ftpcfg/json/status.schema.json) describe every member.
  returned: success
  type: dict
  sample:
    format_version: 1
    command: status
    last_apply:
      time: "2026-12-05T12:29:09Z"
      outcome: applied
      site: /etc/ftpcfg/site.xml
      site_sha256: f7be5bd0208608cc1ffaf65d2d22cd333207370a8f4ce273781781ff80e02dc3
      family: inet
      table: ftpcfg
      attach: false
      attach_chain: null
      genid: 2
    files:
      - path: /etc/vsftpd.conf
        sha256: 8cff9acdb0293f6d6e1af4695a7b5a1519e54fb6517292ff04f7bdbb18ea716e
        state: as applied
    drift: []
    journal_left: false
    table_present: true
    genid: 2
    warnings: []
diagnostics:
  description: On failure (a damaged record, no permission), ftpcfg's errors and warnings, each with C(level), C(file), C(line) and C(message).
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
    run = run_ftpcfg(module, 'status')
    fail_on_error(module, run)
    report_warnings(module, run)
    module.exit_json(changed=False, status=run.doc, cmd=run.cmd)


if __name__ == '__main__':
    main()
