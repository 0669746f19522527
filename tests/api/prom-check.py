#!/usr/bin/env python3
# A small checker of Prometheus' text exposition format and of alert rule files, for the tests
# (promtool, from Debian's 96 MB prometheus package, is run too where it is installed).
#
#   prom-check.py metrics FILE...        the format (0.0.4) and promtool's lints
#   prom-check.py rules FILE SOURCE...   the rule file's shape, and that every metric its
#                                        expressions name is produced by one of the SOURCEs
#
# Exit status 0 when everything holds, 1 with one line per problem otherwise.
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
# Units Prometheus wants in base form (seconds, bytes), as promtool's lint says.
NON_BASE = re.compile(r"_(milliseconds|microseconds|nanoseconds|minutes|hours|days|"
                      r"kilobytes|megabytes|gigabytes|millis|ms)(_|$)")


def parse_labels(text, where, problems):
    """The labels of {a="x",b="y"} (without braces) as a dict."""
    labels, i = {}, 0
    while i < len(text):
        m = re.match(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"', text[i:])
        if not m:
            problems.append(f"{where}: bad label list {{{text}}}")
            return labels
        name, i = m.group(1), i + m.end()
        value = []
        while i < len(text) and text[i] != '"':
            if text[i] == "\\":
                if i + 1 >= len(text) or text[i + 1] not in '\\"n':
                    problems.append(f"{where}: bad escape in label {name}")
                    return labels
                value.append(text[i:i + 2])
                i += 2
            elif text[i] == "\n":
                problems.append(f"{where}: raw newline in label {name}")
                return labels
            else:
                value.append(text[i])
                i += 1
        if i >= len(text):
            problems.append(f"{where}: unterminated label {name}")
            return labels
        if name in labels:
            problems.append(f"{where}: label {name} repeated")
        labels[name] = "".join(value)
        i += 1
        m = re.match(r"\s*,?\s*", text[i:])
        i += m.end()
    return labels


def parse_value(text):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    return float(text)


def family_of(name, types):
    """The family a sample belongs to (histogram and summary suffixes stripped)."""
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
            return base
    return name


def check_histograms(samples, types, where, problems):
    by_series = {}
    for name, labels, value in samples:
        family = family_of(name, types)
        if types.get(family) != "histogram":
            continue
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        s = by_series.setdefault((family, key), {"buckets": [], "sum": None, "count": None})
        if name.endswith("_bucket"):
            if "le" not in labels:
                problems.append(f"{where}: {name} without le")
                continue
            s["buckets"].append((parse_value(labels["le"]), value))
        elif name.endswith("_sum"):
            s["sum"] = value
        elif name.endswith("_count"):
            s["count"] = value
    for (family, key), s in by_series.items():
        series = f"{family}{dict(key)}"
        bounds = [b for b, _ in s["buckets"]]
        if bounds != sorted(bounds):
            problems.append(f"{where}: {series}: buckets not in increasing le order")
        counts = [c for _, c in sorted(s["buckets"])]
        if any(b < a for a, b in zip(counts, counts[1:])):
            problems.append(f"{where}: {series}: bucket counts decrease")
        if not bounds or bounds[-1] != math.inf:
            problems.append(f"{where}: {series}: no le=\"+Inf\" bucket")
        elif s["count"] is None or counts[-1] != s["count"]:
            problems.append(f"{where}: {series}: _count differs from the +Inf bucket")
        if s["sum"] is None:
            problems.append(f"{where}: {series}: no _sum")


def check_metrics(path, problems):
    types, helps, seen_series, done_families = {}, {}, set(), set()
    samples, current = [], None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text and not text.endswith("\n"):
        problems.append(f"{path}: the last line has no newline")
    for n, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"),
                             1):
        where = f"{path}:{n}"
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.match(name):
                    problems.append(f"{where}: bad metric name {name}")
                table = helps if parts[1] == "HELP" else types
                if name in table:
                    problems.append(f"{where}: second {parts[1]} for {name}")
                if name in done_families or (name in {family_of(s[0], types)
                                                      for s in samples} and name != current):
                    problems.append(f"{where}: {parts[1]} of {name} after its samples")
                if parts[1] == "TYPE":
                    kind = parts[3] if len(parts) > 3 else ""
                    if kind not in TYPES:
                        problems.append(f"{where}: unknown type {kind!r}")
                    types[name] = kind
                else:
                    helps[name] = parts[3] if len(parts) > 3 else ""
                if current and current != name:
                    done_families.add(current)
                current = name
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$", line)
        if not m:
            problems.append(f"{where}: not a sample line: {line}")
            continue
        name, labels_text, value_text = m.group(1), m.group(3) or "", m.group(4)
        labels = parse_labels(labels_text, where, problems)
        try:
            value = parse_value(value_text)
        except ValueError:
            problems.append(f"{where}: bad value {value_text}")
            continue
        family = family_of(name, types)
        if family in done_families:
            problems.append(f"{where}: samples of {family} are not together")
        if current and current != family:
            done_families.add(current)
        current = family
        key = (name, tuple(sorted(labels.items())))
        if key in seen_series:
            problems.append(f"{where}: series repeated: {line}")
        seen_series.add(key)
        samples.append((name, labels, value))
        kind = types.get(family, "untyped")
        if kind == "counter" and (value < 0 or math.isnan(value)):
            problems.append(f"{where}: negative counter")
        if kind == "histogram" and name == family:
            problems.append(f"{where}: histogram sample without _bucket/_sum/_count")
    # promtool's lints: help text, _total on counters, base units, reserved suffixes.
    for family in {family_of(s[0], types) for s in samples} | set(types):
        kind = types.get(family, "untyped")
        if family not in helps:
            problems.append(f"{path}: {family}: no HELP")
        if family not in types:
            problems.append(f"{path}: {family}: no TYPE")
        if kind == "counter" and not family.endswith("_total"):
            problems.append(f"{path}: {family}: a counter's name should end in _total")
        if kind != "counter" and family.endswith("_total"):
            problems.append(f"{path}: {family}: only counters end in _total")
        if NON_BASE.search(family):
            problems.append(f"{path}: {family}: use base units (seconds, bytes)")
        if kind not in ("histogram", "summary") and re.search(r"_(bucket|sum|count)$", family):
            problems.append(f"{path}: {family}: _bucket, _sum and _count are reserved")
        if family != family.lower():
            problems.append(f"{path}: {family}: names are snake_case")
    check_histograms(samples, types, path, problems)


