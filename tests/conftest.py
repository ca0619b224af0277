"""Make the addons' pure-Python ``tools`` packages importable without Odoo.

Each addon folder in ``<repo>/addons`` (and in ``$ECRM_ADDONS_DIR`` when set,
which wins on a name clash) that has a ``__manifest__.py`` is registered as a
bare package of the same name, so that

    from ecrm_core.tools import events

imports ``addons/ecrm_core/tools/events.py`` without running
``addons/ecrm_core/__init__.py`` (which imports the Odoo models).
"""

import os
import sys
import types

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS_DIRS = [os.path.join(REPO, "addons")]
if os.environ.get("ECRM_ADDONS_DIR"):
    ADDONS_DIRS.insert(0, os.path.abspath(os.environ["ECRM_ADDONS_DIR"]))


def _register_addon_packages(addons_dir):
    if not os.path.isdir(addons_dir):
        return
    for name in sorted(os.listdir(addons_dir)):
        path = os.path.join(addons_dir, name)
        if not os.path.isfile(os.path.join(path, "__manifest__.py")) or name in sys.modules:
            continue
        package = types.ModuleType(name, f"eCRM addon {name} (bare package registered by tests/conftest.py)")
        package.__path__ = [path]
        package.__package__ = name
        package.__file__ = None
        sys.modules[name] = package


for _dir in ADDONS_DIRS:
    _register_addon_packages(_dir)
