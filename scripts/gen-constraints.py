#!/usr/bin/env python3
"""Writes the service data the schema crate generates from botocore's JSON
service models, with the test environment's botocore (pinned in
scripts/moto-requirements.txt):

- schema/data/constraints.json (the default): what the models state about
  every input member's value (enums, numeric ranges, lengths, item counts,
  patterns), keyed by the member shape ids the AWS Rust SDK's runtime schemas
  carry (`com.amazonaws.sagemaker#ResourceConfig$InstanceCount`).
- schema/data/applicationautoscaling.json (`--model application-autoscaling`):
  the shapes reachable from the operations the project calls, for a service
  whose Rust SDK has no runtime schemas (aws-sdk-applicationautoscaling
  1.127): per shape its type, members (name, target, required) in model order,
  list member, map key and value, and the same constraints the table holds.

Both come from this one script so that they read the same model with the same
`constraint()`: the model's constraints and the table's cannot disagree. Both
are committed and checked for drift by `cargo test -p sagemaker-schema --test
constraints_table`, which runs this script.

Usage: gen-constraints.py [--model SERVICE] [OUT]   (default: stdout)
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

# Services whose shapes are written out as a model, and the operations whose
# inputs and outputs (and everything they reach) the model holds.
MODELS = {
    "application-autoscaling": [
        "RegisterScalableTarget",
        "DescribeScalableTargets",
        "DeregisterScalableTarget",
        "PutScalingPolicy",
        "DescribeScalingPolicies",
        "DeleteScalingPolicy",
        "ListTagsForResource",
        "TagResource",
        "UntagResource",
    ],
}


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


def constraint(shape):
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


def constraints_table():
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
                c = constraint(shapes[target])
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
    return json.dumps(out, indent=0, sort_keys=False, ensure_ascii=False) + "\n"


def compact_shape(shape):
    """One shape as the model file keeps it: no documentation, members in
    model order with `required` only where set."""
    out = {"type": shape["type"]}
    if shape["type"] == "structure":
        required = set(shape.get("required", []))
        members = []
        for name, member in shape.get("members", {}).items():
            entry = {"name": name, "shape": member["shape"]}
            if name in required:
                entry["required"] = True
            members.append(entry)
        out["members"] = members
        if shape.get("union"):
            out["union"] = True
    elif shape["type"] == "list":
        out["member"] = shape["member"]["shape"]
    elif shape["type"] == "map":
        out["key"] = shape["key"]["shape"]
        out["value"] = shape["value"]["shape"]
    if "timestampFormat" in shape:
        out["timestampFormat"] = shape["timestampFormat"]
    out.update(constraint(shape) or {})
    return out


def targets(shape):
    if shape["type"] == "structure":
        return [m["shape"] for m in shape.get("members", {}).values()]
    if shape["type"] == "list":
        return [shape["member"]["shape"]]
    if shape["type"] == "map":
        return [shape["key"]["shape"], shape["value"]["shape"]]
    return []


def service_model(service):
    namespace = dict(SERVICES)[service]
    model = load(service)
    shapes = model["shapes"]
    operations = {}
    reachable = set()
    pending = []
    for name in sorted(MODELS[service]):
        op = model["operations"][name]
        operations[name] = {io: op[io]["shape"] for io in ("input", "output") if io in op}
        pending.extend(operations[name].values())
    while pending:
        name = pending.pop()
        if name not in reachable:
            reachable.add(name)
            pending.extend(targets(shapes[name]))
    # one operation and one shape a line: compact, and diffs stay readable
    def line(value):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    head = {
        "source": f"botocore {botocore.__version__}",
        "service": service,
        "namespace": namespace,
        "apiVersion": model["metadata"]["apiVersion"],
        "protocol": model["metadata"]["protocol"],
    }
    ops = ",\n".join(f"{line(n)}:{line(o)}" for n, o in operations.items())
    shps = ",\n".join(f"{line(n)}:{line(compact_shape(shapes[n]))}" for n in sorted(reachable))
    return f'{line(head)[:-1]},\n"operations":{{\n{ops}\n}},\n"shapes":{{\n{shps}\n}}}}\n'


def main():
    args = sys.argv[1:]
    if args[:1] == ["--model"]:
        if len(args) < 2 or args[1] not in MODELS:
            sys.exit(f"--model takes one of: {', '.join(MODELS)}")
        text = service_model(args[1])
        args = args[2:]
    else:
        text = constraints_table()
    if args:
        with open(args[0], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
