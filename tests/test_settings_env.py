import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list


def test_env_helpers_read_typed_values(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a.example, b.example ,")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    assert env_int("X_UNSET", 7) == 7


@pytest.mark.parametrize(
    ("name", "raw", "reader", "message"),
    [
        ("X_BOOL", "maybe", lambda: env_bool("X_BOOL"), "X_BOOL='maybe' is not a boolean"),
        ("X_INT", "12MB", lambda: env_int("X_INT", 1), "X_INT='12MB' is not a whole number"),
        ("X_INT", "0", lambda: env_int("X_INT", 1, minimum=1), "X_INT=0 is below the minimum of 1"),
    ],
)
def test_bad_values_fail_loudly_naming_the_setting(monkeypatch, name, raw, reader, message):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        reader()
