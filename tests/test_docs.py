"""Documentation contracts: every hook is documented with its signature and an example."""
import inspect
from pathlib import Path

from hub import hookspecs

ROOT = Path(__file__).resolve().parents[1]


def hook_signatures():
    for name, func in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("hub_"):
            yield name, f"{name}({', '.join(inspect.signature(func).parameters)})"


def test_every_hook_has_a_docstring():
    for name, _sig in hook_signatures():
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name


def test_every_hook_is_documented_in_the_plugin_guide_with_an_example():
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for name, signature in hook_signatures():
        heading = f"### `{signature}`"
        assert heading in guide, f"docs/plugins.md lacks the heading {heading}"
        section = guide.split(heading, 1)[1].split("\n### ", 1)[0]
        assert "@hookimpl" in section, f"docs/plugins.md has no example for {name}"


def test_readme_gives_exactly_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
