"""Secrets at rest (design.md §8): Fernet with a key from FIELD_ENCRYPTION_KEY, else derived from SECRET_KEY.

Deriving from SECRET_KEY keeps the embedded default zero-configuration; a deployment that rotates SECRET_KEY
sets FIELD_ENCRYPTION_KEY (a Fernet key) so stored tokens stay readable.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    """Stored secrets could not be decrypted (the key changed); the user must enter them again."""


def _fernet() -> Fernet:
    key = getattr(settings, "FIELD_ENCRYPTION_KEY", "") or ""
    if not key:
        digest = hashlib.sha256(b"athlete-vault field encryption:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def encrypt_text(value: str) -> str:
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "stored secret cannot be decrypted with the current key; enter it again"
        ) from None


def encrypt_json(value: dict) -> str:
    return encrypt_text(json.dumps(value, sort_keys=True)) if value else ""


def decrypt_json(token: str) -> dict:
    text = decrypt_text(token)
    return json.loads(text) if text else {}


def mask(value: str) -> str:
    """What a page may show of a saved secret: never more than its last four characters."""
    if not value:
        return ""
    return "•" * 8 + value[-4:] if len(value) > 8 else "•" * 8
