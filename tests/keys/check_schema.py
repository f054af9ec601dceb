#!/usr/bin/env python3
"""Validates every shipped scenario against docs/scenario.schema.json (draft-07), checks
that each names the schema in a `#:schema` first line, and that the schema refuses a few
broken files, so a schema that accepts everything cannot pass. Exit 77 (skipped) without
the jsonschema module or tomllib (Python < 3.11).

Usage: check_schema.py ROOT
"""
import copy
import glob
import json
import os
import sys

try:
    import tomllib
    import jsonschema
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "docs", "scenario.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)

    files = sorted(glob.glob(os.path.join(root, "scenarios", "*.toml")) +
                   glob.glob(os.path.join(root, "scenarios", "whatif", "*.toml")) +
                   glob.glob(os.path.join(root, "scenarios", "calibration", "*.toml")))
    failed = 0
    checked = 0
    docs = {}
    for path in files:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        if "claims" in doc or "variants" in doc:
            continue  # a claims file, not a scenario
        docs[os.path.relpath(path, root)] = doc
        # Editors find the schema through the file's first line (taplo, Even Better TOML).
        with open(path, encoding="utf-8") as f:
            first = f.readline().rstrip("\n")
        target = first[len("#:schema "):] if first.startswith("#:schema ") else ""
        schema_path = os.path.join(root, "docs", "scenario.schema.json")
        if not target or not os.path.samefile(os.path.join(os.path.dirname(path), target), schema_path):
            print(f"{os.path.relpath(path, root)}: the first line must be '#:schema "
                  f"{os.path.relpath(schema_path, os.path.dirname(path))}'")
            failed += 1
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        checked += 1
        for e in errors:
            failed += 1
            where = ".".join(str(p) for p in e.absolute_path) or "(top level)"
            print(f"{os.path.relpath(path, root)}: {where}: {e.message}")
    print(f"{checked} scenario files checked against docs/scenario.schema.json")

    # The schema must refuse what the reader refuses.
    base = docs.get(os.path.join("scenarios", "flagship.toml"))
    if base is None:
        print("scenarios/flagship.toml is missing")
        return 1
    broken = []
    b = copy.deepcopy(base); b.setdefault("model", {})["rhoo"] = 0.3; broken.append(("an unknown key", b))
    b = copy.deepcopy(base); b.setdefault("model", {})["rho"] = 1.0; broken.append(("rho = 1 (must be < 1)", b))
    b = copy.deepcopy(base); b["levers"][0]["kind"] = "sfot"; broken.append(("a lever kind", b))
    b = copy.deepcopy(base); b["levers"][0]["capability"] = "money"; broken.append(("a capability", b))
    b = copy.deepcopy(base); b["actors"][0]["budget"] = "lots"; broken.append(("a string for a number", b))
    b = copy.deepcopy(base); del b["scenario"]; broken.append(("no [scenario] in a complete file", b))
    b = copy.deepcopy(base); b["scenario"]["seed"] = 1.5; broken.append(("a float seed", b))
    for what, doc in broken:
        if validator.is_valid(doc):
            print(f"the schema accepts a broken scenario: {what}")
            failed += 1
    # A patch (a file with `extends`) needs no key.
    if not validator.is_valid({"extends": "../baseline.toml", "model": {"rho": 0.3}}):
        print("the schema refuses a partial what-if")
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
