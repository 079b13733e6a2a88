"""The review pages in French and English, the moderator's choice (kept in the session)."""

from flask import session

LANGS = ("fr", "en")

MESSAGES = {
    "title": ("File de modération", "Moderation queue"),
    "sign_in": ("Connexion", "Sign in"), "sign_out": ("Déconnexion", "Sign out"),
    "name": ("Identifiant", "Name"), "password": ("Mot de passe", "Password"),
    "all": ("Tous", "All"), "dehumanising": ("Déshumanisation", "Dehumanising"),
    "identity_attack": ("Attaque identitaire", "Identity attack"), "insult": ("Insulte", "Insult"),
    "threat": ("Menace", "Threat"), "profanity": ("Grossièretés", "Profanity"),
    "shouting": ("Majuscules", "Shouting"),
    "low_confidence": ("Modèle incertain", "Low confidence"),
    "approve": ("Approuver", "Approve"), "reject": ("Rejeter", "Reject"),
    "approve_selected": ("Approuver la sélection", "Approve selected"),
    "reject_selected": ("Rejeter la sélection", "Reject selected"),
    "reason": ("Motif", "Reason"), "story": ("Article", "Story"), "topic": ("Sujet", "Topic"),
    "lang": ("Langue", "Language"), "stance": ("Position", "Stance"), "age": ("Âge max. (heures)", "Max age (hours)"),
    "filter": ("Filtrer", "Filter"), "empty": ("Rien à modérer ici.", "Nothing to moderate here."),
    "received": ("Reçu", "Received"), "scores": ("Scores", "Scores"), "evidence": ("Indices", "Evidence"),
    "author_history": ("Historique de l'auteur", "Author's history"),
    "similar": ("Décisions passées sur des commentaires proches", "Past decisions on similar comments"),
    "neighbours": ("Exemples d'entraînement proches", "Nearest training examples"),
    "correct_labels": ("Corriger les étiquettes", "Correct the labels"),
    "save_labels": ("Enregistrer et approuver", "Save and approve"),
    "audit": ("Journal d'audit", "Audit log"), "dashboard": ("Tableau de bord", "Dashboard"),
    "decided_elsewhere": ("Déjà traité par un autre modérateur.", "Already decided by another moderator."),
    "decided": ("Décision enregistrée.", "Decision saved."),
    "decided_elsewhere_ids": ("Déjà traités par un autre modérateur : {ids}.",
                              "Already decided by another moderator: {ids}."),
    "keys": ("Clavier : j/k pour se déplacer, a pour approuver, r puis 1-6 pour rejeter avec un motif, "
             "Entrée pour ouvrir, ? pour tous les raccourcis.",
             "Keyboard: j/k to move, a to approve, r then 1-6 to reject with a reason, Enter to open, "
             "? for every shortcut."),
    "per_day": ("Par jour", "Per day"), "overturned": ("Annulés par les modérateurs (par drapeau)",
                                                      "Overturned by moderators (per flag)"),
    "stance_mix": ("Positions par article", "Stance mix per story"),
    "auto_approved": ("Approuvés auto.", "Auto-approved"), "held": ("Retenus", "Held"),
    "auto_rejected": ("Rejetés auto.", "Auto-rejected"), "precision": ("Précision en direct", "Live precision"),
    "when": ("Quand", "When"), "who": ("Qui", "Who"), "what": ("Quoi", "What"), "comment": ("Commentaire", "Comment"),
    "page": ("Page", "Page"), "back": ("Retour à la file", "Back to the queue"),
    # Coral's reject reason codes: the form sends the code, the moderator reads the words.
    "OFFENSIVE": ("Offensant", "Offensive"), "ABUSIVE": ("Injurieux", "Abusive"),
    "HATE_SPEECH": ("Discours de haine", "Hate speech"),
    "HARASSMENT_BULLYING": ("Harcèlement", "Harassment or bullying"), "SPAM": ("Spam", "Spam"),
    "OTHER": ("Autre", "Other"), "toxic": ("Toxique", "Toxic"), "harm": ("Nuisible", "Harmful"),
    "moderator": ("modérateur", "moderator"), "admin": ("administrateur", "admin"),
    "refused": ("Identifiant ou mot de passe incorrect, ou compte verrouillé un moment après trop "
                "d'échecs de connexion.",
                "Wrong name or password, or account locked for a while after too many failed sign-ins."),
    "bad_decision": ("Décision inconnue, ou rejet sans motif parmi la liste.",
                     "Unknown decision, or a rejection without a reason from the list."),
    "decision_approve": ("approuvé", "approved"), "decision_reject": ("rejeté", "rejected"),
    "author": ("Auteur", "Author"), "strongest": ("Score le plus fort", "Strongest score"),
    "search": ("Rechercher", "Search"),
    "search_hint": ("texte, auteur ou article", "text, author or story"),
    "no_match": ("Aucun commentaire retenu ne correspond à cette recherche ou à ces filtres.",
                 "No held comment matches this search or these filters."),
    "past_end": ("La page {asked} n'existe pas (il y en a {pages}) : voici la dernière.",
                 "Page {asked} does not exist (there are {pages}): here is the last one."),
    "nothing_selected": ("Aucun commentaire sélectionné : cochez-en (x) avant une action groupée.",
                         "No comment selected: tick some (x) before a bulk action."),
    "gone_live": ("Décidé par un autre modérateur entre-temps.", "Decided by another moderator meanwhile."),
    "raised_by": ("levé par {flags}", "raised by {flags}"),
    "toxic_union": ("« Toxique » est l'union des drapeaux de comportement : il est levé dès que l'un d'eux "
                    "l'est, même quand son propre score est bas.",
                    "“Toxic” is the union of the behaviour flags: it is raised as soon as one of them is, "
                    "even when its own score is low."),
    "similar_none": ("Aucune décision passée assez proche (similarité ≥ {cut}).",
                     "No past decision close enough (similarity ≥ {cut})."),
    "similar_cut": ("Seules les similarités d'au moins {cut} sont montrées : en dessous, deux commentaires "
                    "sans rapport sont aussi proches.",
                    "Only similarities of at least {cut} are shown: below it, unrelated comments are as close."),
    "shortcuts": ("Raccourcis clavier", "Keyboard shortcuts"), "close": ("Fermer", "Close"),
    "key_j": ("commentaire suivant", "next comment"), "key_k": ("commentaire précédent", "previous comment"),
    "key_a": ("approuver", "approve"),
    "key_r": ("rejeter : choisir un motif avec 1 à 6", "reject: pick a reason with 1 to 6"),
    "key_esc": ("quitter le menu des motifs ou cette aide", "leave the reason menu or this help"),
    "key_x": ("cocher pour une action groupée", "tick for a bulk action"),
    "key_enter": ("ouvrir le commentaire", "open the comment"), "key_slash": ("rechercher", "search"),
    "key_q": ("file suivante (Maj+Q : précédente)", "next queue (Shift+Q: previous)"),
    "key_help": ("afficher cette aide", "show this help"),
    "error_403": ("Cette page est réservée aux administrateurs.", "This page is for administrators only."),
    "error_404": ("Cette page ou ce commentaire n'existe pas.", "This page or comment does not exist."),
    "error_other": ("La requête a été refusée.", "The request was refused."),
    "error_title": ("Erreur {code}", "Error {code}"),
    # Decided comments, overturn and undo
    "approved": ("Approuvés", "Approved"), "rejected": ("Rejetés", "Rejected"),
    "origin_all": ("Tous", "All"), "origin_auto": ("Automatiques", "Automatic"),
    "origin_human": ("Par un modérateur", "By a moderator"),
    "decided_empty": ("Aucun commentaire ici.", "No comment here."),
    "decision": ("Décision", "Decision"), "decided_by": ("Décidé par", "Decided by"),
    "automatic": ("automatique", "automatic"), "by_moderator": ("modérateur", "moderator"),
    "overturn_approve": ("Approuver quand même", "Approve instead"),
    "overturn_reject": ("Rejeter quand même", "Reject instead"),
    "undo": ("Annuler la décision", "Undo the decision"),
    "newer_version": ("Une version plus récente de ce commentaire existe : décidez celle-là.",
                      "A newer version of this comment exists: decide that one."),
    "newer_version_ids": ("Une version plus récente existe pour : {ids}.", "A newer version exists for: {ids}."),
    "not_reversible": ("Rien à annuler : ce commentaire est en attente, déjà dans cet état ou n'a pas été "
                       "décidé par un modérateur.",
                       "Nothing to reverse: this comment is held, already so, or was not decided by a moderator."),
    "outcome_approve": ("approuvé", "approved"), "outcome_reject": ("rejeté", "rejected"),
    "outcome_review": ("en attente", "held"),
    # Authors
    "author_id": ("Identifiant de l'auteur", "Author id"),
    "no_author": ("Auteur inconnu (le CMS n'a pas envoyé d'identifiant).", "Unknown author (the CMS sent no id)."),
    "author_page": ("Fiche de l'auteur", "Author's page"),
    "recent_comments": ("Commentaires récents", "Recent comments"),
    "author_actions": ("Actions sur l'auteur", "Actions on the author"),
    "act_hold": ("Toujours retenir cet auteur", "Always hold this author"),
    "act_release": ("Ne plus retenir cet auteur", "Stop holding this author"),
    "act_suspend": ("Suspendre", "Suspend"), "act_ban": ("Bannir", "Ban"),
    "act_reinstate": ("Rétablir", "Reinstate"),
    "author_done": ("Action enregistrée et envoyée au CMS.", "Action saved and sent to the CMS."),
    "author_unchanged": ("L'auteur était déjà dans cet état.", "The author was already so."),
    "status_active": ("actif", "active"), "status_suspended": ("suspendu", "suspended"),
    "status_banned": ("banni", "banned"), "held_always": ("toujours retenu", "always held"),
    "status": ("État", "Status"),
    "approved_auto": ("Approuvés automatiquement", "Approved automatically"),
    "approved_human": ("Approuvés par un modérateur", "Approved by a moderator"),
    "rejected_auto": ("Rejetés automatiquement", "Rejected automatically"),
    "rejected_human": ("Rejetés par un modérateur", "Rejected by a moderator"),
    "edited": ("Versions remplacées par une modification", "Versions replaced by an edit"),
    "no_history": ("Aucun autre commentaire de cet auteur.", "No other comment by this author."),
    "author_held": ("Auteur toujours retenu", "Author always held"),
    # Notes
    "note": ("Note interne des modérateurs", "Moderators' internal note"),
    "save_note": ("Enregistrer la note", "Save the note"), "note_saved": ("Note enregistrée.", "Note saved."),
    # Audit log
    "action": ("Action", "Action"), "since": ("Depuis le", "Since"), "until": ("Jusqu'au", "Until"),
    "any": ("Tous", "Any"), "bad_date": ("Date illisible : {value} (attendu AAAA-MM-JJ).",
                                         "Unreadable date: {value} (expected YYYY-MM-DD)."),
    "audit_empty": ("Aucune action ne correspond.", "No action matches."),
    # Dashboard
    "comments_per_day": ("commentaires par jour", "comments per day"),
    "day": ("jour", "day"), "rates": ("Taux sur la période", "Rates over the period"),
    "overturn_rate": ("Taux d'annulation par drapeau (retenus approuvés par un modérateur)",
                      "Overturn rate per flag (held comments a moderator approved)"),
    "overturn_rate_hint": ("Précision en direct = 100 % − taux d'annulation. En % des commentaires retenus et "
                           "décidés portant ce drapeau.",
                           "Live precision = 100% − overturn rate. In % of the held and decided comments "
                           "carrying the flag."),
    "group_held_rate": ("Commentaires civils retenus, par groupe nommé (labels.md §4)",
                        "Civil comments held, per named group (labels.md §4)"),
    "group_held_hint": ("En % des commentaires civils (approuvés) qui nomment le groupe : nommer un groupe "
                        "n'est jamais un indice d'attaque.",
                        "In % of the civil (approved) comments naming the group: naming a group is never "
                        "evidence of an attack."),
    "group": ("Groupe", "Group"), "civil": ("Civils", "Civil"), "rate": ("Taux", "Rate"),
    "decided_count": ("Décidés", "Decided"), "approved_count": ("Approuvés", "Approved"),
    "share_percent": ("% des commentaires", "% of comments"), "comments": ("commentaires", "comments"),
    "overturned_per_day": ("annulés par jour", "overturned per day"),
    "no_data": ("Pas encore de données sur la période.", "No data over the period yet."),
}


def current_lang():
    return session.get("lang", "fr")


def t(key):
    fr, en = MESSAGES.get(key, (key, key))
    return fr if current_lang() == "fr" else en
