#!/usr/bin/env bash
# Lines each kind's declaration takes: its KindInfo (core/src/kinds.rs) and
# its AwsKind (agent/src/kinds.rs, agent/src/kinds/*.rs), each counted from
# its first line to its closing `};`; a declaration made by a macro counts
# as its invocation. Hook functions a kind names are counted apart.
#
#   scripts/kind-lines.sh        # a Markdown table, one row per kind
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import re, glob

def blocks(paths, pattern):
    out = {}
    for path in paths:
        lines = open(path).read().split("\n")
        i = 0
        while i < len(lines):
            m = re.match(pattern, lines[i])
            if m:
                name, j = m.group(1), i
                opener = lines[i].rstrip()
                closer = "};" if opener.endswith("{") else ");"
                while j < len(lines) and not lines[j].startswith(closer) and not (opener.endswith(");") and j == i):
                    j += 1
                out[name] = out.get(name, 0) + (j - i + 1)
                i = j
            i += 1
    return out

core = blocks(["core/src/kinds.rs"], r"^pub const ([A-Z_]+): KindInfo = KindInfo \{")
for m in re.finditer(r"^job_definition!\(\s*([A-Z_]+),.*?\);", open("core/src/kinds.rs").read(), re.S | re.M):
    core[m.group(1)] = m.group(0).count("\n") + 1
agent_files = ["agent/src/kinds.rs"] + sorted(glob.glob("agent/src/kinds/*.rs"))
agent = blocks(agent_files, r"^pub static ([A-Z_]+): AwsKind = AwsKind \{")
# job definitions: one macro each, after the macro's own body
for path in agent_files:
    text = open(path).read()
    for m in re.finditer(r"^job_definition!\(\n    ([A-Z_]+),.*?^\);", text, re.S | re.M):
        agent[m.group(1)] = m.group(0).count("\n") + 1
hooks = {}
for path in agent_files:
    text = open(path).read()
    for m in re.finditer(r"^pub static ([A-Z_]+): AwsKind = AwsKind \{.*?^\};", text, re.S | re.M):
        names = set(re.findall(r"(?:before_update|before_delete|update_input|after_update|observed_as_spec): ([a-z_]+)\b", m.group(0)))
        n = 0
        for fn in names:
            f = re.search(r"^fn " + fn + r"\b.*?^\}", text, re.S | re.M)
            n += f.group(0).count("\n") + 1 if f else 0
        hooks[m.group(1)] = n
order = re.search(r"pub const KINDS: &\[&KindInfo\] = &\[(.*?)\];", open("core/src/kinds.rs").read(), re.S).group(1)
names = re.findall(r"&([A-Z_]+)", order)
print("| kind | KindInfo | AwsKind | hooks (own functions) | total |")
print("|---|---:|---:|---:|---:|")
total = 0
for n in names:
    c, a, h = core.get(n, 0), agent.get(n, 0), hooks.get(n, 0)
    total += c + a + h
    kind = "".join(w.capitalize() for w in n.lower().split("_"))
    print(f"| {kind} | {c} | {a} | {h} | {c + a + h} |")
print(f"| all {len(names)} kinds | | | | {total} |")
PY
