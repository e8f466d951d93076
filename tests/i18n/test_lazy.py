"""No message is translated at import time (issue 24): module-level and class-level data hold
lazy translations, so that a page shows them in its reader's language, not in the language
active when the server started."""

import ast
from pathlib import Path

from django.conf import settings

EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def eager_calls(source: str):
    """The calls of an eager translation function made outside any function body."""
    tree = ast.parse(source)
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if (
                not in_function
                and isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id in names
            ):
                found.append((child.lineno, ast.unparse(child)))
            visit(child, inside)

    if names:
        visit(tree, False)
    return found


def test_the_scan_finds_a_translation_made_at_import_time():
    source = (
        "from django.utils.translation import gettext as _\n"
        "TITLE = _('My cases')\n"
        "class View:\n    label = _('Overdue')\n"
        "def page():\n    return _('At request time')\n"
    )
    assert [line for line, _call in eager_calls(source)] == [2, 4]


def test_no_message_is_translated_at_import_time():
    root = Path(settings.BASE_DIR)
    found = [
        f"{path.relative_to(root)}:{line}: {call}"
        for base in ("apps", "config")
        for path in (root / base).rglob("*.py")
        if "migrations" not in path.parts
        for line, call in eager_calls(path.read_text())
    ]
    assert not found, found
