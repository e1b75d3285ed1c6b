""".env.example lists every setting config/settings.py reads, each with a line of meaning (design.md §2, §7).

The names come from the source of config/settings.py (every env_* helper call), so a new setting that is not
written into .env.example, or one listed there that nothing reads any more, fails here."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_float", "env_list", "env_day_windows"}


def settings_names() -> set[str]:
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ENV_HELPERS and node.args:
            first = node.args[0]
            assert isinstance(first, ast.Constant), f"line {node.lineno}: name settings with a literal"
            names.add(first.value)
    return names


def example_lines() -> list[str]:
    return (ROOT / ".env.example").read_text().splitlines()


def example_names() -> dict[str, int]:
    return {
        line.split("=", 1)[0]: number
        for number, line in enumerate(example_lines())
        if line and not line.startswith("#") and "=" in line
    }


def test_the_walk_finds_the_settings():
    assert {"SECRET_KEY", "DEBUG", "HTTPS", "DATABASE_URL", "EMAIL_HOST", "MAP_TILE_URL"} <= settings_names()


def test_every_setting_is_in_env_example():
    missing = sorted(settings_names() - set(example_names()))
    assert not missing, f"add to .env.example (with a comment line): {', '.join(missing)}"


def test_env_example_lists_nothing_that_is_not_read():
    stale = sorted(set(example_names()) - settings_names())
    assert not stale, f".env.example lists settings config/settings.py never reads: {', '.join(stale)}"


def test_every_setting_is_described():
    """Walking up from a setting over the settings listed with it, the first other line is a comment."""
    lines = example_lines()
    names = example_names()
    undescribed = []
    for name, number in names.items():
        above = number - 1
        while above >= 0 and lines[above].split("=", 1)[0] in names:
            above -= 1
        if above < 0 or not lines[above].startswith("#"):
            undescribed.append(name)
    assert not undescribed, f"no comment line describes: {', '.join(undescribed)}"


def test_the_email_settings_are_explained_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert "## E-mail" in readme
    section = readme.split("## E-mail", 1)[1].split("\n## ", 1)[0]
    assert "console" in section
    for name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        assert name in section, name
    for name in ("EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL"):
        assert name in section, name
