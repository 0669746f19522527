#!/usr/bin/python3
# docs/openapi.yaml as a contract: `lint` checks the document itself (the official OpenAPI 3.0
# JSON Schema plus the project's rules); `check` checks recorded answers of panel-api against it.
"""Usage:
  openapi-check.py lint  [--spec docs/openapi.yaml] [--errors docs/api.md] [--schema FILE]
  openapi-check.py check [--spec ...] [--errors ...] [--allow-default] RECORDED.jsonl...

check: every line of RECORDED (written by tests/api/api_support.h under PANEL_API_RECORD) is
one answer {test, method, path, status, content_type, body, request_id}. Its concrete path is
matched to a path template of the document, the operation found, and then:
  - the status must be listed by the operation (a `default` response does not count unless
    --allow-default: with `default` on every operation it would excuse any status);
  - the content type must be one the response declares, and an answer without declared
    content must have no body;
  - the body must validate against the response's schema, read strictly: an object schema
    with properties and no additionalProperties takes no other property (a field the server
    sends and the document lacks is a failure), nullable is honoured, $refs are resolved;
  - an error body's code must be one of docs/api.md's error table with that HTTP status.
A path no template matches must answer 404 no_route (or 414, 431 before routing); a template
without that method 405 method_not_allowed. Exit status 1 on any failure.

Needs Debian's python3-yaml and python3-jsonschema (and openapi-specification for lint's
official schema); see docs/dependencies.md.
"""
import argparse
import copy
import json
import re
import sys

import jsonschema
import yaml

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
OFFICIAL_SCHEMA = "/usr/share/openapi-specification/schemas/v3.0/schema.json"
# Keywords of OpenAPI's schema objects that JSON Schema does not have (or that we do not assert:
# formats such as "password" are hints).
OAS_ONLY = ("nullable", "example", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs",
            "deprecated", "format")


