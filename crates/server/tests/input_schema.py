"""Validates values against JSON schemas for tests/input_schema.rs: reads
[{"schema": ..., "value": ...}, ...] on stdin, prints [true | false, ...].

Formats are assertions here (a date must be a real date), Silo's own formats (`iban`,
`vat-id`) use the rules in scripts/schemathesis_hooks.py.
"""

import json
import pathlib
import sys

import jsonschema_rs

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "scripts"))
from schemathesis_hooks import FORMATS  # noqa: E402

cases = json.load(sys.stdin)
verdicts = [
    jsonschema_rs.validator_for(case["schema"], validate_formats=True, formats=FORMATS).is_valid(case["value"])
    for case in cases
]
print(json.dumps(verdicts))
