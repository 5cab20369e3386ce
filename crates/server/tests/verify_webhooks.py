"""Verifies webhook deliveries with the reference implementation of Standard Webhooks (the
`standardwebhooks` package) for tests/api/webhooks.rs: reads
[{"secret": ..., "body": ..., "headers": {...}}, ...] from the file named by the first argument
and prints ["ok" | "<why not>", ...]. Exits non-zero when the package is missing.
"""

import json
import sys

from standardwebhooks import Webhook

cases = json.load(open(sys.argv[1], encoding="utf-8"))
verdicts = []
for case in cases:
    try:
        Webhook(case["secret"]).verify(case["body"].encode("utf-8"), case["headers"])
        verdicts.append("ok")
    except Exception as e:  # noqa: BLE001 - the verdict names whatever refused it
        verdicts.append(f"{type(e).__name__}: {e}")
print(json.dumps(verdicts))