PROMQL_WORDS = {
    "up",  # written by Prometheus itself for every target
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk",
    "bottomk", "quantile", "count_values", "group", "rate", "irate", "increase", "delta",
    "idelta", "deriv", "histogram_quantile", "time", "absent", "absent_over_time", "changes",
    "resets", "max_over_time", "min_over_time", "avg_over_time", "sum_over_time", "vector",
    "scalar", "clamp_min", "clamp_max", "abs", "round", "label_replace", "timestamp", "le",
    "inf", "nan",
}


def known_name(name, sources):
    """A metric name some source produces: written whole, or as a prefix in the text and the
    rest as a string literal ("dbproxy_server_" metric, G("up", ...))."""
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    for candidate in (name, base):
        for text in sources:
            if re.search(r"(?<![a-zA-Z0-9_])" + re.escape(candidate) + r"(?![a-zA-Z0-9_])",
                         text):
                return True
            for i in range(1, len(candidate)):
                if candidate[i - 1] == "_" and candidate[:i] in text and \
                        f'"{candidate[i:]}"' in text:
                    return True
    return False


def check_rules(path, source_paths, problems):
    import yaml
    sources = [open(p, encoding="utf-8").read() for p in source_paths]
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    groups = doc.get("groups") if isinstance(doc, dict) else None
    if not isinstance(groups, list) or not groups:
        problems.append(f"{path}: no groups")
        return
    names = set()
    for g in groups:
        if not isinstance(g, dict) or not g.get("name") or not isinstance(g.get("rules"), list):
            problems.append(f"{path}: a group needs a name and rules")
            continue
        for rule in g["rules"]:
            alert = rule.get("alert") if isinstance(rule, dict) else None
            if not alert or not re.match(r"[A-Za-z][A-Za-z0-9_]*$", alert):
                problems.append(f"{path}: group {g['name']}: a rule without a valid alert name")
                continue
            if alert in names:
                problems.append(f"{path}: alert {alert} twice")
            names.add(alert)
            unknown = set(rule) - {"alert", "expr", "for", "labels", "annotations",
                                   "keep_firing_for"}
            if unknown:
                problems.append(f"{path}: {alert}: unknown keys {sorted(unknown)}")
            expr = rule.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.append(f"{path}: {alert}: no expr")
                continue
            if "for" in rule and not re.match(r"^\d+[smhd]$", str(rule["for"])):
                problems.append(f"{path}: {alert}: bad for: {rule['for']}")
            if expr.count("(") != expr.count(")") or expr.count("{") != expr.count("}") or \
                    expr.count("[") != expr.count("]"):
                problems.append(f"{path}: {alert}: unbalanced brackets")
            if not isinstance(rule.get("labels", {}).get("severity"), str):
                problems.append(f"{path}: {alert}: no severity label")
            annotations = rule.get("annotations", {})
            if not isinstance(annotations, dict) or not annotations.get("summary"):
                problems.append(f"{path}: {alert}: no summary annotation")
            # Identifiers outside label matchers, strings and durations: metric names.
            bare = re.sub(r'"[^"]*"', '""', expr)
            bare = re.sub(r"\{[^}]*\}", "{}", bare)
            bare = re.sub(r"\[[^\]]*\]", "[]", bare)
            bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
                          r"\1()", bare)
            for ident in re.findall(r"(?<![a-zA-Z0-9_.])([a-zA-Z_:][a-zA-Z0-9_:]*)", bare):
                if ident.lower() in PROMQL_WORDS or re.match(r"^\d", ident):
                    continue
                if not known_name(ident, sources):
                    problems.append(f"{path}: {alert}: no source produces {ident}")


def main(argv):
    problems = []
    if len(argv) >= 2 and argv[0] == "metrics":
        for path in argv[1:]:
            check_metrics(path, problems)
    elif len(argv) >= 3 and argv[0] == "rules":
        check_rules(argv[1], argv[2:], problems)
    else:
        print(__doc__ or "usage: prom-check.py metrics FILE... | rules FILE SOURCE...",
              file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
