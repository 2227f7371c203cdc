#!/usr/bin/python3
"""Validates the JSON Schemas, every examples/*.json and the fixtures in
fixtures/valid against them, and checks that every fixture in
fixtures/invalid is rejected. A file named manifest* uses the manifest
schema, anything else the config schema (check_test.cpp reads the same
fixtures with the C++ loaders, so schema and loader stay in agreement).

Run with Debian's /usr/bin/python3 (python3-jsonschema)."""

import json
import pathlib
import sys

import jsonschema

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validator_for(path, validators):
    return validators["manifest" if path.name.startswith("manifest") else "config"]


def main():
    validators = {}
    for kind in ("manifest", "config"):
        schema = load(REPO / "schemas" / f"assetfetch-{kind}.schema.json")
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"].endswith(f"/assetfetch-{kind}.schema.json"), "$id names the file"
        # The schemas' own examples must pass too.
        validators[kind] = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.FormatChecker())
        for example in schema.get("examples", []):
            validators[kind].validate(example)

    failures = []
    must_pass = sorted((REPO / "examples").glob("*.json")) + sorted(
        (HERE / "fixtures" / "valid").glob("*.json"))
    must_fail = sorted((HERE / "fixtures" / "invalid").glob("*.json"))
    if len(list((REPO / "examples").glob("*.json"))) < 4 or len(must_fail) < 10:
        failures.append("expected at least 4 examples and 10 invalid fixtures")

    for path in must_pass:
        errors = list(validator_for(path, validators).iter_errors(load(path)))
        for e in errors:
            failures.append(f"{path.relative_to(REPO)}: /{'/'.join(map(str, e.absolute_path))}: "
                            f"{e.message}")
        if not errors:
            print(f"ok      {path.relative_to(REPO)}")

    for path in must_fail:
        if validator_for(path, validators).is_valid(load(path)):
            failures.append(f"{path.relative_to(REPO)}: accepted, but the loaders reject it")
        else:
            print(f"refused {path.relative_to(REPO)}")

    for f in failures:
        print(f"FAIL    {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
