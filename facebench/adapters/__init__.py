"""Model adapters: one interface (:class:`~facebench.adapters.base.Adapter`), one file each."""

from facebench.adapters.base import Adapter, AdapterSettings
from facebench.adapters.registry import adapter_names, build_adapter, get_adapter_class, load_card

__all__ = [
    "Adapter",
    "AdapterSettings",
    "adapter_names",
    "build_adapter",
    "get_adapter_class",
    "load_card",
]
