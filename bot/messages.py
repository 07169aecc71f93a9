"""Messages shared by every feature: generic errors, field names, help."""

from bot import i18n

MESSAGES = {
    "en": {
        "error.unexpected": "Something went wrong on Cercle's side. Reference: `{ref}` (give it to a moderator).",
        "error.not_moderator": "Only the club's moderators (Manage Server or the moderator role) can do this. Nothing was changed.",
        "error.guild_only": "This command works only inside the club's server.",
        "error.date_without_time": "**{field}**: “{value}” is a day without a time. Add the time, e.g. `{value} 18:00` or `{value} 6pm`.",
        "error.not_allowed": "Only Cercle itself does this, on its schedule. Nothing was changed.",
        "error.required": "**{field}** is required.",
        "error.too_long": "**{field}** is too long: {length} characters, the limit is {limit}.",
        "error.bad_time": "**{field}**: I could not read “{value}” as a date and time. Try `2026-12-03 18:00`, `thursday 6pm` or `in 2 days`.",
        "error.bad_duration": "**{field}**: I could not read “{value}” as a duration. Try `90m`, `2h`, `48h` or `3 days`.",
        "error.duration_range": "**{field}** must be a duration above zero and at most {max_days} days.",
        "error.time_in_past": "**{field}** is in the past: give a time to come.",
        "error.cooldown": "Slow down: try again in {seconds} seconds.",
        "error.bot_missing_permissions": "I lack a permission here: {permissions}. Ask a server admin.",
        "error.component_gone": "This button belongs to something that no longer exists.",
        "error.not_number": "**{field}** must be a whole number.",
        "error.out_of_range": "**{field}** must be between {minimum} and {maximum}.",
        "help.title": "Cercle — your user club's bot",
        "help.intro": "Cercle keeps the club alive between meetings: polls, meetings with RSVP and agenda, anonymous feedback and a weekly discussion prompt.",
        "help.members": "For everyone",
        "help.moderators": "For moderators",
        "help.footer": "Club language: {locale} · time zone: {timezone}",
        "help.cmd.help": "what Cercle does and the commands you may use",
    },
    "fr": {
        "error.unexpected": "Un problème est survenu du côté de Cercle. Référence : `{ref}` (transmettez-la à un modérateur).",
        "error.not_moderator": "Seuls les modérateurs du club (Gérer le serveur ou le rôle modérateur) peuvent faire cela. Rien n'a été modifié.",
        "error.guild_only": "Cette commande ne fonctionne que dans le serveur du club.",
        "error.date_without_time": "**{field}** : « {value} » est un jour sans heure. Ajoutez l'heure, par exemple `{value} 18h` ou `{value} 18h30`.",
        "error.not_allowed": "Seul Cercle fait cela, à l'heure prévue. Rien n'a été modifié.",
        "error.required": "**{field}** est obligatoire.",
        "error.too_long": "**{field}** est trop long : {length} caractères, la limite est de {limit}.",
        "error.bad_time": "**{field}** : je n'ai pas compris « {value} » comme une date et une heure. Essayez `2026-12-03 18:00`, `jeudi 18h` ou `dans 2 jours`.",
        "error.bad_duration": "**{field}** : je n'ai pas compris « {value} » comme une durée. Essayez `90m`, `2h`, `48h` ou `3 jours`.",
        "error.duration_range": "**{field}** doit être une durée positive d'au plus {max_days} jours.",
        "error.time_in_past": "**{field}** est dans le passé : indiquez un moment à venir.",
        "error.cooldown": "Doucement : réessayez dans {seconds} secondes.",
        "error.bot_missing_permissions": "Il me manque une permission ici : {permissions}. Demandez à un administrateur du serveur.",
        "error.component_gone": "Ce bouton appartient à quelque chose qui n'existe plus.",
        "error.not_number": "**{field}** doit être un nombre entier.",
        "error.out_of_range": "**{field}** doit être compris entre {minimum} et {maximum}.",
        "help.title": "Cercle — le bot de votre club utilisateurs",
        "help.intro": "Cercle fait vivre le club entre les réunions : sondages, réunions avec inscription et ordre du jour, retours anonymes et une question de discussion chaque semaine.",
        "help.members": "Pour tout le monde",
        "help.moderators": "Pour les modérateurs",
        "help.footer": "Langue du club : {locale} · fuseau horaire : {timezone}",
        "help.cmd.help": "ce que fait Cercle et les commandes que vous pouvez utiliser",
    },
}

COMMANDS_FR = {
    "Monday": "Lundi",
    "Tuesday": "Mardi",
    "Wednesday": "Mercredi",
    "Thursday": "Jeudi",
    "Friday": "Vendredi",
    "Saturday": "Samedi",
    "Sunday": "Dimanche",
    "help": "aide",
    "What Cercle does and the commands you may use": "Ce que fait Cercle et les commandes que vous pouvez utiliser",
}

i18n.register(MESSAGES, COMMANDS_FR)
