"""French names and descriptions of ``/meeting`` and ``/meetings`` (shape:
:data:`bot.i18n.CommandCatalog`)."""

from bot import i18n
from bot.command_names import FORMAT_FR, FORMAT_OPTION_FR

MEETING = ("réunion", "La réunion")
SCOPE = ("portée", "Cette occurrence seulement, ou toute la série")
SCOPES_FR = {"occurrence": "Cette occurrence", "series": "Toute la série"}

FR: i18n.CommandCatalog = {
    "meeting": ("réunion", "Planifier et gérer les réunions du club (modérateurs)"),
    "meeting create": ("créer", "Planifier une réunion (un formulaire demande ensuite titre et ordre du jour)"),
    "meeting create.starts": (
        "début", "Quand elle commence, dans le fuseau du club (ex. 16 mars 18h, mardi prochain 18h)",
    ),
    "meeting create.duration": ("durée", "Combien de temps (ex. 90m, 2h\u202f; 1h par défaut)"),
    "meeting create.location": ("lieu", "Où\u202f: un lien, une adresse ou un salon vocal"),
    "meeting create.channel": ("salon", "Où l'annoncer (par défaut\u202f: le salon des réunions)"),
    "meeting create.repeat": ("répétition", "Répéter la réunion"),
    **i18n.choices("meeting create.repeat", {
        "none": "Aucune", "weekly": "Hebdomadaire", "monthly": "Mensuelle", "quarterly": "Trimestrielle",
        "semiannual": "Semestrielle", "yearly": "Annuelle",
    }),
    "meeting create.reminders": (
        "rappels", "Rappels avant le début (24h,1h par défaut\u202f; «\u00a0aucun\u00a0» pour aucun)",
    ),
    "meeting create.repeat_on": (
        "répéter_le", "Mensuelle ou plus\u202f: à la même date, ou le même jour de la semaine du mois",
    ),
    **i18n.choices("meeting create.repeat_on", {
        "date": "Même jour du mois (par ex. le 15)",
        "weekday": "Même jour de la semaine (par ex. le 3e mardi)",
        "last_weekday": "Dernier jour de ce nom du mois (par ex. le dernier jeudi)",
    }),
    "meeting list": ("liste", "Réunions à venir avec leurs réponses"),
    "meeting edit": ("modifier", "Changer l'horaire, la durée, le lieu, le titre ou l'ordre du jour d'une réunion"),
    "meeting edit.meeting": MEETING,
    "meeting edit.starts": ("début", "Nouvel horaire, dans le fuseau du club"),
    "meeting edit.duration": ("durée", "Nouvelle durée (ex. 90m)"),
    "meeting edit.location": ("lieu", "Nouveau lieu"),
    "meeting edit.title": ("titre", "Nouveau titre"),
    "meeting edit.agenda": ("ordre_du_jour", "Nouvel ordre du jour"),
    "meeting edit.scope": SCOPE,
    **i18n.choices("meeting edit.scope", SCOPES_FR),
    "meeting cancel": ("annuler", "Annuler une réunion ou toute sa série"),
    "meeting cancel.meeting": MEETING,
    "meeting cancel.scope": SCOPE,
    **i18n.choices("meeting cancel.scope", SCOPES_FR),
    "meeting attendees": ("participants", "Qui a répondu quoi (avec un fichier CSV ou Excel)"),
    "meeting attendees.meeting": MEETING,
    "meeting attendees.format": FORMAT_OPTION_FR,
    **i18n.choices("meeting attendees.format", FORMAT_FR),
    "meeting agenda": ("ordre_du_jour", "Sujets proposés classés par votes"),
    "meeting agenda.meeting": MEETING,
    "meetings": ("réunions", "Les réunions du club\u202f: liste, agenda, sujets"),
    "meetings list": ("liste", "Réunions à venir et vos réponses"),
    "meetings calendar": ("calendrier", "Télécharger les prochaines réunions en fichier d'agenda (.ics)"),
    "meetings propose": ("proposer", "Proposer un sujet pour l'ordre du jour d'une réunion"),
    "meetings propose.meeting": MEETING,
    "meetings propose.topic": ("sujet", "Le sujet que vous proposez"),
}

i18n.register_commands("fr", FR)
