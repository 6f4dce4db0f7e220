"""OpenAPI 3.1 document of the admin API, generated from the same pydantic models and
resource table that drive the routes, so it cannot drift from them."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, create_model
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from csms.network.resources import RESOURCES, ResourceSpec
from csms.network.schemas import Problem
from gateway.admin.listing import DEFAULT_LIMIT, MAX_LIMIT
from gateway.admin.resources import item_path
from gateway.admin.routes_table import AdminRoute

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _written_model(spec: ResourceSpec) -> type[BaseModel]:
    model: type[BaseModel] = create_model(
        spec.read.__name__.replace("Read", "Written"),
        __base__=spec.read,
        warnings=(list[str], ...),
    )
    return model


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


_COMMON_ERRORS = {"401": _problem("Missing or invalid bearer token")}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operations(spec: ResourceSpec, refs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    read, create, patch, written = (refs[(spec.kind, part)] for part in
                                    ("read", "create", "patch", "written"))
    tag = spec.path.split("/")[0]
    list_params = [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
         "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0,
         "default": 0}},
    ] + [
        {"name": name, "in": "query", "description": text, "schema": {"type": "string"}}
        for name, text in spec.filters.items()
    ]
    key_params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in spec.key_fields
    ]
    total_header = {"X-Total-Count": {"schema": {"type": "integer"},
                                      "description": "Number of matching objects"}}
    collection = {
        "get": {
            "tags": [tag], "operationId": f"list_{spec.kind}",
            "summary": f"List {spec.singular} objects (JSON, or CSV with Accept: text/csv)",
            "parameters": list_params,
            "responses": {
                "200": {"description": "A page of objects", "headers": total_header,
                        "content": _json({"type": "array", "items": read})
                        | {"text/csv": {"schema": {"type": "string"}}}},
                "400": _problem("Invalid paging parameters"),
                "422": _problem("Unknown filter"),
                **_COMMON_ERRORS,
            },
        },
        "post": {
            "tags": [tag], "operationId": f"create_{spec.kind}",
            "summary": f"Create a {spec.singular}",
            "requestBody": {"required": True, "content": _json(create)},
            "responses": {
                "201": {"description": "Created (with warnings, if any)",
                        "content": _json(written)},
                "400": _problem("Malformed JSON"),
                "409": _problem("Duplicate code, roaming id or identifier"),
                "422": _problem("Validation failed (field-level errors)"),
                **_COMMON_ERRORS,
            },
        },
    }
    item = {
        "parameters": key_params,
        "get": {
            "tags": [tag], "operationId": f"get_{spec.kind}", "summary": f"Read a {spec.singular}",
            "responses": {"200": {"description": "The object", "content": _json(read)},
                          "404": _problem("Not found"), **_COMMON_ERRORS},
        },
        "patch": {
            "tags": [tag], "operationId": f"update_{spec.kind}",
            "summary": f"Update a {spec.singular} (absent fields are unchanged; code is "
                       "immutable)",
            "requestBody": {"required": True, "content": _json(patch)},
            "responses": {
                "200": {"description": "Updated (with warnings, if any)",
                        "content": _json(written)},
                "400": _problem("Malformed JSON"), "404": _problem("Not found"),
                "409": _problem("Conflict"), "422": _problem("Validation failed"),
                **_COMMON_ERRORS,
            },
        },
        "delete": {
            "tags": [tag], "operationId": f"delete_{spec.kind}",
            "summary": f"Delete a {spec.singular} (refused while referenced)",
            "responses": {"204": {"description": "Deleted"}, "404": _problem("Not found"),
                          "409": _problem("Still referenced; `references` names them"),
                          **_COMMON_ERRORS},
        },
    }
    return {f"/{spec.path}": collection, item_path(spec): item}


def _table_operation(route: AdminRoute,
                     refs: dict[tuple[type[BaseModel], str], dict[str, Any]]) -> dict[str, Any]:
    responses: dict[str, Any] = {**_COMMON_ERRORS}
    if route.response is not None:
        schema = refs[(route.response, "serialization")]
        if route.response_is_list:
            schema = {"type": "array", "items": schema}
        content = _json(schema)
        if route.csv:
            content |= {"text/csv": {"schema": {"type": "string"}}}
        headers = ({"X-Total-Count": {"schema": {"type": "integer"}}}
                   if route.response_is_list else {})
        responses[str(route.response_status)] = {"description": "OK", "content": content,
                                                 **({"headers": headers} if headers else {})}
    else:
        responses[str(route.response_status)] = {"description": "Done"}
    if route.body is not None:
        responses["400"] = _problem("Malformed JSON")
        responses["422"] = _problem("Validation failed")
    for status, text in route.errors.items():
        responses[str(status)] = _problem(text)
    operation: dict[str, Any] = {
        "tags": [route.tag],
        "operationId": (route.method.lower() + route.path.replace("/", "_")
                        .replace("{", "").replace("}", "").replace("-", "_")),
        "summary": route.summary,
        "responses": responses,
    }
    parameters = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer" if name.endswith("_id") else "string"}}
        for name in _path_names(route.path)
    ] + [
        {"name": q.name, "in": "query", "description": q.description,
         "schema": {"type": q.type, **({"format": q.format} if q.format else {})}}
        for q in route.query
    ]
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": _json(refs[(route.body, "validation")])}
    return operation


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


@cache
def openapi_document(server_url: str = "/admin/api/v1") -> dict[str, Any]:
    from gateway.admin.routes_table import all_route_tables

    table_routes = all_route_tables()

    inputs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    parts: dict[tuple[str, str], tuple[type[BaseModel], JsonSchemaMode]] = {}
    for spec in RESOURCES:
        parts[(spec.kind, "create")] = (spec.create, "validation")
        parts[(spec.kind, "patch")] = (spec.patch, "validation")
        parts[(spec.kind, "read")] = (spec.read, "serialization")
        parts[(spec.kind, "written")] = (_written_model(spec), "serialization")
    inputs.extend(parts.values())
    table_models: set[tuple[type[BaseModel], JsonSchemaMode]] = set()
    for route in table_routes:
        if route.response is not None:
            table_models.add((route.response, "serialization"))
        if route.body is not None:
            table_models.add((route.body, "validation"))
    inputs.extend(sorted(table_models, key=lambda m: (m[0].__name__, m[1])))
    mapping, definitions = models_json_schema(
        inputs, ref_template="#/components/schemas/{model}"
    )
    refs = {key: mapping[value] for key, value in parts.items()}
    schemas = dict(definitions.get("$defs", {}))
    problem_ref = mapping[(Problem, "serialization")]["$ref"].rsplit("/", 1)[-1]
    if problem_ref != "Problem":
        schemas["Problem"] = schemas[problem_ref]
    paths: dict[str, Any] = {
        "/openapi.json": {
            "get": {"tags": ["meta"], "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document",
                                          "content": _json({"type": "object"})},
                                  **_COMMON_ERRORS}},
        }
    }
    for spec in RESOURCES:
        paths.update(_operations(spec, refs))
    table_refs: dict[tuple[type[BaseModel], str], dict[str, Any]] = {
        (model, mode): mapping[(model, mode)] for model, mode in table_models}
    for route in table_routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _table_operation(
            route, table_refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "evgw admin API",
            "version": "1",
            "description": "Charging-network model, roaming configuration and operations for "
                           "CPO staff. Errors are RFC 9457 problem+json.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
