"""The OpenAPI document at /api/schema/ is valid OpenAPI 3 and describes the endpoints as they answer."""

import pytest
from django.urls import reverse
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(world):
    api = APIClient()
    api.force_authenticate(world.coach)
    response = api.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _problems(schema) -> list[str]:
    """Each invalid part on its own line: the validator's error does not say where it is."""
    problems = []
    for label, part in [("components", {**schema, "paths": {}})] + [
        (path, {**schema, "paths": {path: item}}) for path, item in schema["paths"].items()
    ]:
        try:
            validate(part)
        except OpenAPIValidationError as exc:
            problems.append(f"{label}: {exc.message}")
            if label == "components":  # every path carries the components: the rest would repeat it
                break
    return problems


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    try:
        validate(schema)
        return
    except OpenAPIValidationError:
        pass  # located below, outside the handler, so the report is not buried in the chained traceback
    pytest.fail("/api/schema/ is not valid OpenAPI 3:\n" + "\n".join(_problems(schema)))


def test_schema_describes_the_auth_and_roster_endpoints(schema):
    paths = schema["paths"]
    token = paths["/api/auth/token/"]["post"]
    assert set(token["responses"]) >= {"200", "400", "429"}
    assert token.get("security", [{}]) == [{}]  # no credentials needed to get a token
    me = paths["/api/me/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    me_schema = schema["components"]["schemas"][me["$ref"].rsplit("/", 1)[-1]]
    assert set(me_schema["properties"]) == {"username", "role", "public_id"}
    athletes = paths["/api/athletes/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][athletes["$ref"].rsplit("/", 1)[-1]]
    assert set(page["properties"]) == {"results", "next", "count"}
    job = paths["/api/jobs/{job_id}/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    job_schema = schema["components"]["schemas"][job["$ref"].rsplit("/", 1)[-1]]
    assert {"status", "progress", "message", "results", "download_url"} <= set(job_schema["properties"])


def test_docs_page_answers(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
