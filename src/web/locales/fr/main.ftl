# Parvis — interface en français.

## Cadre de page
skip-to-content = Aller au contenu
nav-main = Navigation principale
nav-languages = Langue
nav-home = Accueil
nav-post = Publier
nav-follow = Suivre un compte
nav-profile = Mon profil
nav-settings = Paramètres
nav-admin = Administration
nav-logout = Se déconnecter
nav-login = Se connecter
nav-register = Créer un compte
footer-software = Propulsé par Parvis { $version }, logiciel libre sous licence AGPL-3.0-or-later.
back-home = Retour à l’accueil
back-to-profile = Retour au profil

## Dates
date-at-time = { $date } à { $time }
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre

## Formulaires
form-has-errors = Le formulaire contient des erreurs
form-error-prefix = Erreur :
form-required = (obligatoire)
field-username = Nom d’utilisateur
field-display-name = Nom affiché
field-password = Mot de passe
field-invite = Code d’invitation
field-bio = Présentation
field-language = Langue de l’interface
field-avatar = Photo de profil
field-content = Votre message
field-visibility = Qui peut le voir
field-as-commune = Publier au nom de la commune
field-handle = Adresse du compte
field-instance-name = Nom de l’instance
field-instance-description = Description
field-registration = Inscriptions
field-charter = Texte de la charte
hint-username = De 1 à 30 caractères : lettres minuscules sans accent, chiffres, « _ » et « - ». Il ne pourra plus changer.
hint-display-name = Votre nom tel que les autres le verront (facultatif).
hint-password = Au moins 10 caractères.
hint-bio = 500 caractères au plus.
hint-avatar = Image JPEG, PNG ou WebP, 2 Mo au plus.
hint-content = 500 caractères au plus.
hint-handle = Par exemple @marie@ville-voisine.fr
invalid-username = Le nom d’utilisateur doit faire de 1 à 30 caractères : lettres minuscules sans accent, chiffres, « _ » et « - ».
invalid-username-taken = Ce nom d’utilisateur est déjà pris.
invalid-display-name = Le nom affiché doit faire de 1 à 100 caractères, sans caractère de contrôle.
invalid-password = Le mot de passe doit faire au moins 10 caractères.
invalid-invite = Ce code d’invitation est inconnu, déjà utilisé ou expiré.
invalid-accept-charter = Vous devez lire et accepter la charte.
invalid-bio = La présentation doit faire 500 caractères au plus.
invalid-language = Choisissez le français ou l’anglais.
invalid-avatar = L’image doit être un fichier JPEG, PNG ou WebP lisible de 2 Mo au plus.
invalid-content = Le message doit faire de 1 à 500 caractères.
invalid-visibility = Choisissez qui peut voir le message.
invalid-name = Le nom doit faire de 1 à 100 caractères.
invalid-description = La description doit faire 2 000 caractères au plus.
invalid-registration = Choisissez un mode d’inscription.
invalid-charter = La charte doit faire de 1 à 50 000 caractères.
invalid-handle = Saisissez une adresse de la forme @nom@serveur.
invalid-delete-password = Le mot de passe est incorrect.
invalid-delete-confirm = Cochez la case pour confirmer la suppression.
invalid-generic = Cette valeur n’est pas acceptée.
invalid-target = Vous ne pouvez pas vous suivre vous-même.
invalid-lang = Choisissez le français ou l’anglais.
invalid-commune = Cette instance n’a pas encore de commune : l’administrateur doit en créer une.
error-forbidden-action = Vous n’avez pas le droit de faire cela.
error-not-found-item = Ce que vous cherchez n’existe pas ou plus.

## Erreurs
error-not-found = Page introuvable
error-forbidden = Accès refusé
error-unauthorized = Connexion nécessaire
error-unavailable = Service momentanément indisponible
error-bad-gateway = Le serveur distant n’a pas répondu correctement. Réessayez plus tard.
error-internal = Une erreur interne s’est produite. Réessayez plus tard.
error-bad-request = Demande incorrecte
error-csrf = Le formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez.
error-admin-only = Cette page est réservée aux administrateurs.
error-login = Nom d’utilisateur ou mot de passe incorrect.
error-too-many-logins = { $count ->
    [one] Trop de tentatives de connexion. Réessayez dans { $shown } minute.
   *[other] Trop de tentatives de connexion. Réessayez dans { $shown } minutes.
}

## Comptes
login-title = Se connecter
login-submit = Se connecter
login-no-account = Pas encore de compte ?
register-title = Créer un compte
register-submit = Créer mon compte
register-closed = Les inscriptions sont fermées sur cette instance.
register-invite-only = Les inscriptions se font sur invitation : saisissez le code reçu de la mairie.
charter-title = Charte de participation
charter-version = Version { $version } du { $date }
charter-accept = J’ai lu la charte et je m’engage à la respecter
charter-submit = Accepter la charte
charter-new-version = La charte a changé. Lisez la nouvelle version et acceptez-la pour continuer.
charter-accepted = Vous avez accepté cette version de la charte.
charter-none = Aucune charte n’a encore été publiée.
charter-refuse = Vous n’acceptez pas cette charte ?
charter-refuse-text = Vous pouvez télécharger vos données, puis supprimer votre compte.
settings-title = Paramètres
settings-profile = Profil
settings-save = Enregistrer
settings-language-browser = Celle du navigateur
settings-avatar = Photo de profil
settings-avatar-current = Votre photo de profil actuelle
settings-avatar-submit = Envoyer la photo
settings-data = Vos données
settings-export-text = Téléchargez une copie de tout ce que votre compte contient : profil, publications, abonnements.
settings-export = Télécharger mes données (JSON)
settings-delete = Supprimer mon compte
settings-delete-text = Vos publications seront supprimées partout où elles ont été diffusées et votre profil effacé. Votre nom d’utilisateur restera réservé. C’est définitif.
settings-delete-confirm = Je comprends que la suppression est définitive
settings-delete-submit = Supprimer définitivement mon compte
deleted-title = Compte supprimé
deleted-text = Votre compte a été supprimé. Les serveurs qui le connaissaient en sont informés.
gone-title = Compte supprimé
gone-text = Ce compte a été supprimé par son titulaire.

