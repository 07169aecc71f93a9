"""French names and descriptions of ``/prompt`` and ``/prompts`` (shape:
:data:`bot.i18n.CommandCatalog`)."""

from bot import i18n
from bot.command_names import WEEKDAYS_FR

THEMES_FR = {
    "features": "Fonctionnalités", "practice": "Pratique", "pain_points": "Irritants",
    "roadmap": "Feuille de route", "community": "Communauté",
}
NUMBER = ("numéro", "Le numéro de la question, comme dans /question liste")


def _theme(path: str, description: str) -> dict[str, tuple[str, str] | str]:
    """The ``theme`` option of ``path`` and its five choices."""
    return {f"{path}.theme": ("thème", description), **i18n.choices(f"{path}.theme", THEMES_FR)}


FR: i18n.CommandCatalog = {
    "prompts": ("questions", "Les questions de discussion hebdomadaires du club"),
    "prompts suggest": ("proposer", "Proposer une question de discussion (un formulaire s'ouvre)"),
    **_theme("prompts suggest", "Le thème de votre question"),
    "prompt": (
        "question", "Questions hebdomadaires\u202f: planification, banque, propositions, statistiques (modérateurs)",
    ),
    "prompt schedule": ("planifier", "Publier une question chaque semaine ce jour et à cette heure (fuseau du club)"),
    "prompt schedule.weekday": ("jour", "Jour de la semaine"),
    **i18n.choices("prompt schedule.weekday", WEEKDAYS_FR),
    "prompt schedule.time": ("heure", "Heure locale du club, ex. 18:00, 18h ou 6pm"),
    "prompt schedule.channel": ("salon", "Où publier (par défaut\u202f: le salon des questions)"),
    "prompt schedule.themes": (
        "thèmes", "Tous (par défaut), ou des thèmes séparés par des virgules, ex. fonctionnalités, feuille de route",
    ),
    "prompt schedule.ping_role": (
        "rôle_à_mentionner", "Un rôle à mentionner à chaque question (rôle volontaire\u202f; par défaut\u202f: personne)",
    ),
    "prompt pause": ("pause", "Suspendre les questions hebdomadaires jusqu'à leur reprise"),
    "prompt resume": ("reprendre", "Relancer les questions hebdomadaires à la prochaine date"),
    "prompt skip": ("sauter", "Sauter la prochaine question (elle est gardée pour plus tard)"),
    "prompt post-now": ("publier-maintenant", "Publier une question tout de suite (d'un thème, au choix)"),
    **_theme("prompt post-now", "Thème de la question (par défaut\u202f: le suivant de la rotation)"),
    "prompt next": ("prochaine", "Les prochaines dates et la question qui sera publiée"),
    "prompt add": ("ajouter", "Ajouter une question à la banque du club (un formulaire s'ouvre)"),
    **_theme("prompt add", "Le thème de la question"),
    "prompt list": ("liste", "Les questions de la banque du club, 10 par page"),
    **_theme("prompt list", "Seulement ce thème"),
    "prompt list.page": ("page", "Numéro de page"),
    "prompt edit": ("modifier", "Changer le texte ou le thème d'une question (un formulaire s'ouvre)"),
    "prompt edit.number": NUMBER,
    **_theme("prompt edit", "Un nouveau thème (facultatif)"),
    "prompt remove": ("retirer", "Retirer une question de la banque du club"),
    "prompt remove.number": NUMBER,
    "prompt import": ("importer", "Importer des questions d'un fichier .txt ou .csv (une par ligne)"),
    "prompt import.file": ("fichier", "Un fichier .txt (thème: texte par ligne) ou .csv (thème,texte)"),
    **_theme("prompt import", "Thème des lignes qui n'en donnent pas"),
    "prompt review": ("examiner", "Examiner les questions proposées par les membres"),
    "prompt stats": ("statistiques", "Réponses et participants par question et par thème, avec un graphique"),
    "prompt stats.weeks": ("semaines", "Sur combien de semaines (8 par défaut)"),
}

i18n.register_commands("fr", FR)
