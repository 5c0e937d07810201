"""The production stack's files, checked without Docker.

docker-compose.yml: parses, names only files and images that exist (with explicit tags), every
``${VAR}`` it needs is in .env.example, the services of the stack are there and the worker
scales; and ``docker compose config -q`` accepts it (an installed Compose v2 client, else
``scripts/compose-config``: Compose v2's own loader, built by scripts/install-test-deps; see
newsflow_dev.compose_check).
Kibana saved objects (seeds/kibana/*.ndjson): valid ndjson, unique ids, references that
resolve, and every field any object uses is declared in the one document schema
(newsflow.schema.FIELDS, whose Elasticsearch mappings the index template carries) with a type
that fits how it is used.
"""

from __future__ import annotations

import base64
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from ci import unavailable

from newsflow_dev.compose_check import compose_client

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
KIBANA_DIR = ROOT / "seeds" / "kibana"
SETUP_SCRIPT = ROOT / "scripts" / "stack-setup"

STACK_SERVICES = {
    "postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
    "airflow-triggerer", "airflow-worker", "airflow-init", "elasticsearch", "es-setup", "kibana",
    "newsflow-setup",
}

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, $VAR;
# "$$" is Compose's escape for a literal "$" (left to the container's shell).
VAR_RE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}"
                    r"|(?P<bare>[A-Za-z_]\w*))")


# --- helpers: .env, interpolation, compose ---------------------------------------------------
def parse_dotenv(text: str) -> dict[str, str]:
    values = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f".env.example: line without '=': {raw!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def variable_uses(text: str) -> Iterator[tuple[str, str | None]]:
    """(name, operator) of each variable reference in a compose string, "$$" escapes skipped."""
    i = 0
    while (i := text.find("$", i)) != -1:
        if text.startswith("$$", i):
            i += 2
            continue
        m = VAR_RE.match(text, i)
        if m:
            yield (m["braced"] or m["bare"], m["op"])
            i = m.end()
        else:
            i += 1