## Messages après une action
flash-settings-saved = Modifications enregistrées.
flash-avatar-saved = Photo de profil enregistrée.
flash-charter-accepted = Merci, vous avez accepté la charte.
flash-charter-published = Nouvelle version de la charte publiée : chaque compte devra l’accepter.
flash-invite-created = Code d’invitation créé.
flash-posted = Message publié.
flash-follow-sent = Demande d’abonnement envoyée.
flash-unfollowed = Abonnement supprimé.

## Pages publiques
home-no-commune = Aucune commune n’est encore ouverte sur cette instance.
badge-commune = Commune
badge-official = Élu·e
badge-server = Serveur
follow-from-fediverse = Suivez ce compte depuis Mastodon ou tout serveur du fédivers :
officials-title = Les élu·es
officials-none = Aucun·e élu·e n’a encore de compte.
mandates-title = Mandats
mandate-since = { $office }, depuis le { $since }
mandate-from-to = { $office }, du { $since } au { $until }
posts-latest = Dernières publications
posts-none = Rien n’a encore été publié.
followers-count = { $count ->
    [one] { $shown } abonné
   *[other] { $shown } abonnés
}
following-count = { $count ->
    [one] { $shown } abonnement
   *[other] { $shown } abonnements
}
followers-of = Abonnés de { $name }
following-of = Abonnements de { $name }
followers-none = Personne ne suit encore ce compte.
following-none = Ce compte ne suit encore personne.
instance-actor-description = Le serveur Parvis { $site }
post-by = Message de { $name }
post-deleted = Ce message a été supprimé.
post-title = Publier un message
post-submit = Publier
visibility-public = Public
visibility-unlisted = Public, hors des fils publics
visibility-private = Abonnés seulement

## Suivre
lookup-title = Suivre un compte
lookup-submit = Rechercher
lookup-not-found = Aucun compte ne correspond à cette adresse.
lookup-unreachable = Le serveur de ce compte ne répond pas ou refuse la demande.
lookup-is-you = C’est vous !
follow-submit = Suivre
unfollow-submit = Ne plus suivre
follow-pending = En attente d’acceptation
follow-following = Vous suivez ce compte.

## Administration
admin-title = Administration
admin-debates = Débats
field-openers = Qui peut ouvrir un débat
openers-officials = Les élus, modérateurs et administrateurs
openers-residents = Aussi les habitants vérifiés
openers-accounts = Tout compte de cette instance
openers-everyone = Tout le monde, y compris depuis d’autres serveurs
field-theme-new = Nouveau thème
admin-theme-add = Ajouter le thème
admin-theme-remove = Retirer « { $name } »
admin-residents = Habitants
admin-residents-text = En attendant la vérification des habitants, un administrateur marque les comptes des habitants de la commune.
field-resident = Habitant de la commune
resident-yes = Oui
resident-no = Non
admin-instance = Instance
admin-charter = Charte
admin-charter-text = Publier une nouvelle version demande à chaque compte de l’accepter à nouveau.
admin-charter-submit = Publier cette version
admin-invites = Invitations
admin-invite-submit = Créer un code d’invitation
admin-invites-none = Aucun code en cours de validité.
admin-invite-expires = valable jusqu’au { $date }
admin-invite-link = lien d’inscription
registration-open = Ouvertes à tous
registration-invite = Sur invitation
registration-closed = Fermées

