"""Validates journals against the JSON Schema. Usage: validate_journal.py SCHEMA JOURNAL...
Exit 1 naming the first problem of each journal that does not validate."""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.path))
        if errors:
            bad += 1
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: {len(errors)} problem(s); first at /{where}: {e.message[:300]}")
        else:
            print(f"{path}: valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
