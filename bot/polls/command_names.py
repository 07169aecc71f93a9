"""French names and descriptions of ``/poll`` and ``/polls`` (shape:
:data:`bot.i18n.CommandCatalog`)."""

from bot import i18n
from bot.command_names import FORMAT_FR, FORMAT_OPTION_FR

POLL = ("sondage", "Le sondage (tapez pour chercher)")

FR: i18n.CommandCatalog = {
    "poll": ("sondage", "Créer et gérer les sondages du club (modérateurs)"),
    "poll create": ("créer", "Créer un sondage (un formulaire demande la question et les choix)"),
    "poll create.channel": ("salon", "Où publier (par défaut\u202f: le salon d'annonces)"),
    "poll create.anonymous": ("anonyme", "Cacher à tous qui a voté quoi (par défaut\u202f: oui)"),
    "poll create.max_choices": ("choix_max", "Combien de choix un membre peut cocher (1 = choix unique)"),
    "poll create.opens": (
        "ouverture", "Quand il ouvre, ex. 2026-12-03 18:00 ou jeudi 18h (par défaut\u202f: maintenant)",
    ),
    "poll create.closes": ("fermeture", "Quand il ferme, ou une durée comme 48h (par défaut\u202f: 7 jours)"),
    "poll create.show_results": ("résultats_visibles", "Quand les membres voient les décomptes"),
    **i18n.choices("poll create.show_results", {
        "live": "En direct (sondages publics)\u202f: les décomptes suivent les votes",
        "after_close": "Après la fermeture\u202f: décomptes montrés à la fin",
    }),
    "poll create.repeat": ("répétition", "Ouvrir une nouvelle occurrence chaque semaine, mois ou trimestre"),
    **i18n.choices("poll create.repeat", {
        "none": "Aucune", "weekly": "Chaque semaine", "monthly": "Chaque mois", "quarterly": "Chaque trimestre",
    }),
    "poll list": ("liste", "Sondages programmés, ouverts et fermés récemment"),
    "poll close": ("fermer", "Fermer un sondage ouvert maintenant et publier ses résultats"),
    "poll close.poll": POLL,
    "poll close.stop_repeating": ("arrêter_répétition", "Arrêter aussi sa série répétée"),
    "poll cancel": ("annuler", "Annuler un sondage programmé (et sa série répétée)"),
    "poll cancel.poll": POLL,
    "poll results": ("résultats", "Voir les résultats d'un sondage en privé, avec un graphique"),
    "poll results.poll": POLL,
    "poll export": ("exporter", "Télécharger les votes d'un sondage en CSV ou Excel (aucun votant si anonyme)"),
    "poll export.poll": POLL,
    "poll export.format": FORMAT_OPTION_FR,
    **i18n.choices("poll export.format", FORMAT_FR),
    "polls": ("sondages", "Les sondages ouverts en ce moment, avec leurs liens"),
}

i18n.register_commands("fr", FR)
