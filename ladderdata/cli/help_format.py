"""Help text in the usual CLI convention: `--out DIR`, `--workers N`, `--stage [1|2|cold_start|3|all]`.

Typer's rich help prints a type tag beside every parameter (`<path>`, `<int range>`, and `<bool>` even on
flags and on `--help`), which reads as noise and disagrees with the README. `install()` replaces that
column with the parameter's metavar: the one it declares (`metavar="DIR"`), else the choices of a fixed
set, else nothing for flags, else a name from its type (`PATH`, `N`, `X`, `TEXT`). Arguments show only
their name (the column left of it). Ranges (`[x>=1]`) and defaults are still shown.
"""

from __future__ import annotations

from typing import Any

TYPE_METAVARS = {"int": "N", "float": "X", "str": "TEXT"}


def option_metavar(param: Any, ctx: Any) -> str | None:
    """The word shown after an option in help: declared metavar, choices, or a name from the type."""
    del ctx
    if param.metavar is not None:
        return param.metavar
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    desc = param.type_descriptor
    if desc.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
    if desc.is_path:
        return "PATH"
    name = getattr(desc.annotation, "__name__", "")
    return TYPE_METAVARS.get(name, "TEXT")


def install() -> None:
    """Patch typer's help rendering once (idempotent): metavars instead of `<type>` tags."""
    from typer import core

    if getattr(core.TyperOption, "_ladderdata_help", False):
        return

    def option_display(self: Any, ctx: Any) -> str | None:
        shown = option_metavar(self, ctx)
        if shown is not None and self.nargs != 1:
            shown += "..."
        return shown

    def argument_display(self: Any, ctx: Any) -> str | None:
        del self, ctx
        return None  # the argument's name (its metavar) is already in the first column

    core.TyperOption.display_type_rich = option_display
    core.TyperArgument.display_type_rich = argument_display
    core.TyperOption._ladderdata_help = True
