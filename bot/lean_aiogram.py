"""aiogram imported with its Telegram types' pydantic schemas built on first use.

aiogram declares its types ``defer_build=True``, but ``aiogram/types/__init__.py`` then calls
``model_rebuild`` on every one of them with a namespace that resolves their forward
references. Building all those schemas at import costs about 100 MB of RSS and 2.5 s here
(aiogram issue #1513), while a bot validates a few dozen of the types. The finder below lets
that loop record the namespace instead of building, and puts the namespace's names into each
aiogram module, so a type's schema is built the first time it is used, with every forward
reference resolved as the loop would have resolved it.

Only an import of aiogram that happens after :func:`install` is affected; an earlier one is
left as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType
from typing import Any

AIOGRAM = "aiogram"
MODEL_PACKAGES = ("aiogram.types.", "aiogram.methods.")


def install() -> None:
    """Defer aiogram's schema building, unless aiogram is already imported."""
    if AIOGRAM in sys.modules or any(isinstance(f, _AiogramFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _AiogramFinder())


class _AiogramFinder(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != AIOGRAM:
            return None
        sys.meta_path.remove(self)
        spec = PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _DeferringLoader(spec.loader)
        return spec


class _DeferringLoader(Loader):
    def __init__(self, loader: Loader) -> None:
        self.loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        from pydantic import BaseModel

        eager_rebuild = BaseModel.__dict__["model_rebuild"]
        names: dict[str, Any] = {}

        def rebuild_later(cls: type[BaseModel], /, **options: Any) -> bool | None:
            namespace = options.get("_types_namespace")
            if namespace is not None and cls.__module__.startswith(MODEL_PACKAGES):
                names.update(namespace)
                return None
            result: bool | None = eager_rebuild.__func__(cls, **options)
            return result

        BaseModel.model_rebuild = classmethod(rebuild_later)  # type: ignore[method-assign,assignment]
        try:
            self.loader.exec_module(module)
        finally:
            BaseModel.model_rebuild = eager_rebuild  # type: ignore[method-assign]
        _resolve_forward_references_from(names)


def _resolve_forward_references_from(namespace: dict[str, Any]) -> None:
    """Give every aiogram model module the names its forward references use, which pydantic
    looks up in the module when it builds a deferred schema."""
    for name, module in list(sys.modules.items()):
        if module is not None and name.startswith(MODEL_PACKAGES):
            for key, value in namespace.items():
                module.__dict__.setdefault(key, value)


def build_what_every_update_needs() -> None:
    """Build now the schemas a bot uses from its first update on (an update, a message, the
    answers it sends most), rather than while the first person to press a button waits:
    some 50 ms on that press here."""
    from aiogram import methods, types

    for model in (
        types.Update,
        types.Message,
        methods.SendMessage,
        methods.EditMessageText,
        methods.AnswerCallbackQuery,
        methods.AnswerInlineQuery,
    ):
        model.model_rebuild()
