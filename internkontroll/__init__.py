"""Internkontroll: register för internkontroll och riskbedömning i svenska kommuner."""

import os

# Piccolo finds its engine through this module; set it before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "internkontroll.piccolo_conf")

__version__ = "0.1.0"
