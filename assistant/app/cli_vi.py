"""Vietnamese for the parts of the command-line help that Typer writes itself.

Typer (0.29, with its own copy of Click) has no translation hook: its panel titles, the usage
prefix and the help option's text are module constants or literals. They are replaced here
once, when the CLI starts. Each replacement checks that the thing exists, so another Typer
version only falls back to English in the spot that moved (tests/test_cli.py reads every
command's help and fails on any English left).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import re
import sys
from typing import Any

USAGE = "Cách dùng: "
OPTIONS_METAVAR = "[TÙY CHỌN]"
COMMAND_METAVAR = "LỆNH [THAM SỐ]..."
HELP_TEXT = "Hiện hướng dẫn này rồi thoát."

PANEL_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": "Tham số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "ABORTED_TEXT": "Đã dừng.",
    "RICH_HELP": "Xem [blue]'{command_path} {help_option}'[/] để biết cách dùng.",
    "DEFAULT_STRING": "[mặc định: {}]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "DEPRECATED_STRING": "(không dùng nữa) ",
}

# the value shown after an option ("<int>"): Vietnamese words; flags show nothing
TYPE_LABELS = {
    "int": "số",
    "float": "số",
    "str": "chữ",
    "path": "đường dẫn",
    "file": "tệp",
    "list[Path]": "đường dẫn…",
    "list[str]": "chữ…",
    "list[int]": "số…",
}


# the same in English (`--lang en`): Typer's own labels are its Python types ("<list[str]>")
EN_TYPE_LABELS = {
    "int": "integer",
    "float": "number",
    "str": "text",
    "path": "path",
    "file": "file",
    "list[Path]": "path…",
    "list[str]": "text…",
    "list[int]": "integer…",
}


def _type_label(original, labels: dict[str, str] = TYPE_LABELS):
    def display(self, ctx) -> str | None:
        shown = original(self, ctx)
        if shown is None or getattr(self, "is_flag", False) or shown == "<bool>":
            return None
        inner = shown[1:-1] if shown.startswith("<") and shown.endswith(">") else shown
        return f"<{labels.get(inner, inner)}>"

    return display


def install_english() -> None:
    """`--lang en`: Typer's texts stay English; only the value labels are made readable."""
    try:
        from typer import core
    except ImportError:
        return
    for cls in (core.TyperOption, core.TyperArgument):
        if hasattr(cls, "display_type_rich") and not getattr(cls, "_labels_english", False):
            cls.display_type_rich = _type_label(cls.display_type_rich, EN_TYPE_LABELS)
            cls._labels_english = True


# Click's parse errors, most frequent first (the rest stay as Click writes them)
ERRORS = [
    (re.compile(r"Missing argument '([^']+)'\."), r"Thiếu tham số '\1'."),
    (re.compile(r"Missing option '([^']+)'\."), r"Thiếu tùy chọn '\1'."),
    (re.compile(r"No such option: (\S+)"), r"Không có tùy chọn \1"),
    (re.compile(r"No such command '([^']+)'\."), r"Không có lệnh '\1'."),
    (re.compile(r"Did you mean (.+)\?"), r"Có phải ý bạn là \1?"),
    (
        re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", re.S),
        r"Thừa tham số (\1). Câu có dấu cách cần đặt trong ngoặc kép.",
    ),
    (re.compile(r"Option '([^']+)' requires an argument\."), r"Tùy chọn '\1' cần một giá trị."),
    (re.compile(r"Invalid value for ([^:]+): ", re.S), r"Giá trị không hợp lệ cho \1: "),
    (re.compile(r"Value (.+) is not a valid (\w+)\."), r"Giá trị \1 không hợp lệ (cần \2)."),
    (re.compile(r"^Missing command\.$"), "Thiếu lệnh."),
    (re.compile(r"Input should be a valid integer[^\n]*"), "cần một số nguyên."),
    (re.compile(r"Input should be a valid number[^\n]*"), "cần một số."),
]


def translate_error(message: str) -> str:
    for pattern, text in ERRORS:
        message = pattern.sub(text, message)
    return message


def _patch_rich_utils(rich_utils: Any) -> None:
    for name, text in PANEL_TEXTS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    # the usage line is highlighted by a regex that names its English prefix
    hl = getattr(rich_utils, "OptionHighlighter", None)
    if hl is not None:
        hl.highlights = [h.replace("Usage: ", USAGE) for h in hl.highlights]
        rich_utils.highlighter = hl()
    original_error = getattr(rich_utils, "rich_format_error", None)
    if original_error is not None:

        def rich_format_error(self: Any) -> None:
            english = self.format_message
            self.format_message = lambda: translate_error(english())
            original_error(self)

        rich_utils.rich_format_error = rich_format_error


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """typer.rich_utils imports rich (0.15 s): patch it when Typer first needs it (help, an
    error), so `assistant ask` does not pay for it."""

    def find_spec(self, name: str, path: Any, target: Any = None):
        if name != "typer.rich_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            run = spec.loader.exec_module

            def exec_module(module: Any) -> None:
                run(module)
                _patch_rich_utils(module)

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


_installed = False


def install() -> None:
    """Replace Typer's English help texts (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    try:
        from typer import core
        from typer._click import decorators, formatting
    except ImportError:  # a Typer without its own Click: its help stays in English
        return

    if "typer.rich_utils" in sys.modules:
        _patch_rich_utils(sys.modules["typer.rich_utils"])
    else:
        sys.meta_path.insert(0, _PatchOnImport())

    formatter = formatting.HelpFormatter
    original_usage = formatter.write_usage

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        original_usage(self, prog, args, USAGE if prefix is None else prefix)

    formatter.write_usage = write_usage

    original_help = decorators.help_option

    def help_option(param_decls: list[str]):
        add = original_help(param_decls)

        def apply(cmd: Any):
            cmd = add(cmd)
            cmd.params[-1].help = HELP_TEXT
            return cmd

        return apply

    decorators.help_option = help_option
    for cls in (core.TyperOption, core.TyperArgument):
        if hasattr(cls, "display_type_rich"):
            cls.display_type_rich = _type_label(cls.display_type_rich)


def localize(command: Any) -> Any:
    """Set the usage placeholders of a built Click command tree to Vietnamese."""
    if hasattr(command, "options_metavar"):
        command.options_metavar = OPTIONS_METAVAR
    if hasattr(command, "subcommand_metavar"):
        command.subcommand_metavar = COMMAND_METAVAR
    for sub in getattr(command, "commands", {}).values():
        localize(sub)
    return command
