# -*- coding: utf-8 -*-
# Copyright: ftpcfg maintainers
# GNU General Public License v2.0 or later (see LICENSE or https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The options every module of the collection has: where ftpcfg works and which ftpcfg.
    DOCUMENTATION = r'''
options:
  root:
    description:
      - Prefix every path ftpcfg reads or writes with this directory (ftpcfg's C(--root)) -
        the managed daemon files, the TLS files checked before an apply, the default state directory.
      - Paths written into the daemons' files are never prefixed; the site file itself is not either.
      - Must be absolute. For image builds and tests.
    type: path
  state_dir:
    description:
      - Where ftpcfg keeps its lock, journal and the record of the last apply (ftpcfg's C(--state-dir)).
      - Default C(ROOT/var/lib/ftpcfg). Taken as given, not prefixed by I(root).
    type: path
  executable:
    description:
      - The ftpcfg program to run.
      - Default C(ftpcfg) found on C(PATH), C(/usr/sbin) or C(/usr/local/sbin).
    type: path
notes:
  - The modules speak ftpcfg's C(--json) contract, C(format_version) 1; they fail when ftpcfg prints anything else.
  - ftpcfg needs root (C(become)) to read and change the ruleset through netlink.
requirements:
  - ftpcfg on the target (the Debian package C(ftpcfg), or C(make install))
'''
