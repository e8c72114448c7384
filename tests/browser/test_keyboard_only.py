"""The journeys stay keyboard-only: no pointer, no programmatic focus or form filling."""
import re
from pathlib import Path

HERE = Path(__file__).parent
POINTER_OR_SHORTCUT = re.compile(
    r"\.(click|dblclick|tap|hover|drag_to|fill|check|uncheck|set_checked|select_option|"
    r"set_input_files|focus|dispatch_event)\(|\.mouse\.|\.touchscreen\.")


def test_journeys_use_only_the_keyboard():
    for name in ("test_journeys.py", "keyboard.py"):
        source = (HERE / name).read_text(encoding="utf-8")
        found = [m.group(0) for m in POINTER_OR_SHORTCUT.finditer(source)]
        assert found == [], f"{name} uses {found}"
