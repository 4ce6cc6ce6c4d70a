"""The committed OpenAPI schema must match the code (regenerate with `make schema`)."""

from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def test_openapi_schema_has_not_drifted(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    committed = (ROOT / "openapi.yaml").read_text()
    assert generated.read_text() == committed, "openapi.yaml is stale: run `make schema`"


def untyped_bodies(doc: dict) -> list[str]:
    """Answers (any status) whose JSON body has no schema or an object schema with no
    properties: what a client generated from the schema could not read."""
    components = doc.get("components", {}).get("schemas", {})

    def resolve(schema):
        while isinstance(schema, dict) and "$ref" in schema:
            schema = components[schema["$ref"].split("/")[-1]]
        return schema

    found = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                for kind, content in (answer.get("content") or {}).items():
                    if "json" not in kind:
                        continue
                    schema = resolve(content.get("schema"))
                    typed = schema and (
                        schema.get("type") != "object"
                        or schema.get("properties")
                        or schema.get("additionalProperties")
                        or any(k in schema for k in ("allOf", "oneOf", "anyOf"))
                    )
                    if not typed:
                        found.append(f"{method.upper()} {path} {status} {kind}")
    return found


def test_every_answer_has_a_typed_schema():
    import yaml

    doc = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert untyped_bodies(doc) == []


def test_the_schema_checker_finds_an_untyped_body():
    doc = {
        "paths": {
            "/api/x/": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"type": "object"}}}}
                    }
                }
            }
        }
    }
    assert untyped_bodies(doc) == ["GET /api/x/ 200 application/json"]
