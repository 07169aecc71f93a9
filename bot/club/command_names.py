"""French names and descriptions of ``/club`` (shape: :data:`bot.i18n.CommandCatalog`)."""

from bot import i18n

FR: i18n.CommandCatalog = {
    "club": ("club", "Réglages du club et journal des actions (modérateurs)"),
    "club config": ("réglages", "Afficher ou modifier les réglages du club"),
    "club config show": ("afficher", "Afficher les réglages du club"),
    "club config set": ("modifier", "Modifier un ou plusieurs réglages du club"),
    "club config set.announcements_channel": ("salon_annonces", "Salon des annonces et des sondages"),
    "club config set.meetings_channel": ("salon_réunions", "Salon des annonces de réunion"),
    "club config set.prompts_channel": ("salon_questions", "Salon de la question de la semaine"),
    "club config set.feedback_channel": ("salon_retours", "Salon des synthèses de retours anonymes"),
    "club config set.moderators_channel": (
        "salon_modérateurs", "Salon privé où Cercle prévient les modérateurs qu'une synthèse attend leur relecture"
    ),
    "club config set.moderator_role": (
        "rôle_modérateur", "Rôle dont les membres peuvent utiliser les commandes de modération",
    ),
    "club config set.timezone": ("fuseau_horaire", "Fuseau horaire IANA du club, par ex. Europe/Paris"),
    "club config set.language": ("langue", "Langue du club\u202f: français ou anglais"),
    **i18n.choices("club config set.language", {"fr": "Français", "en": "Anglais"}),
    "club config set.anonymity_threshold": (
        "seuil_anonymat", "Nombre minimal de réponses avant d'afficher les résultats anonymes (de 3 à 50)",
    ),
    "club audit": ("journal", "Les dernières actions des modérateurs de ce serveur"),
}

i18n.register_commands("fr", FR)