def interpolate(text: str, env: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m["braced"] or m["bare"]
        op, arg, value = m["op"], m["arg"] or "", env.get(name)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else arg
        if op in (":?", "?"):
            assert value, f"required variable {name} is not set: {arg}"
        return value or ""

    return re.sub(r"\$\$|" + VAR_RE.pattern, one, text)


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return parse_dotenv(ENV_EXAMPLE.read_text(encoding="utf-8"))


def load_setup_script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("stack_setup", str(SETUP_SCRIPT))
    spec = importlib.util.spec_from_loader("stack_setup", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


# --- compose file ----------------------------------------------------------------------------
def test_compose_has_the_stack_services(compose: dict[str, Any]) -> None:
    missing = STACK_SERVICES - set(compose["services"])
    assert not missing, f"docker-compose.yml lacks the services {sorted(missing)}"
    assert compose["services"]["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_compose_runs_celery_as_the_e2e_test_does(compose: dict[str, Any]) -> None:
    """The Celery settings the end-to-end test and the benchmark measure are the stack's."""
    from airflow_env import celery_env  # beside this file (tests/), as the Airflow tests import it

    tested = celery_env({}, 8080, metadata_url="postgresql+psycopg://x", redis_url="redis://x")
    stack = compose["services"]["airflow-worker"]["environment"]
    for key in ("AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS", "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL"):
        assert stack.get(key) == tested.get(key), f"{key}: compose {stack.get(key)!r}, tests {tested.get(key)!r}"


def test_worker_scales(compose: dict[str, Any]) -> None:
    worker = compose["services"]["airflow-worker"]
    assert "container_name" not in worker, "a container_name stops `--scale airflow-worker=N`"
    for port in worker.get("ports", []):
        assert ":" not in str(port), f"a fixed host port stops the worker from scaling: {port}"


def test_every_variable_is_in_env_example_or_has_a_default(compose: dict[str, Any],
                                                           env_example: dict[str, str]) -> None:
    used: dict[str, set[str | None]] = {}
    for text in strings(compose):
        for name, op in variable_uses(text):
            used.setdefault(name, set()).add(op)
    assert used, "no ${VAR} found: the variable scan is broken"
    undefined = sorted(name for name, ops in used.items()
                       if name not in env_example and any(op not in (":-", "-") for op in ops))
    assert not undefined, f"used in docker-compose.yml without a default, missing from .env.example: {undefined}"
    unused = sorted(set(env_example) - set(used))
    assert not unused, f".env.example defines variables docker-compose.yml never uses: {unused}"


def test_env_example_holds_no_secrets(env_example: dict[str, str]) -> None:
    secret_like = [k for k in env_example if re.search(r"PASSWORD|SECRET|KEY", k)]
    assert secret_like
    real = [k for k in secret_like if not env_example[k].startswith("change-me")]
    assert not real, f".env.example must hold placeholders only (change-me…), not {real}"


def test_dotenv_replaces_every_placeholder() -> None:
    stack_setup = load_setup_script()
    rendered = parse_dotenv(stack_setup.render_dotenv(ENV_EXAMPLE.read_text(encoding="utf-8")))
    assert not [k for k, v in rendered.items() if v.startswith("change-me")]
    assert len(base64.urlsafe_b64decode(rendered["AIRFLOW_FERNET_KEY"])) == 32
    assert len(rendered["KIBANA_ENCRYPTION_KEY"]) >= 32
    assert rendered["NEWSFLOW_POLL_SCHEDULE"] == "*/15 * * * *"
    # secrets end up on command lines and in URLs: no leading dash, nothing to escape
    for key in ("POSTGRES_PASSWORD", "NEWSFLOW_ES_PASSWORD", "ELASTIC_PASSWORD"):
        assert re.fullmatch(r"[0-9a-f]{32,}", rendered[key]), key


def test_secrets_stay_out_of_git_and_the_image() -> None:
    if shutil.which("git") and (ROOT / ".git").exists():
        probe = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", ".env"], timeout=30)
        ignored = probe.returncode == 0
    else:
        ignored = ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ignored, "add .env to .gitignore: it holds the stack's secrets"
    assert ".env" in (ROOT / ".dockerignore").read_text(encoding="utf-8").split()


def test_newsflow_settings_in_containers_are_valid(compose: dict[str, Any],
                                                    env_example: dict[str, str]) -> None:
    """newsflow refuses unknown NEWSFLOW_* variables: a typo here would stop every task."""
    from newsflow.config import load_settings

    seen = 0
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        ours = {k: interpolate(str(v), env_example) for k, v in environment.items()
                if k.startswith("NEWSFLOW_")}
        if ours:
            settings = load_settings(environ=ours)
            assert settings.backend == ours.get("NEWSFLOW_BACKEND", "embedded"), name
            seen += 1
    assert seen


def test_images_have_explicit_tags(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    for name, service in compose["services"].items():
        image = service.get("image")
        if image is None:
            assert "build" in service, f"service {name} has neither image nor build"
            continue
        resolved = interpolate(image, env_example)
        last = resolved.rsplit("/", 1)[-1]
        assert ":" in last or "@sha256:" in resolved, f"service {name}: image {resolved} has no tag"
        assert not resolved.endswith(":latest"), f"service {name}: pin a version, not {resolved}"


def test_referenced_files_exist(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    checked = 0
    for name, service in compose["services"].items():
        build = service.get("build")
        if build is not None:
            context = ROOT / interpolate(build if isinstance(build, str) else build.get("context", "."), env_example)
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            assert context.is_dir(), f"service {name}: build context {context} does not exist"
            assert (context / dockerfile).is_file(), f"service {name}: {dockerfile} does not exist"
            checked += 1
        for volume in service.get("volumes", []):
            source = volume.get("source") if isinstance(volume, dict) else str(volume).split(":")[0]
            source = interpolate(source or "", env_example)
            if source.startswith((".", "/")):
                path = (ROOT / source).resolve() if source.startswith(".") else Path(source)
                assert path.exists(), f"service {name}: bind mount {source} does not exist"
                checked += 1
        for word in strings([service.get("command"), service.get("entrypoint")]):
            for ref in re.findall(r"/opt/airflow/((?:scripts|seeds|dags|plugins)/\S+)", word):
                assert (ROOT / ref).exists(), f"service {name} runs {ref}, which does not exist"
                checked += 1
    assert checked


def test_dockerfile_builds_on_airflow_3_and_copies_existing_files() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line.strip() for line in re.sub(r"\\\n", " ", text).splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
    froms = [line.split()[1] for line in instructions if line.upper().startswith("FROM ")]
    assert froms and re.fullmatch(r"apache/airflow:3\.\d+\.\d+(-python3\.\d+)?", froms[0]), froms
    sources = []
    for line in instructions:
        if line.upper().startswith(("COPY ", "ADD ")):
            args = [a for a in line.split()[1:] if not a.startswith("--")]
            sources += args[:-1]
        sources += re.findall(r"(?:-r|--requirement)\s+(\S+)", line)
    assert sources
    missing = [s for s in sources if not (ROOT / s).exists()]
    assert not missing, f"the Dockerfile uses files that do not exist: {missing}"


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    client = compose_client()
    if client is None:
        unavailable("no Compose v2 client and no scripts/compose-config build: run scripts/install-test-deps")
    env_file = tmp_path / ".env"
    shutil.copy(ENV_EXAMPLE, env_file)
    result = subprocess.run(
        [*client, "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE),
         "--env-file", str(env_file), "config", "-q"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr



def test_docker_compose_config_refuses_a_missing_secret(tmp_path: Path) -> None:
    """The same check fails, naming the variable, when .env leaves out one that compose requires."""
    client = compose_client()
    if client is None:
        unavailable("no Compose v2 client and no scripts/compose-config build: run scripts/install-test-deps")
    env_file = tmp_path / ".env"
    env_file.write_text("".join(line for line in ENV_EXAMPLE.read_text().splitlines(keepends=True)
                                if not line.startswith("POSTGRES_PASSWORD=")))
    result = subprocess.run(
        [*client, "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE),
         "--env-file", str(env_file), "config", "-q"],
        capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "POSTGRES_PASSWORD"},
    )
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr

# --- Kibana saved objects --------------------------------------------------------------------
@pytest.fixture(scope="module")
def kibana_objects() -> list[dict[str, Any]]:
    files = sorted(KIBANA_DIR.glob("*.ndjson"))
    assert files, "no seeds/kibana/*.ndjson"
    objects = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                pytest.fail(f"{path.name}:{number} is not JSON: {exc}")
            assert {"id", "type", "attributes"} <= set(obj), f"{path.name}:{number}"
            obj["_where"] = f"{path.name}:{number} ({obj['type']} {obj['id']})"
            objects.append(obj)
    return objects


@pytest.fixture(scope="module")
def mapping() -> dict[str, dict[str, Any]]:
    from newsflow.schema import es_properties

    return mapped_fields(es_properties())


def mapped_fields(properties: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every field path of a mapping (objects, sub-objects, multi-fields) with its spec."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        out[path] = {"type": "object", **spec} if "properties" in spec else spec
        out.update(mapped_fields(spec.get("properties", {}), f"{path}."))
        for sub, sub_spec in spec.get("fields", {}).items():
            out[f"{path}.{sub}"] = sub_spec
    return out


NUMBER_TYPES = {"long", "integer", "short", "byte", "double", "float", "half_float",
                "scaled_float", "unsigned_long"}
KIND_TYPES: dict[str, set[str] | None] = {
    "date": {"date", "date_nanos"},
    "keyword": {"keyword", "constant_keyword"},
    "geo_point": {"geo_point"},
    "number": NUMBER_TYPES,
    "sortable": {"date", "date_nanos", "keyword", "constant_keyword", *NUMBER_TYPES},
    "any": None,  # any mapped field
}
AGGREGATED_KINDS = {"date", "keyword", "number", "sortable", "geo_point"}
LENS_OPERATION_KINDS = {
    "date_histogram": "date", "terms": "keyword", "average": "number", "sum": "number",
    "min": "number", "max": "number", "median": "number", "percentile": "number",
    "standard_deviation": "number", "range": "number", "cumulative_sum": "number",
    "last_value": "any", "unique_count": "any", "count": "any",
}
LEGACY_AGG_KINDS = {
    "date_histogram": "date", "terms": "keyword", "significant_terms": "keyword",
    "avg": "number", "sum": "number", "min": "number", "max": "number", "median": "number",
    "geohash_grid": "geo_point", "geotile_grid": "geo_point", "geo_centroid": "geo_point",
    "cardinality": "any", "top_hits": "any",
}


@dataclass(frozen=True)
class FieldUse:
    field: str
    kind: str
    where: str


def kql_fields(query: str) -> list[str]:
    """Field names of a KQL/Lucene query string: the names before ':' outside quotes."""
    unquoted = re.sub(r'"(?:\\.|[^"\\])*"', '""', query)
    return re.findall(r"([A-Za-z_@][\w.@]*)\s*:", unquoted)


def maybe_json(text: str) -> Any:
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return None
    return None


def field_uses(node: Any, where: str) -> Iterator[FieldUse]:
    """Every field a saved object names, found by walking it (embedded JSON strings too)."""
    if isinstance(node, str):
        parsed = maybe_json(node)
        if parsed is not None:
            yield from field_uses(parsed, where)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from field_uses(item, f"{where}[{i}]")
    elif isinstance(node, dict):
        yield from fields_named_here(node, where)
        for key, value in node.items():
            yield from field_uses(value, f"{where}.{key}")


def fields_named_here(d: dict[str, Any], where: str) -> Iterator[FieldUse]:
    source_field = d.get("sourceField")
    if isinstance(source_field, str) and source_field != "___records___":  # Lens column
        yield FieldUse(source_field, LENS_OPERATION_KINDS.get(d.get("operationType", ""), "any"), where)
    params = d.get("params")
    if isinstance(params, dict) and isinstance(params.get("field"), str):  # legacy agg
        yield FieldUse(params["field"], LEGACY_AGG_KINDS.get(str(d.get("type")), "any"), where)
    for key, kind in (("timeFieldName", "date"), ("geoField", "geo_point"),
                      ("sortField", "sortable"), ("topHitsSplitField", "keyword")):
        if isinstance(d.get(key), str) and d[key]:
            yield FieldUse(d[key], kind, f"{where}.{key}")
    for key in ("columns", "tooltipProperties"):
        if isinstance(d.get(key), list):
            yield from (FieldUse(c, "any", f"{where}.{key}") for c in d[key] if isinstance(c, str))
    if isinstance(d.get("sort"), list):
        for item in d["sort"]:
            names = [item[0]] if isinstance(item, list) and item else list(item) if isinstance(item, dict) else []
            yield from (FieldUse(n, "sortable", f"{where}.sort") for n in names if isinstance(n, str))
    query = d.get("query")
    if isinstance(query, str) and d.get("language") in ("kuery", "lucene"):
        yield from (FieldUse(f, "any", f"{where}.query") for f in kql_fields(query))
    meta = d.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("key"), str):  # a filter pill
        yield FieldUse(meta["key"], "any", f"{where}.meta.key")
    formats = maybe_json(d["fieldFormatMap"]) if isinstance(d.get("fieldFormatMap"), str) else None
    if isinstance(formats, dict):
        yield from (FieldUse(f, "any", f"{where}.fieldFormatMap") for f in formats)


def field_problems(uses: list[FieldUse], mapping: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for use in uses:
        spec = mapping.get(use.field)
        if spec is None:
            problems.append(f"{use.where}: field {use.field!r} is not in the index template")
            continue
        allowed = KIND_TYPES[use.kind]
        if allowed is not None and spec.get("type") not in allowed:
            problems.append(f"{use.where}: {use.field!r} is {spec.get('type')}, used as {use.kind}")
        elif use.kind in AGGREGATED_KINDS and spec.get("doc_values") is False:
            problems.append(f"{use.where}: {use.field!r} has no doc_values, used as {use.kind}")
    return problems


def test_kibana_ids_are_unique(kibana_objects: list[dict[str, Any]]) -> None:
    ids = [o["id"] for o in kibana_objects]
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}"


def test_kibana_references_resolve(kibana_objects: list[dict[str, Any]]) -> None:
    by_id = {o["id"]: o["type"] for o in kibana_objects}
    for obj in kibana_objects:
        names = [r["name"] for r in obj.get("references", [])]
        assert len(names) == len(set(names)), f"{obj['_where']}: duplicate reference names"
        for ref in obj.get("references", []):
            assert ref["id"] in by_id, f"{obj['_where']}: reference {ref} names no object"
            assert by_id[ref["id"]] == ref["type"], f"{obj['_where']}: {ref} has the wrong type"


def test_kibana_reference_names_match_their_users(kibana_objects: list[dict[str, Any]]) -> None:
    """Each place an object points at another (by reference name) has that reference."""
    for obj in kibana_objects:
        names = {r["name"] for r in obj.get("references", [])}
        attrs, wanted = obj["attributes"], set()
        if obj["type"] == "lens":
            layers = attrs["state"]["datasourceStates"]["formBased"]["layers"]
            wanted |= {f"indexpattern-datasource-layer-{layer}" for layer in layers}
            for layer in layers.values():
                assert set(layer["columnOrder"]) == set(layer["columns"]), obj["_where"]
            for vis_layer in attrs["state"]["visualization"].get("layers", []):
                accessors = [vis_layer.get("xAccessor"), vis_layer.get("splitAccessor"), *vis_layer.get("accessors", [])]
                columns = layers[vis_layer["layerId"]]["columns"]
                assert all(a in columns for a in accessors if a), f"{obj['_where']}: accessor without column"
        if obj["type"] == "search":
            wanted.add(json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])["indexRefName"])
        if obj["type"] == "map":
            wanted |= {layer["sourceDescriptor"]["indexPatternRefName"]
                       for layer in json.loads(attrs["layerListJSON"])
                       if "indexPatternRefName" in layer.get("sourceDescriptor", {})}
        if obj["type"] == "dashboard":
            wanted |= {f"{p['panelIndex']}:{p['panelRefName']}" for p in json.loads(attrs["panelsJSON"])}
        assert wanted <= names, f"{obj['_where']}: no reference named {sorted(wanted - names)}"


def test_kibana_objects_cover_the_issue(kibana_objects: list[dict[str, Any]]) -> None:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for obj in kibana_objects:
        by_type.setdefault(obj["type"], []).append(obj)
    (view,) = by_type["index-pattern"]
    assert view["attributes"]["title"] == "newsflow-articles"
    assert view["attributes"]["timeFieldName"] == "published_at"
    assert len(by_type["search"]) >= 3
    assert len(by_type.get("lens", []) + by_type.get("visualization", [])) >= 6
    assert by_type["map"]
    (dashboard,) = by_type["dashboard"]
    on_dashboard = {r["id"] for r in dashboard["references"]}
    charts = {o["id"] for t in ("lens", "visualization", "map") for o in by_type.get(t, [])}
    assert charts <= on_dashboard, f"not on the dashboard: {sorted(charts - on_dashboard)}"


def test_kibana_fields_exist_in_the_mapping(kibana_objects: list[dict[str, Any]],
                                            mapping: dict[str, dict[str, Any]]) -> None:
    uses = [u for obj in kibana_objects for u in field_uses(obj["attributes"], obj["_where"])]
    kinds = {u.kind for u in uses}
    # the walk must see what the objects do: a time field, terms, a geo field, an average
    assert {"date", "keyword", "geo_point", "number", "any"} <= kinds, kinds
    assert {"published_at", "persons", "organizations", "places", "place_points", "tone",
            "source"} <= {u.field for u in uses}
    problems = field_problems(uses, mapping)
    assert not problems, "\n".join(problems)


def test_field_check_catches_wrong_fields(mapping: dict[str, dict[str, Any]]) -> None:
    bad = {
        "layerListJSON": json.dumps([{"sourceDescriptor": {"geoField": "places"}}]),
        "state": {"datasourceStates": {"formBased": {"layers": {"l": {"columns": {
            "a": {"operationType": "average", "sourceField": "title"},
            "b": {"operationType": "terms", "sourceField": "image"},
        }}}}}},
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(
            {"query": {"language": "kuery", "query": 'no_such_field:x and url:"http://a:b"'}})},
        "columns": ["persons", "nope"],
    }
    problems = field_problems(list(field_uses(bad, "bad")), mapping)
    assert len(problems) == 5, problems
    for needle in ("'places' is keyword", "'title' is text", "'image' has no doc_values",
                   "'no_such_field' is not", "'nope' is not"):
        assert any(needle in p for p in problems), (needle, problems)
