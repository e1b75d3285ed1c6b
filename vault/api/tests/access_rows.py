"""Access rows for the API's own documents: the OpenAPI schema and the interactive docs describe the
API's shape and carry no one's data, so they are open to everyone."""

from vault.testing.access_matrix import Row, expect

EVERYONE_200 = expect(athlete=200, coach=200, other_coach=200, other_athlete=200, admin=200, anonymous=200)

ROWS = [
    Row("api:schema", EVERYONE_200, query="format=json"),
    Row("api:docs", EVERYONE_200),
]