class Loader(yaml.SafeLoader):
    """YAML 1.1 would turn an unquoted 2026-01-01 into a date: keep every scalar's text."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


def load_spec(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader)


def load_error_table(path):
    """code -> HTTP status, from the generated table of docs/api.md."""
    codes = {}
    inside = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "<!-- errors:begin -->" in line:
                inside = True
            elif "<!-- errors:end -->" in line:
                break
            elif inside:
                m = re.match(r"\| `([a-z_]+)` \| (\d{3}) \|", line)
                if m:
                    codes[m.group(1)] = int(m.group(2))
    if not codes:
        sys.exit(f"openapi-check: no error table in {path}")
    return codes


def resolve(spec, ref):
    if not ref.startswith("#/"):
        raise KeyError(f"external $ref {ref}")
    node = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def deref(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(spec, node["$ref"])
    return node


# ---------------------------------------------------------------- OpenAPI schema -> JSON Schema

def to_json_schema(spec, schema, strict, seen=()):
    """An OpenAPI 3.0 schema object as a self-contained JSON Schema (draft 7): $refs inlined,
    nullable as a "null" type, allOf of objects merged (so that strict mode can close them)."""
    if isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            raise ValueError(f"recursive schema {ref}: not supported")
        return to_json_schema(spec, resolve(spec, ref), strict, seen + (ref,))
    if not isinstance(schema, dict):
        return schema
    s = {k: v for k, v in schema.items() if k not in OAS_ONLY and not k.startswith("x-")}
    for key in ("items", "not"):
        if key in s:
            s[key] = to_json_schema(spec, s[key], strict, seen)
    if isinstance(s.get("additionalProperties"), dict):
        s["additionalProperties"] = to_json_schema(spec, s["additionalProperties"], strict, seen)
    if "properties" in s:
        s["properties"] = {k: to_json_schema(spec, v, strict, seen)
                           for k, v in s["properties"].items()}
    for key in ("oneOf", "anyOf"):
        if key in s:
            s[key] = [to_json_schema(spec, v, strict, seen) for v in s[key]]
    if "allOf" in s:
        parts = [to_json_schema(spec, v, strict, seen) for v in s.pop("allOf")]
        if all(p.get("type", "object") == "object" and not ({"oneOf", "anyOf", "allOf"} & p.keys())
               for p in parts):
            merged = {"type": "object", "properties": {}, "required": []}
            for p in parts + [s]:
                merged["properties"].update(p.get("properties", {}))
                merged["required"] += [r for r in p.get("required", [])
                                       if r not in merged["required"]]
                for k, v in p.items():
                    if k not in ("properties", "required", "type"):
                        merged[k] = v
            if not merged["required"]:
                del merged["required"]
            s = merged
        else:
            s["allOf"] = parts
    if strict and s.get("type") == "object" and "properties" in s \
            and "additionalProperties" not in s:
        s["additionalProperties"] = False
    if schema.get("nullable"):
        if "type" in s:
            s["type"] = [s["type"], "null"] if isinstance(s["type"], str) else s["type"] + ["null"]
        if "enum" in s and None not in s["enum"]:
            s["enum"] = s["enum"] + [None]
        for key in ("oneOf", "anyOf"):
            if key in s:
                s[key] = s[key] + [{"type": "null"}]
    return s


# ---------------------------------------------------------------- lint

def lint(spec, errors_table, official):
    problems = []

    def bad(where, what):
        problems.append(f"{where}: {what}")

    # 1. The official JSON Schema of OpenAPI 3.0 documents (Debian's openapi-specification).
    with open(official, encoding="utf-8") as f:
        meta = json.load(f)
    for e in sorted(jsonschema.Draft4Validator(meta).iter_errors(spec), key=lambda e: list(e.path)):
        bad("/".join(str(p) for p in e.absolute_path) or "(document)", e.message[:300])

    # 2. Every $ref resolves.
    def walk(node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                try:
                    resolve(spec, node["$ref"])
                except (KeyError, TypeError):
                    bad(where, f"$ref {node['$ref']} does not resolve")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")
    walk(spec, "#")
    if problems:
        return problems  # the rules below assume a well-formed document

    # 3. Object schemas: every required name is a property.
    def check_required(node, where):
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict) and isinstance(node.get("required"), list):
                for name in node["required"]:
                    if name not in props:
                        bad(where, f"required {name!r} is not among the properties")
            for k, v in node.items():
                check_required(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                check_required(v, f"{where}/{i}")
    check_required(spec, "#")

    # 4. The error schema's codes are the registry's (docs/api.md's generated table).
    try:
        enum = spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
        if sorted(enum) != sorted(errors_table):
            bad("components/schemas/Error", "error.code enum differs from docs/api.md's table: "
                f"missing {sorted(set(errors_table) - set(enum))}, extra {sorted(set(enum) - set(errors_table))}")
    except (KeyError, TypeError):
        bad("components/schemas/Error", "error.code has no enum of the error codes")

    # 5. Operations: a unique operationId, the shared error answers, parameters of the template.
    ids = {}
    global_security = spec.get("security", [])
    for path, item in spec["paths"].items():
        template_params = set(re.findall(r"\{([^}]+)\}", path))
        path_params = [deref(spec, p) for p in item.get("parameters", [])]
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"
            opid = op.get("operationId")
            if not opid:
                bad(where, "no operationId")
            elif not re.fullmatch(r"[a-z][A-Za-z0-9]*", opid):
                bad(where, f"operationId {opid!r} is not lowerCamelCase")
            elif opid in ids:
                bad(where, f"operationId {opid!r} is also {ids[opid]}")
            else:
                ids[opid] = where
            params = path_params + [deref(spec, p) for p in op.get("parameters", [])]
            declared = {p["name"] for p in params if p.get("in") == "path"}
            if declared != template_params:
                bad(where, f"path parameters {sorted(declared)} but the template has "
                    f"{sorted(template_params)}")
            headers = {p["name"].lower() for p in params if p.get("in") == "header"}
            responses = op.get("responses", {})
            codes = set(responses)
            # Without the bearer scheme (no security, or the slaves' HTTP Basic), a route has no
            # token to refuse with 403/404 and no X-Panel-Act-As.
            public = not any("bearer" in s for s in op.get("security", global_security))
            body = "requestBody" in op
            want = {"400", "414", "431", "503", "default"}
            if not public:
                want |= {"401", "403", "404"}
            if "idempotency-key" in headers:
                want.add("409")
            if body:
                want |= {"413", "415"}
            if "if-match" in headers:
                want.add("412")
            missing = sorted(want - codes)
            if missing:
                bad(where, f"does not list {', '.join(missing)}")
            if not public and method != "get" and "idempotency-key" not in headers:
                bad(where, "a write without the Idempotency-Key parameter")
            if not public and "x-panel-act-as" not in headers:
                bad(where, "no X-Panel-Act-As parameter")
            for code, resp in responses.items():
                resp = deref(spec, resp)
                if code == "default" or code.startswith(("4", "5")):
                    schema = (resp.get("content", {}).get("application/json", {}) or {}).get("schema")
                    if schema != {"$ref": "#/components/schemas/Error"}:
                        bad(where, f"{code}: an error answer without the Error schema")
                    elif code[0] in "45" and code[1:] != "XX":
                        desc = resp.get("description", "")
                        listed = set(re.findall(r"\b[a-z]+(?:_[a-z]+)*\b", desc)) & set(errors_table)
                        wrong = sorted(c for c in listed if errors_table[c] != int(code))
                        if wrong:
                            bad(where, f"{code}: its description names codes of another status: {wrong}")
    return problems


# ---------------------------------------------------------------- check

class Contract:
    def __init__(self, spec, errors_table, allow_default):
        self.spec = spec
        self.errors = errors_table
        self.allow_default = allow_default
        self.validators = {}
        self.templates = []
        for path in spec["paths"]:
            parts = path.strip("/").split("/")
            rx = "/" + "/".join("[^/]+" if re.fullmatch(r"\{[^}]+\}", p) else re.escape(p)
                                for p in parts)
            nparams = sum(1 for p in parts if p.startswith("{"))
            self.templates.append((nparams, path, re.compile(rx + r"\Z")))
        self.templates.sort()  # literal segments win over placeholders, as in the daemon
        self.error_schema = to_json_schema(spec, {"$ref": "#/components/schemas/Error"}, True)
        self.seen = set()

    def template(self, path):
        for _, template, rx in self.templates:
            if rx.match(path):
                return template
        return None

    def validator(self, key, schema):
        if key not in self.validators:
            js = to_json_schema(self.spec, schema, strict=True)
            jsonschema.Draft7Validator.check_schema(js)
            self.validators[key] = jsonschema.Draft7Validator(js)
        return self.validators[key]

    def check_error_code(self, status, body, problems):
        try:
            code = body["error"]["code"]
        except (TypeError, KeyError):
            return
        if code not in self.errors:
            problems.append(f"error code {code!r} is not in docs/api.md's table")
        elif self.errors[code] != status:
            problems.append(f"error code {code!r} is HTTP {self.errors[code]} in docs/api.md, "
                            f"answered with {status}")

    def check(self, rec):
        """The problems of one recorded answer (an empty list when it keeps the contract)."""
        problems = []
        method, status = rec["method"].lower(), rec["status"]
        path = rec["path"].split("?", 1)[0]
        body_text = rec.get("body")
        ctype = (rec.get("content_type") or "").split(";", 1)[0].strip().lower()
        body = None
        if body_text:
            try:
                body = json.loads(body_text)
            except ValueError:
                body = None
        template = self.template(path)
        op = self.spec["paths"][template].get(method) if template else None
        if op is None:
            # Outside any operation: answered before routing, or by the router itself.
            allowed = {414: "uri_too_long", 431: "headers_too_large",
                       404 if template is None else 405:
                       "no_route" if template is None else "method_not_allowed"}
            if status not in allowed:
                what = "no path template matches" if template is None else \
                    f"{template} has no {method.upper()}"
                return [f"{what}, so only {sorted(allowed)} may answer, not {status}"]
            if ctype != "application/json" or body is None:
                return [f"{status} without a JSON error body"]
            errs = list(jsonschema.Draft7Validator(self.error_schema).iter_errors(body))
            problems += [f"body: {e.message[:200]}" for e in errs[:3]]
            code = body.get("error", {}).get("code") if isinstance(body, dict) else None
            if code != allowed[status]:
                problems.append(f"{status} should be {allowed[status]}, not {code!r}")
            return problems

        key = f"{method.upper()} {template}"
        self.seen.add((key, str(status)))
        responses = op.get("responses", {})
        resp = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if resp is None and self.allow_default:
            resp = responses.get("default")
        if resp is None:
            return [f"status {status} is not documented for {key}"]
        resp = deref(self.spec, resp)
        content = resp.get("content")
        if not content:
            if body_text:
                problems.append(f"{status} is documented without a body, but has one")
            return problems
        if ctype not in content:
            return [f"content type {rec.get('content_type')!r} is not among {sorted(content)}"]
        schema = content[ctype].get("schema")
        if ctype == "application/json":
            if body is None:
                return [f"the body is not JSON: {str(body_text)[:120]!r}"]
            if schema is not None:
                v = self.validator(f"{key} {status} {ctype}", schema)
                for e in sorted(v.iter_errors(body), key=lambda e: list(e.absolute_path))[:5]:
                    where = "/".join(str(p) for p in e.absolute_path)
                    problems.append(f"body{'/' + where if where else ''}: {e.message[:200]}")
            if status >= 400:
                self.check_error_code(status, body, problems)
        elif schema is not None and schema.get("type") == "string" and not body_text:
            problems.append("an empty text body")
        return problems


def check(spec, errors_table, files, allow_default):
    contract = Contract(spec, errors_table, allow_default)
    total = failed = 0
    by_problem = {}
    for name in files:
        with open(name, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                total += 1
                try:
                    rec = json.loads(line)
                    problems = contract.check(rec)
                except (ValueError, KeyError, TypeError) as e:
                    rec, problems = {"test": "?", "method": "?", "path": f"{name}:{n}",
                                     "status": 0}, [f"unreadable record: {e}"]
                if problems:
                    failed += 1
                    head = f"{rec['method']} {rec['path'][:160]} -> {rec['status']}"
                    for p in problems:
                        by_problem.setdefault((head, p), []).append(rec.get("test") or "?")
    for (head, p), tests in sorted(by_problem.items()):
        more = f" (x{len(tests)})" if len(tests) > 1 else ""
        print(f"not ok - {head}: {p} [{', '.join(sorted(set(tests)))}]{more}")
    ops = sum(1 for item in spec["paths"].values() for m in METHODS if m in item)
    covered = len({k for k, _ in contract.seen})
    print(f"# {total} answers checked against the document, {failed} off contract; "
          f"{covered} of {ops} operations exercised")
    if total == 0:
        print("not ok - nothing was recorded")
        return 1
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=("lint", "check"))
    ap.add_argument("files", nargs="*")
    ap.add_argument("--spec", default="docs/openapi.yaml")
    ap.add_argument("--errors", default="docs/api.md")
    ap.add_argument("--schema", default=OFFICIAL_SCHEMA, help="the OpenAPI 3.0 JSON Schema")
    ap.add_argument("--allow-default", action="store_true",
                    help="accept a status the operation only covers with `default`")
    args = ap.parse_intermixed_args()
    spec = load_spec(args.spec)
    errors_table = load_error_table(args.errors)
    if args.command == "lint":
        problems = lint(spec, errors_table, args.schema)
        for p in problems:
            print(f"not ok - {args.spec}: {p}")
        if not problems:
            print(f"ok - {args.spec} is a valid OpenAPI 3.0 document and keeps the project's rules")
        return 1 if problems else 0
    if not args.files:
        ap.error("check needs recorded files")
    return check(spec, errors_table, args.files, args.allow_default)


if __name__ == "__main__":
    sys.exit(main())
