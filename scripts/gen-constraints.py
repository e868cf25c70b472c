#!/usr/bin/env python3
"""Writes schema/data/constraints.json: what the AWS service models state
about every input member's value (enums, numeric ranges, lengths, item
counts, patterns), keyed by the member shape ids the AWS Rust SDK's runtime
schemas carry (`com.amazonaws.sagemaker#ResourceConfig$InstanceCount`).

The SDK's schemas carry no range, length or pattern constraints; botocore's
JSON service models carry all of them. The table is committed and checked for
drift by `cargo test -p sagemaker-schema` (constraints_table_is_up_to_date),
which runs this script with the test environment's botocore (pinned in
scripts/moto-requirements.txt).

Usage: gen-constraints.py [OUT]   (default: stdout)
"""
import gzip
import json
import os
import sys

import botocore

# (botocore service name, Smithy namespace of the SDK's shape ids)
SERVICES = [
    ("sagemaker", "com.amazonaws.sagemaker"),
    ("application-autoscaling", "com.amazonaws.applicationautoscaling"),
]


def load(service):
    root = os.path.join(os.path.dirname(botocore.__file__), "data", service)
    version = sorted(os.listdir(root))[-1]
    path = os.path.join(root, version, "service-2.json")
    opener = open
    if not os.path.exists(path):
        path += ".gz"
        opener = gzip.open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def constraint(shape, enums):
    """The constraints of a target shape, or None."""
    kind = shape["type"]
    out = {}
    if "enum" in shape:
        out["enum"] = shape["enum"]
    lo, hi = shape.get("min"), shape.get("max")
    if lo is not None or hi is not None:
        what = {
            "string": "length",
            "blob": "length",
            "list": "items",
            "map": "items",
        }.get(kind, "range")
        out[what] = [lo, hi]
    if "pattern" in shape and shape["pattern"] not in (".*", "[\\S\\s]*", "[\\s\\S]*"):
        out["pattern"] = shape["pattern"]
    return out or None


def main():
    table = {}
    enums = {}
    for service, namespace in SERVICES:
        model = load(service)
        shapes = model["shapes"]
        # the SDK names operation inputs `<Op>Input` in a synthetic namespace
        synthetic = {}
        for name, op in model["operations"].items():
            if "input" in op:
                synthetic[op["input"]["shape"]] = f"{namespace}.synthetic#{name}Input"
        for name, shape in sorted(shapes.items()):
            containers = [f"{namespace}#{name}"]
            if name in synthetic:
                containers.append(synthetic[name])
            if shape["type"] == "structure":
                members = [(m, ms["shape"]) for m, ms in shape.get("members", {}).items()]
            elif shape["type"] == "list":
                members = [("member", shape["member"]["shape"])]
            elif shape["type"] == "map":
                members = [("key", shape["key"]["shape"]), ("value", shape["value"]["shape"])]
            else:
                continue
            for member, target in members:
                c = constraint(shapes[target], enums)
                if c is None:
                    continue
                if "enum" in c:
                    # enums are long (225 instance types) and shared: name them once
                    enums[f"{namespace}#{target}"] = c["enum"]
                    c["enum"] = f"{namespace}#{target}"
                for container in containers:
                    table[f"{container}${member}"] = c
    out = {
        "source": f"botocore {botocore.__version__}",
        "enums": dict(sorted(enums.items())),
        "members": dict(sorted(table.items())),
    }
    text = json.dumps(out, indent=0, sort_keys=False, ensure_ascii=False) + "\n"
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
