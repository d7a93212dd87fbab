#!/usr/bin/python3
"""Check ftpcfg --json output against templates/json/<command>.schema.json.

usage: json-check.py [--rc N] [--command NAME] FILE... [--rc N] FILE...

Each FILE must hold exactly one JSON document (an object and nothing else
but the final newline), which must validate against the schema its
"command" names ("command": null: ftpcfg.schema.json).  --rc N (for the
FILEs after it) is the exit code the document came with: 0 and 2 have no
"error", any other code must be error.exit_code.  --command NAME (for the
FILEs after it) is the command the document must name.

Before that, the schemas themselves: each must be a valid draft 2020-12
schema, say format_version 1, and carry the same $defs "diagnostic" and
"error" as every other, so that one contract cannot drift between commands.

Prints one line per problem and exits 1 if there is any; exits 0 quietly.
"""
import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))


def schema_dir():
    env = os.environ.get("FTPCFG_TEMPLATE_DIR")
    base = env if env else os.path.join(HERE, "..", "templates")
    return os.path.join(base, "json")


def load_schemas(directory, problems):
    schemas = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".schema.json"):
            continue
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as f:
                schema = json.load(f)
            jsonschema.Draft202012Validator.check_schema(schema)
        except (OSError, ValueError, jsonschema.SchemaError) as e:
            problems.append(f"{path}: not a valid schema: {e}")
            continue
        if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            problems.append(f"{path}: $schema is not draft 2020-12")
        if schema.get("properties", {}).get("format_version") != {"const": 1}:
            problems.append(f"{path}: format_version is not const 1")
        schemas[name[: -len(".schema.json")]] = schema
    if not schemas:
        problems.append(f"{directory}: no *.schema.json")
        return schemas
    first_name, first = next(iter(schemas.items()))
    for name, schema in schemas.items():
        for key in ("diagnostic", "error"):
            if schema.get("$defs", {}).get(key) != first.get("$defs", {}).get(key):
                problems.append(f"{name}.schema.json: $defs.{key} differs from "
                                f"{first_name}.schema.json's; copy it")
    return schemas


def check_file(path, schemas, rc, command, problems):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        problems.append(f"{path}: {e}")
        return
    if not text.strip():
        problems.append(f"{path}: empty: --json must print one document on every path")
        return
    try:
        doc = json.loads(text)
    except ValueError as e:
        problems.append(f"{path}: not exactly one JSON document ({e}): {text[:200]!r}")
        return
    if not isinstance(doc, dict):
        problems.append(f"{path}: the document is not an object")
        return
    name = doc.get("command")
    if command is not None and name != (None if command == "null" else command):
        problems.append(f"{path}: command is {name!r}, expected {command!r}")
    schema = schemas.get(name if name is not None else "ftpcfg")
    if schema is None:
        problems.append(f"{path}: no schema templates/json/{name}.schema.json")
        return
    validator = jsonschema.Draft202012Validator(schema)
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        problems.append(f"{path}: {where}: {err.message[:300]}")
    if rc is not None:
        if rc in (0, 2) and "error" in doc:
            problems.append(f"{path}: exit {rc} but the document has an error")
        if rc not in (0, 2):
            got = doc.get("error", {}).get("exit_code") if isinstance(doc.get("error"), dict) else None
            if got != rc:
                problems.append(f"{path}: exit {rc} but error.exit_code is {got}")


def main(argv):
    problems = []
    schemas = load_schemas(schema_dir(), problems)
    rc = None
    command = None
    n = 0
    args = iter(argv)
    for arg in args:
        if arg == "--rc":
            rc = int(next(args))
        elif arg == "--command":
            command = next(args)
        else:
            check_file(arg, schemas, rc, command, problems)
            n += 1
    for p in problems:
        print(f"json-check: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