## Débats
nav-debates = Débats
debates-title = Débats
debates-none = Aucun débat pour l’instant.
debate-open = Ouvrir un débat
debate-open-submit = Ouvrir le débat
debate-open-forbidden = Dans cette commune, les débats sont ouverts par les élus, les modérateurs et les administrateurs (ou par les habitants, si la commune l’a décidé).
debate-pinned = Épinglé
debate-pin = Épingler en tête de liste
debate-unpin = Désépingler
debate-hosted-by = Débat tenu par
debate-original = voir sur son serveur
debates-scope = Quels débats
debates-here = Dans notre commune
debates-elsewhere = Chez nos voisins
field-theme = Thème
field-themes = Thèmes
field-status = Statut
field-sort = Ordre
filter-all = Tous
filter-current = En cours (ouverts et clos)
filter-submit = Filtrer
sort-newest = Les plus récents
sort-active = Les plus actifs
field-search = Rechercher dans les débats et commentaires
search-submit = Rechercher
search-title = Recherche
search-none = Rien ne correspond à cette recherche.
search-comments = Commentaires
feed-link = Suivre les débats (flux Atom)
feed-comments-link = Suivre les commentaires (flux Atom)
debate-by = par
debate-closes = se termine le { $date }
debate-status-open = Ouvert
debate-status-closed = Clos
debate-status-archived = Archivé
debate-closed-notice = Ce débat est clos : il n’accepte plus de commentaires.
debate-manage = Gérer le débat
debate-set-open = Rouvrir
debate-set-closed = Clore
debate-set-archived = Archiver
field-debate-title = Titre
field-debate-question = La question posée
field-debate-body = Présentation
field-opens-on = Date d’ouverture (facultative)
hint-opens-on = Le débat est annoncé dès maintenant et reçoit des commentaires à partir de cette date.
debate-opens = s’ouvre le { $date }
debate-not-open-notice = Ce débat n’est pas encore ouvert : il reçoit des commentaires à partir de sa date d’ouverture.
invalid-opens-on = Choisissez une date valide, ou aucune.
field-closes-on = Date de fin (facultative)
field-comment = Votre commentaire
field-stance = Votre position
hint-debate-question = Une question à laquelle chacun peut répondre, par exemple « Faut-il piétonniser la place du marché ? »
hint-markdown = Mise en forme Markdown : **gras**, *italique*, listes avec « - », liens [texte](https://…).
hint-closes-on = Après cette date, le débat n’accepte plus de commentaires.
stances-title = Les positions
stance-for = Pour
stance-against = Contre
stance-neutral = Neutre
stance-none = Sans position
comments-count = { $count ->
    [one] { $shown } commentaire
   *[other] { $shown } commentaires
}
comment-submit = Publier le commentaire
comment-reply = Répondre
comment-replying-to = En réponse à { $name }
comment-deleted = Commentaire supprimé.
comment-hidden = Commentaire masqué par la modération.
comment-edited = modifié le { $date }
comment-edit = Modifier
comment-editing = Vous modifiez votre commentaire ; la version précédente reste visible dans son historique.
comment-edit-submit = Enregistrer la modification
comment-delete = Supprimer
comment-hide = Masquer (modération)
comment-restore = Afficher à nouveau (modération)
comment-agree = D’accord
comment-agree-withdraw = Retirer mon accord
agrees-count = { $count ->
    [one] { $shown } d’accord
   *[other] { $shown } d’accord
}
comment-versions = { $count ->
    [one] { $shown } version précédente
   *[other] { $shown } versions précédentes
}
comment-login = Connectez-vous pour participer au débat.
flash-debate-opened = Débat ouvert.
flash-commented = Commentaire publié.
flash-debate-status = Statut du débat modifié.
flash-debate-pinned = Débat épinglé.
flash-debate-unpinned = Débat désépinglé.
flash-comment-edited = Commentaire modifié.
flash-comment-deleted = Commentaire supprimé.
flash-comment-hidden = Commentaire masqué.
flash-comment-restored = Commentaire de nouveau affiché.
flash-agreed = Votre accord est enregistré.
flash-agree-withdrawn = Votre accord est retiré.
invalid-themes = Choisissez parmi les thèmes de la commune.
invalid-theme = Le thème doit faire de 1 à 60 caractères et ne pas exister déjà.
invalid-title = Le titre doit faire de 1 à 200 caractères.
invalid-question = La question doit faire de 1 à 500 caractères.
invalid-body = La présentation doit faire 20 000 caractères au plus.
invalid-closes-on = Choisissez une date à venir, après la date d’ouverture, ou aucune.
invalid-comment = Le commentaire doit faire de 1 à 5 000 caractères.
invalid-debate = Ce débat est clos : il n’accepte plus de commentaires.
invalid-opening = Ce débat n’est pas encore ouvert : il reçoit des commentaires à partir de sa date d’ouverture.
invalid-parent = Ce commentaire n’appartient pas à ce débat.
invalid-stance = Choisissez pour, contre, neutre ou aucune position.
invalid-status = Statut inconnu.

## Propositions
nav-proposals = Propositions
nav-notifications = Notifications
proposals-title = Propositions citoyennes
proposals-scope = Quelles propositions
proposals-none = Aucune proposition pour l'instant.
proposals-csv = Télécharger toutes les propositions (CSV, données ouvertes)
proposal-new = Faire une proposition
proposal-submit = Publier la proposition
proposal-status-published = En recherche de soutiens
proposal-status-under_review = À l'étude
proposal-status-accepted = Acceptée
proposal-status-rejected = Refusée
proposal-status-already_planned = Déjà prévue
proposal-status-in_progress = En cours
proposal-status-done = Réalisée
supports-count = { $count ->
    [one] { $shown } soutien
   *[other] { $shown } soutiens
}
sort-supported = Les plus soutenues
sort-closest = Les plus proches du seuil
theme-none = Sans thème
field-proposal-title = Que proposez-vous ?
field-proposal-summary = En une ou deux phrases
hint-proposal-summary = Affiché sous le titre dans les listes et sur Mastodon.
field-proposal-body = Détails
field-place = Lieu
hint-place = Une adresse ou un nom de lieu, si votre proposition concerne un endroit.
field-coordinates = Position sur une carte (facultatif)
field-latitude = Latitude
field-longitude = Longitude
proposal-where = Où en est la proposition
proposal-progress = Soutiens d'habitants : { $count } sur les { $threshold } nécessaires pour que la commune réponde
proposal-missing = { $count ->
    [one] Encore { $shown } soutien d'habitant et la commune devra répondre.
   *[other] Encore { $shown } soutiens d'habitants et la commune devra répondre.
}
supports-residents = Habitants
supports-local = Autres comptes d'ici
supports-remote = Personnes d'autres serveurs
proposal-support = Soutenir cette proposition
proposal-unsupport = Retirer mon soutien
proposal-follow = Suivre ses réponses
proposal-unfollow = Ne plus suivre
proposal-login = Connectez-vous pour soutenir cette proposition
proposal-history = Historique et réponses
proposal-answer-title = Répondre au nom de la commune
field-new-status = Nouveau statut
field-answer = Réponse publique
hint-answer = Obligatoire : elle est affichée sur la proposition avec votre nom et votre mandat, et envoyée à ceux qui la suivent.
proposal-answer-submit = Publier la réponse
flash-proposal-published = Votre proposition est publiée.
flash-supported = Votre soutien est compté.
flash-unsupported = Votre soutien est retiré.
flash-proposal-followed = Vous serez prévenu de ses réponses.
flash-proposal-unfollowed = Vous ne suivez plus cette proposition.
flash-proposal-answered = La réponse est publiée.
notifications-title = Notifications
notifications-none = Rien de nouveau.
notification-threshold = Une proposition a atteint son seuil : la commune doit y répondre
notification-status = Une proposition que vous suivez a changé de statut
notification-answered = Une proposition que vous suivez a reçu une réponse
field-threshold = Soutiens d'habitants nécessaires pour qu'une proposition reçoive une réponse
hint-threshold = S'applique aux propositions publiées à partir de maintenant.

## Sondages et questionnaires
nav-polls = Sondages
polls-title = Sondages
polls-scope = Sondages de qui
polls-none = Aucun sondage pour l’instant.
poll-new = Poser une question
poll-submit = Publier le sondage
poll-vote = Voter
poll-login = Connectez-vous pour voter
poll-closed = Clos
poll-closes = ouvert jusqu’au { $date }
poll-closed-at = clos le { $date }
poll-hosted-by = Un sondage de
poll-you-voted = Vous avez voté :
poll-vote-sent = votre vote a été envoyé au serveur du sondage, qui le compte.
poll-results = Résultats
poll-official-result = Résultat officiel
poll-other-voices = Autres voix
poll-results-hidden = Les résultats seront publiés à la clôture du vote, le { $date }.
poll-kind-single = Choix unique
poll-kind-multiple = Choix multiple
poll-kind-scale = Échelle de 1 à 5
poll-kind-text = Texte libre
poll-eligibility-anyone = les votes de tous comptent
poll-eligibility-local = les votes des comptes de cette instance comptent
poll-eligibility-residents = les votes des habitants vérifiés de la commune comptent
voters-count = { $count ->
    [one] { $shown } votant
   *[other] { $shown } votants
}
responses-count = { $count ->
    [one] { $shown } réponse
   *[other] { $shown } réponses
}
field-poll-question = Question
field-poll-kind = Type de réponse
field-poll-options = Choix proposés
field-eligibility = Résultat officiel
field-live-results = Montrer les résultats pendant le vote
field-federated = Publier sur le fédivers (les personnes sur Mastodon peuvent voter)
field-citizen-polls = Les citoyens peuvent poser des sondages et des questionnaires
hint-poll-options = Un par ligne, de 2 à 20.
hint-poll-multiple = Vous pouvez cocher plusieurs choix.
hint-residents-only = Seuls les votes des habitants vérifiés forment le résultat officiel ; les autres votes sont montrés à part, comme autres voix.
hint-other-voices = Votes de personnes hors du résultat officiel, gardés et montrés à part.
questionnaires-title = Questionnaires
questionnaires-none = Aucun questionnaire pour l’instant.
questionnaire-new = Créer un questionnaire
questionnaire-submit = Publier le questionnaire
questionnaire-question-n = Question { $n }
questionnaire-answer = Envoyer mes réponses
questionnaire-answered = Vous avez répondu à ce questionnaire. Merci !
questionnaire-login = Connectez-vous pour répondre
questionnaire-results = Résultats
questionnaire-csv = Télécharger les résultats (CSV)
questionnaire-no-text = Aucune réponse.
questionnaire-texts-moderators = Les réponses libres sont lues par les modérateurs de la commune.
field-questionnaire-title = Titre
field-questionnaire-intro = Introduction
field-question-federated = Publier aussi cette question comme sondage sur le fédivers (choix unique ou multiple)
hint-questionnaire-options = Pour un choix unique ou multiple : un choix par ligne. Les questions laissées sans texte sont ignorées.
flash-poll-published = Votre sondage est publié.
flash-voted = Votre vote est enregistré.
flash-questionnaire-published = Votre questionnaire est publié.
flash-questionnaire-answered = Vos réponses sont enregistrées.
poll-scale-mean = moyenne { $mean } sur 5

## Signalements et modération
nav-moderation = Modération
comment-report = Signaler
report-title = Signaler aux modérateurs
report-intro = Qu’est-ce qui ne va pas ? Les modérateurs de la commune vont regarder :
report-submit = Envoyer le signalement
report-reason-missing = Choisissez un motif de la charte.
report-by = signalé par { $name } le { $date }
field-report-reason = Motif
field-report-comment = Votre commentaire (facultatif)
report-reason-spam = Spam ou publicité
report-reason-insult = Insulte ou attaque personnelle
report-reason-hate = Haine ou discrimination
report-reason-misinformation = Fausse information
report-reason-off-topic = Hors sujet
report-reason-privacy = Information privée sur quelqu’un
report-reason-illegal = Contenu illégal
report-reason-other = Autre
moderation-title = Signalements à traiter
moderation-none = Aucun signalement en attente.
moderation-submit = Appliquer
moderation-action-dismiss = Classer le signalement
moderation-action-hide = Masquer le commentaire
moderation-action-warn = Avertir l’auteur
moderation-action-suspend = Suspendre l’auteur
moderation-action-lift = Lever une suspension ou un blocage
moderation-action-block = Bloquer l’auteur pour la commune
moderation-action-block_instance = Bloquer l’auteur pour toute l’instance
moderation-action-forward = Transmettre le signalement au serveur de l’auteur
field-suspension = Durée (pour une suspension)
suspension-1 = Un jour
suspension-7 = Une semaine
suspension-30 = Un mois
suspension-365 = Un an
suspension-forever = Définitivement
field-forward = Transmettre aussi le signalement à { $site } (sans votre nom ni celui de l’auteur du signalement)
moderation-suspended = Comptes suspendus
moderation-next = Signalements suivants
moderation-blocked = Comptes bloqués
moderation-unblock = Lever le blocage
post-report = Signaler cette publication
transparency-communes = Les autres communes de cette instance
login-suspended = Ce compte est suspendu définitivement par la modération.
login-suspended-until = Ce compte est suspendu par la modération jusqu’au { $date }.
suspended-until = suspendu jusqu’au { $date }
moderation-lift = Lever la suspension de { $name }
field-moderation-action = Action
field-moderation-note = Pourquoi (gardé dans le journal ; montré à l’auteur averti)
hint-moderation-note = Obligatoire pour avertir quelqu’un.
moderation-log-title = Journal de modération
moderation-log-none = Aucune action de modération pour l’instant.
log-when = Quand
log-who = Qui
log-what = Action
log-target = Sur
log-why = Motif
transparency-title = Transparence de la modération
transparency-intro = Combien d’actions de modération ont été prises ici, chaque mois, et pourquoi.
transparency-month = Mois
transparency-count = Actions
warnings-title = Avertissements des modérateurs
flash-reported = Merci : les modérateurs vont examiner votre signalement.
flash-moderated = C’est fait : l’action est inscrite au journal.

## Politique de fédération
admin-federation = Fédération
field-federation-mode = Avec qui cette instance fédère
federation-mode-open = Ouverte : tous les serveurs sauf ceux bloqués
federation-mode-allowlist = Liste blanche : seulement les serveurs autorisés ci-dessous
federation-mode-closed = Fermée : aucune fédération
federation-rule-allow = Autorisé
federation-rule-block = Bloqué
federation-rule-silence = Mis en sourdine
field-private-space = Réservé aux habitants (espace privatif)
hint-private-space = Les pages de la commune demandent un compte ici, ses contenus ne sont pas publics et seuls les serveurs autorisés ci-dessous (partenaires) fédèrent, quel que soit le mode.
federation-rule-add = Ajouter la règle
federation-rule-remove = Retirer la règle sur { $name }
field-domain = Serveur
hint-domain = Son nom d’hôte, par exemple parvis.voisine.example (ses sous-domaines compris).
field-rule = Règle
partners-title = Communes partenaires
field-partner = Devenir partenaire du serveur Parvis d’une commune voisine
hint-partner = Son adresse, par exemple parvis.voisine.example : il est autorisé, et cette commune suit ses communes. Demandez-leur d’en faire autant.
partner-add = Devenir partenaires
partner-remove = Mettre fin au partenariat

# The commune's presentation (admin page)
admin-commune = La commune : { $name }
admin-commune-text = Comment la commune se présente : sur sa page, et aux autres serveurs (Mastodon l’affiche sur le profil de la commune, Lemmy sur la page de la communauté).
field-commune-description = Description
admin-commune-icon-current = L’icône actuelle de la commune
field-commune-icon = Icône (JPEG, PNG ou WebP, 2 Mo au plus)
hint-commune-icon = Affichée à côté du nom de la commune, ici et sur les autres serveurs ; une image carrée rend le mieux.
admin-commune-icon-submit = Envoyer l’icône

# Email addresses and passwords
error-gone = Lien périmé
error-confirm-email = Confirmez d’abord votre adresse : suivez le lien envoyé à { $address }. Tant qu’elle n’est pas confirmée, votre compte peut lire mais pas écrire. Vous pouvez renvoyer le lien depuis vos paramètres.
field-email = Adresse électronique
hint-email = Un lien de confirmation y sera envoyé ; elle sert aussi à retrouver votre mot de passe. Elle n’est jamais montrée.
field-email-new = Nouvelle adresse
hint-email-change = Un lien de confirmation y est envoyé ; l’adresse actuelle reste utilisée jusqu’à la confirmation, puis elle est prévenue.
flash-welcome-confirm = Bienvenue ! Votre compte est créé. Confirmez votre adresse avec le lien que nous venons de vous envoyer pour pouvoir écrire.
flash-email-sent = Un lien de confirmation a été envoyé à l’adresse.
flash-email-confirmed = Adresse confirmée. Merci !
flash-password-reset = Mot de passe changé. Connectez-vous avec le nouveau ; vos autres sessions sont terminées.
flash-password-changed = Mot de passe changé. Vos autres sessions et vos jetons d’accès sont terminés.
confirm-email-banner = Confirmez votre adresse { $address } avec le lien que nous vous avons envoyé : d’ici là, votre compte peut lire mais pas écrire.
confirm-email-resend = Renvoyer le lien
confirm-email-title = Confirmer votre adresse
confirm-email-text = Confirmez que cette adresse est bien la vôtre.
confirm-email-submit = Confirmer mon adresse
settings-email = Adresse électronique
settings-email-confirmed = Votre adresse : { $address } (confirmée).
settings-email-pending = Votre adresse : { $address } (en attente de confirmation : suivez le lien envoyé).
settings-email-none = Vous n’avez pas donné d’adresse : sans elle, un mot de passe oublié ne peut pas être retrouvé.
settings-email-submit = Envoyer le lien de confirmation
settings-password = Mot de passe
settings-password-text = Changer de mot de passe termine vos autres sessions et révoque vos jetons d’accès.
field-current-password = Mot de passe actuel
field-new-password = Nouveau mot de passe
settings-password-submit = Changer le mot de passe
email-link-unknown = Ce lien n’est pas valable : copiez le lien entier depuis le message, ou demandez-en un nouveau.
email-link-used = Ce lien a déjà servi. Demandez-en un nouveau si besoin.
email-link-expired = Ce lien a expiré. Demandez-en un nouveau.
ask-email-title = Votre adresse électronique
ask-email-text = Donnez une adresse pour retrouver votre mot de passe en cas d’oubli et recevoir les nouvelles que vous choisirez. Elle n’est jamais montrée.
ask-email-submit = Envoyer le lien de confirmation
ask-email-dismiss = Pas maintenant
forgot-title = Mot de passe oublié
forgot-text = Indiquez l’adresse de votre compte : si elle est confirmée, un lien pour choisir un nouveau mot de passe y sera envoyé (valable une heure).
forgot-submit = Envoyer le lien
forgot-sent = Si un compte a cette adresse, un lien vient d’y être envoyé. Pensez à regarder dans les indésirables.
reset-title = Nouveau mot de passe
reset-text = Choisissez votre nouveau mot de passe. Vos autres sessions seront terminées.
reset-submit = Enregistrer le mot de passe
login-forgot = Mot de passe oublié ?

# The notification centre and mail choices
unsubscribe-title = Se désabonner
unsubscribe-replies = Ne plus recevoir de message quand on vous répond.
unsubscribe-followers = Ne plus recevoir de message quand quelqu’un vous suit.
unsubscribe-proposals = Ne plus recevoir de message sur les propositions que vous suivez.
unsubscribe-polls = Ne plus recevoir de message à la clôture des sondages auxquels vous avez participé.
unsubscribe-moderation = Ne plus recevoir de message sur les décisions de modération qui vous concernent.
unsubscribe-digest = Ne plus recevoir le résumé quotidien de vos notifications.
unsubscribe-submit = Me désabonner
unsubscribe-done = C’est fait : ces messages ne vous seront plus envoyés. Vos notifications restent sur le site, et vos choix se règlent dans vos paramètres.
settings-notifications = Notifications par courriel
settings-notifications-text = Tout arrive sur votre page de notifications ; choisissez ce qui vous est aussi envoyé par courriel, à votre adresse confirmée : tout de suite, dans un résumé le lendemain matin, ou jamais.
notifications-topic-replies = Réponses à vos commentaires et débats
notifications-topic-followers = Nouveaux abonnés
notifications-topic-proposals = Propositions que vous suivez
notifications-topic-polls = Résultats des sondages auxquels vous avez participé
notifications-topic-moderation = Décisions de modération vous concernant
notifications-mode-immediate = Tout de suite
notifications-mode-daily = Résumé quotidien
notifications-mode-never = Jamais
notification-reply = { $name } vous a répondu
notification-follower = { $name } vous suit désormais
notification-moderation = Une décision de modération vous concerne
notification-open = voir
field-invite-email = Adresse électronique (facultatif)
hint-invite-email = Avec une adresse, l’invitation y est envoyée avec le lien d’inscription ; sans, le code s’affiche ci-dessous.
flash-invite-sent = Invitation envoyée.
notification-mention = { $name } vous a mentionné·e

# La lettre d'information de la commune
newsletter-title = Lettre d’information de { $commune }
newsletter-intro = Les nouvelles de la commune, écrites par ses élu·es et ses agents. Chaque numéro est aussi publié ici et suivi depuis Mastodon.
newsletter-receive = Recevoir la lettre d’information
newsletter-you-receive = Vous recevez la lettre d’information à l’adresse de votre compte.
newsletter-you-do-not-receive = Vous ne recevez pas la lettre d’information.
newsletter-start = La recevoir
newsletter-stop = Ne plus la recevoir
newsletter-subscribe = S’abonner
hint-newsletter-email = Un lien sera envoyé pour confirmer l’adresse ; rien d’autre n’est envoyé avant votre confirmation.
newsletter-writers = Pour les rédacteurs de la lettre
newsletter-readers = { $count ->
    [one] Un numéro envoyé maintenant part à une adresse.
   *[other] Un numéro envoyé maintenant part à { $count } adresses.
}
newsletter-write = Écrire un numéro
newsletter-drafts = Brouillons
newsletter-issues = Numéros
newsletter-none = Aucun numéro envoyé pour l’instant.
newsletter-counts = envoyés : { $sent }, en échec : { $failed }, en attente : { $waiting }
newsletter-sent-to = { $count ->
    [one] Envoyé à une adresse.
   *[other] Envoyé à { $count } adresses.
}
newsletter-public-page = Sa page publique
field-newsletter-title = Titre (l’objet du message)
field-newsletter-body = Texte
newsletter-save = Enregistrer et prévisualiser
newsletter-test = M’envoyer un test
newsletter-send = { $count ->
    [one] Envoyer à un abonné
   *[other] Envoyer à { $count } abonnés
}
newsletter-preview = Aperçu
newsletter-confirm-title = Confirmez votre abonnement
newsletter-confirm-submit = Confirmer mon abonnement
unsubscribe-newsletter = Vous ne recevrez plus la lettre d’information de cette commune, et votre adresse sera effacée de sa liste.
unsubscribe-newsletter-done = C’est fait : vous ne recevrez plus cette lettre, et votre adresse a été effacée de sa liste.
flash-newsletter-check-mail = Consultez votre messagerie : un lien y a été envoyé pour confirmer l’adresse.
flash-newsletter-confirmed = Votre abonnement est confirmé.
flash-newsletter-saved = Brouillon enregistré.
flash-newsletter-tested = Un test a été envoyé à votre adresse.
flash-newsletter-sent = La lettre est envoyée : les messages partent par la file d’envoi.
register-newsletter = Recevoir la lettre d’information de la commune par courriel (vous pourrez arrêter à tout moment)
notification-poll_closed = Un sondage auquel vous avez participé est clos : voyez ses résultats
admin-roles = Rôles
admin-roles-text = Ce qu’un compte de la commune peut faire. Les agents sont le personnel de la commune : ils traitent les signalements et écrivent la lettre d’information, sans être élus.
field-role = Rôle
role-citizen = Habitant·e
role-official = Élu·e
role-agent = Agent (personnel de la commune)
role-moderator = Modérateur·rice
role-admin = Administrateur·rice
notification-problem_update = Un signalement que vous suivez a changé de statut
notifications-topic-problems = Signalements que vous avez faits ou que vous constatez aussi
unsubscribe-problems = Ne plus recevoir de message sur les signalements que vous avez faits ou constatez aussi.
notification-meeting_change = Une réunion à laquelle vous êtes inscrit·e a changé
notification-meeting_seat = Une place s'est libérée : vous êtes inscrit·e à la réunion
notification-meeting_reminder = Rappel : une réunion à laquelle vous êtes inscrit·e a lieu demain
notification-meeting_refused = Les organisateurs d'un événement ont refusé votre inscription
notification-meeting_minutes = Le compte rendu d'une réunion à laquelle vous étiez inscrit·e est publié
notifications-topic-meetings = Réunions auxquelles vous êtes inscrit·e
unsubscribe-meetings = Ne plus recevoir de message sur les réunions auxquelles vous êtes inscrit·e.

# Signalements
nav-problems = Signalements
problems-title = Signalements
problems-queue = File de traitement
problems-all-categories = Toutes les catégories
problems-all-statuses = Tous les statuts
problem-new = Signaler un problème
field-category = Catégorie
problems-filter = Filtrer
problems-none = Aucun signalement ici.
problems-elsewhere = Signalements des communes voisines
problems-elsewhere-text = Les derniers signalements des communes d'autres serveurs que des personnes d'ici suivent, tels que leur commune nous les a dits la dernière fois.
problem-on-its-server = Voir ce signalement sur le site de sa commune
problems-handed-to-us = Confiés à votre commune
problem-handovers = Transmission à une autre autorité
problem-hand-over = Transmettre
problem-handled-by = Pris en charge par
field-handover-to = À
field-handover-message = Pourquoi cela la concerne
hint-handover-message = Affiché sur le signalement et envoyé à l'autre commune (« la route relève de l'intercommunalité »).
field-handover-answer = Votre réponse
hint-handover-answer = Nécessaire pour refuser : la commune d'origine lit pourquoi.
handover-accept = Accepter
handover-decline = Refuser
field-handover-withdraw = Pourquoi vous la retirez
handover-withdraw = Retirer la proposition
flash-problem-status-sent = Envoyé à la commune où le signalement a été déposé : elle publie le nouveau statut.
handover-state-offered = En attente de réponse
handover-state-accepted = Acceptée
handover-state-declined = Refusée
handover-no-partner = Aucune autre commune à qui le transmettre : les communes de cette instance et des serveurs partenaires sont proposées ici.
flash-problem-handed = Le signalement est transmis : l'équipe de l'autre commune va répondre.
problems-counts = Signalements par catégorie et par statut
problems-count = Signalements
problems-nearby = Déjà signalé tout près ?
problems-nearby-text = Ces signalements ouverts de la même catégorie sont à moins de 50 m. Si c’est le même problème, dites que vous le constatez aussi : la commune voit combien de personnes il concerne.
problem-me-too = Je constate aussi ce problème
problem-me-too-withdraw = Je ne constate plus ce problème
problems-no-category = La commune n’a pas encore de catégorie de signalements : son administrateur les ajoute.
field-problem-description = Quel est le problème ?
field-address = Adresse ou lieu
hint-problem-address = Une rue et un numéro, ou un repère (« devant l’école »).
problem-place = Où exactement
hint-problem-place = Latitude et longitude en degrés, comme les donne une application de cartes (par exemple 45.7578 et 4.8320).
hint-latitude = Entre -90 et 90, par exemple 45.7578.
hint-longitude = Entre -180 et 180, par exemple 4.8320.
field-name-private = Ne pas afficher mon nom (le personnel de la commune et les modérateurs le voient)
problem-submit = Signaler
problem-submit-anyway = C’est un autre problème : le signaler
flash-problem-filed = Merci : votre signalement est transmis à la commune.
problem-reported-by = Signalé par
problem-reported-privately = Signalé par un·e habitant·e
problem-duplicate-of = Même problème que
problem-supporters = { $count ->
    [one] { $shown } personne constate aussi ce problème
   *[other] { $shown } personnes constatent aussi ce problème
}
problem-history = Historique
problem-change-status = Changer le statut
field-problem-message = Message public
hint-problem-message = Affiché sur le signalement et envoyé aux personnes qui le suivent.
field-duplicate-of = Même problème que le signalement numéro
hint-duplicate-of = Seulement pour un doublon : le numéro du signalement qu’il répète.
flash-problem-updated = Statut changé : l’auteur du signalement et les personnes qui le constatent aussi sont prévenus.
problem-status-new = Nouveau
problem-status-acknowledged = Pris en compte
problem-status-in_progress = En cours
problem-status-resolved = Résolu
problem-status-rejected = Rejeté
problem-status-duplicate = Doublon
admin-problems = Signalements : catégories et territoire
admin-open311 = Open311 : applications de la ville
admin-open311-text = Les applications qui parlent Open311 GeoReport v2 déposent des signalements dans les catégories de votre commune avec leur propre clé. Adresse :
admin-open311-key-once = Copiez cette clé maintenant : elle n'est montrée qu'une fois. Application :
admin-open311-revoked = révoquée
admin-open311-revoke = Révoquer
admin-open311-create = Créer une clé
field-open311-app = Nom de l'application
admin-problem-categories = Catégories
problem-category-archived = plus proposée
problem-category-archive = Ne plus proposer
problem-category-add = Ajouter la catégorie
admin-problem-area = Le territoire de la commune
admin-problem-outline = Ou le contour de la commune
field-area-outline = Contour (GeoJSON)
hint-area-outline = Un Polygon ou MultiPolygon en longitude, latitude (tel qu'exporté d'OpenStreetMap ou de l'IGN), ou une Feature qui en contient un. Ses limites remplacent le rectangle ci-dessus. Vide : le rectangle seul. Un signalement déposé dans le territoire d'une autre commune d'ici lui est proposé.
admin-problem-area-text = Un signalement hors de ce cadre de latitude et de longitude est refusé. Laissez les quatre champs vides pour accepter les signalements partout.
field-area-south = Bord sud (latitude)
field-area-west = Bord ouest (longitude)
field-area-north = Bord nord (latitude)
field-area-east = Bord est (longitude)
invalid-text = Le texte est obligatoire, 50 000 caractères au plus.
invalid-email = Donnez une adresse électronique, comme nom@exemple.fr.
invalid-category = Choisissez une des catégories.
invalid-report = Décrivez le problème, en 5 000 caractères au plus.
invalid-address = L’adresse tient sur une ligne de 300 caractères au plus.
invalid-latitude = La latitude est un nombre de degrés entre -90 et 90, comme 45.7578.
invalid-longitude = La longitude est un nombre de degrés entre -180 et 180, comme 4.8320.
invalid-area = Ce lieu est hors du territoire de la commune, et d'aucune autre commune d'ici : signalez-le à la commune dont il dépend.
invalid-message = Écrivez un message public, de 2 000 caractères au plus.
invalid-duplicate-of = Donnez le numéro de l’autre signalement de la commune que celui-ci répète.
invalid-support = Vous avez vous-même signalé ce problème.
invalid-south = Chaque bord est un nombre de degrés (latitude entre -90 et 90, longitude entre -180 et 180).
invalid-west = Chaque bord est un nombre de degrés (latitude entre -90 et 90, longitude entre -180 et 180).
invalid-north = Le bord nord doit être au nord du bord sud.
invalid-east = Le bord est doit être à l’est du bord ouest.
problem-too-many = Au plus { $count } signalements en { $minutes } minutes : attendez un peu avant le suivant.
problem-photos = Photos
hint-problem-photos = Jusqu’à trois photos (JPEG, PNG ou WebP, { $mb } Mo au plus chacune). Elles sont montrées une fois vérifiées par le personnel de la commune (visages, plaques) ; leurs données de localisation sont supprimées.
hint-problem-photos-again = Choisissez à nouveau vos photos : elles ne sont pas gardées tant que le signalement n’est pas envoyé.
field-photo = Photo { $n }
field-photo-alt = Ce que montre la photo
hint-photo-alt = Pour les personnes qui ne la voient pas : obligatoire avec une photo.
problem-photo-waiting = En attente de vérification par la commune : seuls vous et le personnel la voyez.
problem-photo-accept = Accepter
problem-photo-refuse = Refuser et supprimer
invalid-photo1 = La photo doit être une image JPEG, PNG ou WebP lisible, dans la taille permise.
invalid-photo2 = La photo doit être une image JPEG, PNG ou WebP lisible, dans la taille permise.
invalid-photo3 = La photo doit être une image JPEG, PNG ou WebP lisible, dans la taille permise.
invalid-alt1 = Dites en quelques mots ce que montre la photo (500 caractères au plus).
invalid-alt2 = Dites en quelques mots ce que montre la photo (500 caractères au plus).
invalid-alt3 = Dites en quelques mots ce que montre la photo (500 caractères au plus).
problem-map-label = Carte : cliquez pour placer le problème, ou déplacez le repère (les champs latitude et longitude suivent)
problems-map-label = Carte des signalements
nav-meetings = Réunions
meetings-title = Réunions à venir
meetings-past = Réunions passées
meetings-none = Aucune réunion ici.
meeting-new = Programmer une réunion
meeting-create = Programmer
meeting-cancelled = Annulée
meeting-online = En ligne :
meeting-seats = Places prises : { $going } sur { $capacity }
meeting-going = { $count ->
    [one] { $shown } personne inscrite
   *[other] { $shown } personnes inscrites
}
meeting-waiting = { $count ->
    [one] { $shown } personne en liste d'attente
   *[other] { $shown } personnes en liste d'attente
}
meeting-registration-required = inscription obligatoire
meeting-you-go = Vous êtes inscrit·e.
meeting-you-wait = Vous êtes en liste d'attente : vous serez prévenu·e quand une place se libère.
meeting-register = M'inscrire
meeting-register-wait = C'est complet : m'inscrire en liste d'attente
meeting-unregister = Annuler mon inscription
meeting-cancel = Annuler la réunion
meeting-category-council_session = Conseil municipal
meeting-category-public_meeting = Réunion publique
meeting-category-workshop = Atelier
meeting-category-office_hours = Permanence
field-meeting-title = Titre
field-meeting-category = Type
field-meeting-starts = Début
field-meeting-ends = Fin
hint-meeting-time = À l'heure de la commune, sous la forme 2027-01-12 18:30.
field-meeting-address = Lieu
field-meeting-online = Lien de la réunion en ligne
field-meeting-capacity = Places
hint-meeting-capacity = Vide : sans limite. Au-delà, les personnes s'inscrivent en liste d'attente.
field-meeting-registration = Inscription obligatoire
field-meeting-description = Description et ordre du jour (Markdown)
meeting-add-to-calendar = Ajouter à mon agenda (.ics)
meetings-subscribe = S'abonner dans une application d'agenda (.ics)
meetings-nearby = Événements à proximité
meetings-nearby-text = Les réunions des communes voisines et les événements des groupes que des personnes d'ici suivent, sur leurs propres serveurs. Inscrivez-vous d'ici : votre compte prévient leur serveur.
meetings-all = Toutes
meetings-by-category = Par catégorie
meeting-by = Par
meeting-original = Le voir sur son serveur
meeting-capacity = { $capacity } places
meeting-here = D'ici : { $going } inscrit·es, { $pending } en attente de réponse
meeting-remote-pending = Votre inscription est envoyée : en attente de la réponse des organisateurs.
meeting-remote-going = Vous êtes inscrit·e.
meeting-remote-refused = Les organisateurs ont refusé votre inscription.
meeting-remote-left = Vous avez annulé votre inscription.
meeting-agenda = Ordre du jour
field-meeting-agenda = Ordre du jour
hint-meeting-agenda = Un point par ligne ; pour lier un débat, une proposition ou un sondage de la commune, ajoutez | et son adresse (par exemple « Le marché du dimanche | /debates/12 »).
meeting-edit = Déplacer ou modifier la réunion
meeting-save = Enregistrer : les personnes inscrites sont prévenues
