"""French names and descriptions of ``/feedback`` and ``/campaign`` (shape:
:data:`bot.i18n.CommandCatalog`)."""

from bot import i18n
from bot.command_names import FORMAT_FR, FORMAT_OPTION_FR, WEEKDAYS_FR

CATEGORIES_FR = {
    "pain_point": "Irritant", "feature_request": "Demande de fonctionnalité", "praise": "Compliment",
    "question": "Question", "other": "Autre",
}

FR: i18n.CommandCatalog = {
    "feedback": ("retours", "Donner un retour anonyme au club, ou le retirer"),
    "feedback give": ("donner", "Donner un retour anonyme dans un formulaire privé"),
    "feedback give.category": ("catégorie", "Le sujet de votre retour"),
    **i18n.choices("feedback give.category", CATEGORIES_FR),
    "feedback withdraw": ("retirer", "Supprimer une de vos réponses anonymes avec son code de reçu"),
    "feedback withdraw.receipt": ("reçu", "Le code de reçu obtenu après votre réponse (ABCDE-12345)"),
    "feedback about": ("anonymat", "Comment votre anonymat est protégé, et ce qui ne l'est pas"),
    "campaign": ("campagne", "Campagnes de retours anonymes, rapports, synthèses et exports"),
    "campaign start": ("lancer", "Lancer une campagne de retours anonymes (questions dans le formulaire suivant)"),
    "campaign start.title": ("titre", "Le titre de la campagne"),
    "campaign start.closes": ("clôture", "Quand elle se clôt, à l'heure du club (ex. vendredi 18h, dans 7 jours)"),
    "campaign start.audience": ("public", "Qui est invité en MP (par défaut\u202f: tout le monde)"),
    "campaign start.release": (
        "publication", "Quand les réponses deviennent lisibles (par défaut\u202f: toutes ensemble à la clôture)",
    ),
    **i18n.choices("campaign start.release", {
        "close": "À la clôture, toutes ensemble", "live": "Pendant la campagne, par groupes d'au moins k",
    }),
    "campaign close": ("clore", "Clore une campagne maintenant"),
    "campaign close.campaign": ("campagne", "La campagne"),
    "campaign list": ("liste", "Lister les campagnes"),
    "campaign report": ("rapport", "Résultats anonymes d'une campagne, ou des retours spontanés"),
    "campaign report.campaign": ("campagne", "La campagne (vide pour les retours spontanés)"),
    "campaign digest": ("synthèse", "Prendre les nouveaux retours anonymes en un lot, à relire puis publier"),
    "campaign digest-schedule": ("planifier-synthèse", "Configurer la synthèse automatique hebdomadaire"),
    "campaign digest-schedule.enabled": ("activée", "Si la synthèse hebdomadaire est activée"),
    "campaign digest-schedule.weekday": ("jour", "Jour de la semaine"),
    **i18n.choices("campaign digest-schedule.weekday", WEEKDAYS_FR),
    "campaign digest-schedule.hour": ("heure", "Heure de la journée, à l'heure du club (0-23)"),
    "campaign digest-schedule.review": (
        "relecture", "Si les modérateurs relisent chaque synthèse avant sa publication (par défaut\u202f: oui)"
    ),
    "campaign review": (
        "relire", "Lire la synthèse en attente de relecture, valider ou écarter chaque texte, publier"
    ),
    "campaign export": ("exporter", "Réponses anonymes en CSV ou Excel (sans colonne d'identité)"),
    "campaign export.campaign": ("campagne", "La campagne (vide pour les retours spontanés)"),
    "campaign export.format": FORMAT_OPTION_FR,
    **i18n.choices("campaign export.format", FORMAT_FR),
    "campaign painpoints": ("irritants", "Irritants et retours par catégorie au fil des semaines"),
    "campaign painpoints.weeks": ("semaines", "Combien de semaines en arrière (1-52)"),
}

i18n.register_commands("fr", FR)
