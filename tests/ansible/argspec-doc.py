#!/usr/bin/python3
"""What ansible-test's validate-modules checks first, without its venv:
each module's argument_spec against its DOCUMENTATION as ansible-doc
reads it (names, types, defaults, choices, aliases, required), both ways.

usage: argspec-doc.py COLLECTIONS_PATH NAMESPACE.NAME MODULE...
The argument_spec is taken the way validate-modules takes it: the module
runs as __main__ with AnsibleModule replaced by a catcher.
"""
import json
import os
import runpy
import subprocess
import sys

from ansible.module_utils import basic


class Caught(Exception):
    pass


def catch(self, argument_spec, **kwargs):
    raise Caught(argument_spec)


def spec_of(path):
    basic.AnsibleModule.__init__ = catch
    try:
        runpy.run_path(path, run_name='__main__')
    except Caught as c:
        return c.args[0]
    raise SystemExit('%s: main() never built an AnsibleModule' % path)


def main():
    root, coll, modules = sys.argv[1], sys.argv[2], sys.argv[3:]
    sys.path.insert(0, root)
    ns, name = coll.split('.')
    bad = 0
    for m in modules:
        fqcn = '%s.%s' % (coll, m)
        out = subprocess.run(['ansible-doc', '--json', '-t', 'module', fqcn],
                             check=True, capture_output=True, text=True).stdout
        doc = json.loads(out)[fqcn]['doc'].get('options', {})
        path = os.path.join(root, 'ansible_collections', ns, name, 'plugins', 'modules', m + '.py')
        spec = spec_of(path)
        for opt in sorted(set(spec) | set(doc)):
            if opt not in doc:
                print('%s: option %s is in argument_spec but not documented' % (fqcn, opt))
                bad += 1
                continue
            if opt not in spec:
                print('%s: option %s is documented but not in argument_spec' % (fqcn, opt))
                bad += 1
                continue
            s, d = spec[opt], doc[opt]
            for key, dflt in (('type', 'str'), ('default', None), ('choices', None),
                              ('aliases', None), ('required', False), ('elements', None)):
                if s.get(key, dflt) != d.get(key, dflt):
                    print('%s: option %s: %s is %r in argument_spec, %r in DOCUMENTATION'
                          % (fqcn, opt, key, s.get(key, dflt), d.get(key, dflt)))
                    bad += 1
        print('%s: %d options, argument_spec and DOCUMENTATION %s'
              % (fqcn, len(spec), 'agree' if not bad else 'disagree'))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
