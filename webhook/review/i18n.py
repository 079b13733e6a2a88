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
             "Entrée pour ouvrir.",
             "Keyboard: j/k to move, a to approve, r then 1-6 to reject with a reason, Enter to open."),
    "per_day": ("Par jour", "Per day"), "overturned": ("Annulés par les modérateurs (par drapeau)",
                                                      "Overturned by moderators (per flag)"),
    "stance_mix": ("Positions par article", "Stance mix per story"),
    "auto_approved": ("Approuvés auto.", "Auto-approved"), "held": ("Retenus", "Held"),
    "auto_rejected": ("Rejetés auto.", "Auto-rejected"), "precision": ("Précision en direct", "Live precision"),
    "when": ("Quand", "When"), "who": ("Qui", "Who"), "what": ("Quoi", "What"), "comment": ("Commentaire", "Comment"),
    "page": ("Page", "Page"), "back": ("Retour à la file", "Back to the queue"),
}


def current_lang():
    return session.get("lang", "fr")


def t(key):
    fr, en = MESSAGES.get(key, (key, key))
    return fr if current_lang() == "fr" else en
