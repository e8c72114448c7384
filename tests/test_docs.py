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


def _tutorial_blocks():
    """``(kind, path, code)`` of the tutorial's blocks marked ``<!-- file: … -->`` or
    ``<!-- part of: … -->`` (paths inside examples/hub-greetings)."""
    import re

    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    tutorial = guide.split("## Tutorial: the greetings plugin", 1)[1]
    return re.findall(r"<!-- (file|part of): (\S+) -->\n```\w*\n(.*?)\n```", tutorial, re.S)


def test_the_tutorial_builds_the_greetings_example_from_the_generated_plugin():
    import datetime as dt

    from hub.scaffold import render

    example = ROOT / "examples" / "hub-greetings"
    blocks = _tutorial_blocks()
    assert len(blocks) >= 8
    for kind, path, code in blocks:
        text = (example / path).read_text(encoding="utf-8")
        if kind == "file":
            assert text == code + "\n", path
        else:
            assert code in text, path
    # Every other file is the generator's, as generated.
    (migration,) = (example / "hub_greetings" / "migrations").glob("*.py")
    revision = migration.stem.split("_")[1]
    created = migration.read_text(encoding="utf-8").split("Create Date: ", 1)[1].split("\n")[0]
    generated = render("greetings", revision, dt.datetime.fromisoformat(created))
    changed = {path for _kind, path, _code in blocks}
    present = {str(p.relative_to(example)) for p in example.rglob("*") if p.is_file()
               and not {"build", "__pycache__"} & set(p.parts) and "egg-info" not in str(p)
               and p.suffix != ".mo"}
    assert present == set(generated) | changed
    for path, text in generated.items():
        if path not in changed:
            assert (example / path).read_text(encoding="utf-8") == text, path
