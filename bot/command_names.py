"""French names and descriptions of the commands shared by every feature (``/help``), and
the weekday choices the features reuse (shape: :data:`bot.i18n.CommandCatalog`)."""

from bot import i18n

WEEKDAYS_FR = {0: "Lundi", 1: "Mardi", 2: "Mercredi", 3: "Jeudi", 4: "Vendredi", 5: "Samedi", 6: "Dimanche"}
"""French names of the weekday choices, by value (0 = Monday)."""

FORMAT_FR = {"csv": "CSV (tableur, par défaut)", "xlsx": "Excel (.xlsx)"}
"""French names of the ``format`` choices of every export command."""

FORMAT_OPTION_FR = ("format", "Format du fichier\u202f: CSV (par défaut) ou Excel (.xlsx)")
"""French name and description of the ``format`` option of every export command."""

FR: i18n.CommandCatalog = {
    "help": ("aide", "Ce que fait Cercle et les commandes que vous pouvez utiliser"),
}

i18n.register_commands("fr", FR)
