# Parvis — English interface.

## Page frame
skip-to-content = Skip to content
nav-main = Main navigation
nav-languages = Language
nav-home = Home
nav-post = Post
nav-follow = Follow an account
nav-profile = My profile
nav-settings = Settings
nav-admin = Administration
nav-logout = Log out
nav-login = Log in
nav-register = Create an account
footer-software = Powered by Parvis { $version }, free software under the AGPL-3.0-or-later licence.
back-home = Back to the home page
back-to-profile = Back to the profile

## Dates
date-at-time = { $date } at { $time }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## Forms
form-has-errors = The form has errors
form-error-prefix = Error:
form-required = (required)
field-username = Username
field-display-name = Display name
field-password = Password
field-invite = Invitation code
field-bio = About you
field-language = Interface language
field-avatar = Profile picture
field-content = Your message
field-visibility = Who can see it
field-as-commune = Publish in the name of the commune
field-handle = Account address
field-instance-name = Instance name
field-instance-description = Description
field-registration = Registration
field-charter = Charter text
hint-username = 1 to 30 characters: lower-case letters without accents, digits, “_” and “-”. It cannot be changed later.
hint-display-name = Your name as others will see it (optional).
hint-password = At least 10 characters.
hint-bio = At most 500 characters.
hint-avatar = A JPEG, PNG or WebP picture, 2 MB at most.
hint-content = At most 500 characters.
hint-handle = For example @marie@neighbour-town.org
invalid-username = The username must have 1 to 30 characters: lower-case letters without accents, digits, “_” and “-”.
invalid-username-taken = This username is already taken.
invalid-display-name = The display name must have 1 to 100 characters, without control characters.
invalid-password = The password must have at least 10 characters.
invalid-invite = This invitation code is unknown, already used or expired.
invalid-accept-charter = You must read and accept the charter.
invalid-bio = The text about you must have at most 500 characters.
invalid-language = Choose French or English.
invalid-avatar = The picture must be a readable JPEG, PNG or WebP file of 2 MB at most.
invalid-content = The message must have 1 to 500 characters.
invalid-visibility = Choose who can see the message.
invalid-name = The name must have 1 to 100 characters.
invalid-description = The description must have at most 2,000 characters.
invalid-registration = Choose a registration mode.
invalid-charter = The charter must have 1 to 50,000 characters.
invalid-handle = Enter an address like @name@server.
invalid-delete-password = The password is wrong.
invalid-delete-confirm = Tick the box to confirm the deletion.
invalid-generic = This value is not accepted.
invalid-target = You cannot follow yourself.
invalid-lang = Choose French or English.
invalid-commune = This instance has no commune yet: the administrator must create one.
error-forbidden-action = You are not allowed to do this.
error-not-found-item = What you are looking for does not exist, or no longer does.

## Errors
error-not-found = Page not found
error-forbidden = Access denied
error-unauthorized = Please log in
error-unavailable = Service temporarily unavailable
error-bad-gateway = The other server did not answer properly. Try again later.
error-internal = Something went wrong on our side. Try again later.
error-bad-request = Bad request
error-csrf = This form has expired or does not come from this site. Reload the page and try again.
error-admin-only = This page is for administrators only.
error-login = Wrong username or password.
error-too-many-logins = { $count ->
    [one] Too many login attempts. Try again in { $shown } minute.
   *[other] Too many login attempts. Try again in { $shown } minutes.
}

## Accounts
login-title = Log in
login-submit = Log in
login-no-account = No account yet?
register-title = Create an account
register-submit = Create my account
register-closed = Registration is closed on this instance.
register-invite-only = Registration is by invitation: enter the code you received from the town hall.
charter-title = Participation charter
charter-version = Version { $version } of { $date }
charter-accept = I have read the charter and agree to follow it
charter-submit = Accept the charter
charter-new-version = The charter has changed. Read the new version and accept it to continue.
charter-accepted = You have accepted this version of the charter.
charter-none = No charter has been published yet.
charter-refuse = You do not accept this charter?
charter-refuse-text = You can download your data, then delete your account.
settings-title = Settings
settings-profile = Profile
settings-save = Save
settings-language-browser = The browser’s
settings-avatar = Profile picture
settings-avatar-current = Your current profile picture
settings-avatar-submit = Upload the picture
settings-data = Your data
settings-export-text = Download a copy of everything your account holds: profile, posts, follows.
settings-export = Download my data (JSON)
settings-delete = Delete my account
settings-delete-text = Your posts will be deleted wherever they were sent and your profile erased. Your username stays reserved. This cannot be undone.
settings-delete-confirm = I understand that deletion is permanent
settings-delete-submit = Delete my account for good
deleted-title = Account deleted
deleted-text = Your account has been deleted. The servers that knew it are being told.
gone-title = Account deleted
gone-text = This account was deleted by its owner.

## Messages after an action
flash-settings-saved = Changes saved.
flash-avatar-saved = Profile picture saved.
flash-charter-accepted = Thank you, you have accepted the charter.
flash-charter-published = New version of the charter published: every account will have to accept it.
flash-invite-created = Invitation code created.
flash-posted = Message published.
flash-follow-sent = Follow request sent.
flash-unfollowed = You no longer follow this account.

## Public pages
home-no-commune = No commune is open on this instance yet.
badge-commune = Commune
badge-official = Elected official
badge-server = Server
follow-from-fediverse = Follow this account from Mastodon or any fediverse server:
officials-title = Elected officials
officials-none = No elected official has an account yet.
mandates-title = Mandates
mandate-since = { $office }, since { $since }
mandate-from-to = { $office }, from { $since } to { $until }
posts-latest = Latest posts
posts-none = Nothing has been posted yet.
followers-count = { $count ->
    [one] { $shown } follower
   *[other] { $shown } followers
}
following-count = { $shown } following
followers-of = Followers of { $name }
following-of = Followed by { $name }
followers-none = Nobody follows this account yet.
following-none = This account follows nobody yet.
instance-actor-description = The Parvis server { $site }
post-by = Post by { $name }
post-deleted = This post was deleted.
post-title = Write a post
post-submit = Publish
visibility-public = Public
visibility-unlisted = Public, not in public timelines
visibility-private = Followers only

## Following
lookup-title = Follow an account
lookup-submit = Search
lookup-not-found = No account has this address.
lookup-unreachable = This account’s server does not answer or refuses the request.
lookup-is-you = That is you!
follow-submit = Follow
unfollow-submit = Unfollow
follow-pending = Awaiting approval
follow-following = You follow this account.

## Administration
admin-title = Administration
admin-debates = Debates
field-openers = Who may open a debate
openers-officials = Officials, moderators and administrators
openers-residents = Verified residents too
openers-accounts = Any account of this instance
openers-everyone = Anyone, from other servers too
field-theme-new = New theme
admin-theme-add = Add the theme
admin-theme-remove = Remove “{ $name }”
admin-residents = Residents
admin-residents-text = Until residents verify themselves, an administrator marks the accounts of the commune's residents.
field-resident = Resident of the commune
resident-yes = Yes
resident-no = No
admin-instance = Instance
admin-charter = Charter
admin-charter-text = Publishing a new version asks every account to accept it again.
admin-charter-submit = Publish this version
admin-invites = Invitations
admin-invite-submit = Create an invitation code
admin-invites-none = No code is currently valid.
admin-invite-expires = valid until { $date }
admin-invite-link = registration link
registration-open = Open to everyone
registration-invite = By invitation
registration-closed = Closed

## Debates
nav-debates = Debates
debates-title = Debates
debates-none = No debate yet.
debate-open = Open a debate
debate-open-submit = Open the debate
debate-open-forbidden = In this commune, debates are opened by officials, moderators and administrators (or by residents, if the commune decided so).
debate-pinned = Pinned
debate-pin = Pin at the top of the list
debate-unpin = Unpin
debate-hosted-by = Debate held by
debate-original = see it on its server
debates-scope = Which debates
debates-here = In our commune
debates-elsewhere = In neighbouring communes
field-theme = Theme
field-themes = Themes
field-status = Status
field-sort = Order
filter-all = All
filter-current = Current (open and closed)
filter-submit = Filter
sort-newest = Newest
sort-active = Most active
field-search = Search debates and comments
search-submit = Search
search-title = Search
search-none = Nothing matches this search.
search-comments = Comments
feed-link = Follow the debates (Atom feed)
feed-comments-link = Follow the comments (Atom feed)
debate-by = by
debate-closes = ends on { $date }
debate-status-open = Open
debate-status-closed = Closed
debate-status-archived = Archived
debate-closed-notice = This debate is closed: it accepts no new comments.
debate-manage = Manage the debate
debate-set-open = Reopen
debate-set-closed = Close
debate-set-archived = Archive
field-debate-title = Title
field-debate-question = The question asked
field-debate-body = Presentation
field-opens-on = Opening date (optional)
hint-opens-on = The debate is announced now and takes comments from this date.
debate-opens = opens on { $date }
debate-not-open-notice = This debate has not opened yet: it takes comments from its opening date.
invalid-opens-on = Choose a valid date, or none.
field-closes-on = End date (optional)
field-comment = Your comment
field-stance = Your position
hint-debate-question = A question anyone can answer, for example “Should the market square be pedestrian-only?”
hint-markdown = Markdown formatting: **bold**, *italic*, lists with “-”, links [text](https://…).
hint-closes-on = After this date, the debate accepts no new comments.
stances-title = Positions
stance-for = For
stance-against = Against
stance-neutral = Neutral
stance-none = No position
comments-count = { $count ->
    [one] { $shown } comment
   *[other] { $shown } comments
}
comment-submit = Publish the comment
comment-reply = Reply
comment-replying-to = Replying to { $name }
comment-deleted = Comment deleted.
comment-hidden = Comment hidden by moderation.
comment-edited = edited on { $date }
comment-edit = Edit
comment-editing = You are editing your comment; the previous version stays visible in its history.
comment-edit-submit = Save the change
comment-delete = Delete
comment-hide = Hide (moderation)
comment-restore = Show again (moderation)
comment-agree = Agree
comment-agree-withdraw = Withdraw my agreement
agrees-count = { $count ->
    [one] { $shown } agrees
   *[other] { $shown } agree
}
comment-versions = { $count ->
    [one] { $shown } earlier version
   *[other] { $shown } earlier versions
}
comment-login = Log in to take part in the debate.
flash-debate-opened = Debate opened.
flash-commented = Comment published.
flash-debate-status = Debate status changed.
flash-debate-pinned = Debate pinned.
flash-debate-unpinned = Debate unpinned.
flash-comment-edited = Comment edited.
flash-comment-deleted = Comment deleted.
flash-comment-hidden = Comment hidden.
flash-comment-restored = Comment shown again.
flash-agreed = Your agreement is recorded.
flash-agree-withdrawn = Your agreement is withdrawn.
invalid-themes = Choose among the commune's themes.
invalid-theme = The theme must have 1 to 60 characters and not exist already.
invalid-title = The title must have 1 to 200 characters.
invalid-question = The question must have 1 to 500 characters.
invalid-body = The presentation must have at most 20,000 characters.
invalid-closes-on = Choose a date to come, after the opening date, or none.
invalid-comment = The comment must have 1 to 5,000 characters.
invalid-debate = This debate is closed: it accepts no new comments.
invalid-opening = This debate has not opened yet: it takes comments from its opening date.
invalid-parent = This comment does not belong to this debate.
invalid-stance = Choose for, against, neutral or no position.
invalid-status = Unknown status.

## Proposals
nav-proposals = Proposals
nav-notifications = Notifications
proposals-title = Citizen proposals
proposals-scope = Which proposals
proposals-none = No proposal yet.
proposals-csv = Download every proposal (CSV, open data)
proposal-new = Make a proposal
proposal-submit = Publish the proposal
proposal-status-published = Collecting supports
proposal-status-under_review = Under review
proposal-status-accepted = Accepted
proposal-status-rejected = Rejected
proposal-status-already_planned = Already planned
proposal-status-in_progress = In progress
proposal-status-done = Done
supports-count = { $count ->
    [one] { $shown } support
   *[other] { $shown } supports
}
sort-supported = Most supported
sort-closest = Closest to the threshold
theme-none = No theme
field-proposal-title = What do you propose?
field-proposal-summary = In one or two sentences
hint-proposal-summary = Shown under the title in lists and on Mastodon.
field-proposal-body = Details
field-place = Place
hint-place = An address or a place name, if your proposal is about a place.
field-coordinates = Position on a map (optional)
field-latitude = Latitude
field-longitude = Longitude
proposal-where = Where the proposal stands
proposal-progress = Supports of residents: { $count } of { $threshold } needed for the town to answer
proposal-missing = { $count ->
    [one] { $shown } more resident support and the town must answer.
   *[other] { $shown } more resident supports and the town must answer.
}
supports-residents = Residents
supports-local = Other accounts here
supports-remote = People from other servers
proposal-support = Support this proposal
proposal-unsupport = Withdraw my support
proposal-follow = Follow its answers
proposal-unfollow = Stop following
proposal-login = Log in to support this proposal
proposal-history = History and answers
proposal-answer-title = Answer for the commune
field-new-status = New status
field-answer = Public answer
hint-answer = Required: it is shown on the proposal with your name and mandate, and sent to its followers.
proposal-answer-submit = Publish the answer
flash-proposal-published = Your proposal is published.
flash-supported = Your support is counted.
flash-unsupported = Your support is withdrawn.
flash-proposal-followed = You will be told of its answers.
flash-proposal-unfollowed = You no longer follow this proposal.
flash-proposal-answered = The answer is published.
notifications-title = Notifications
notifications-none = Nothing new.
notification-threshold = A proposal reached its threshold: the commune must answer it
notification-status = A proposal you follow changed status
notification-answered = A proposal you follow was answered
field-threshold = Resident supports a proposal needs to be answered
hint-threshold = Applies to proposals published from now on.

## Polls and questionnaires
nav-polls = Polls
polls-title = Polls
polls-scope = Whose polls
polls-none = No poll yet.
poll-new = Ask a poll
poll-submit = Publish the poll
poll-vote = Vote
poll-login = Sign in to vote
poll-closed = Closed
poll-closes = open until { $date }
poll-closed-at = closed on { $date }
poll-hosted-by = A poll from
poll-you-voted = You voted:
poll-vote-sent = your vote was sent to the poll's server, which counts it.
poll-results = Results
poll-official-result = Official result
poll-other-voices = Other voices
poll-results-hidden = Results are shown when the vote closes, on { $date }.
poll-kind-single = Single choice
poll-kind-multiple = Multiple choice
poll-kind-scale = Scale from 1 to 5
poll-kind-text = Free text
poll-eligibility-anyone = everyone's votes count
poll-eligibility-local = the votes of this instance's accounts count
poll-eligibility-residents = the votes of the commune's verified residents count
voters-count = { $count ->
    [one] { $shown } voter
   *[other] { $shown } voters
}
responses-count = { $count ->
    [one] { $shown } response
   *[other] { $shown } responses
}
field-poll-question = Question
field-poll-kind = Kind of answer
field-poll-options = Options
field-eligibility = Official result
field-live-results = Show the results while the vote runs
field-federated = Publish it on the fediverse (Mastodon users can vote)
field-citizen-polls = Citizens may ask polls and questionnaires
hint-poll-options = One per line, 2 to 20.
hint-poll-multiple = You may choose several options.
hint-residents-only = Only verified residents' votes form the official result; other votes are shown apart, as other voices.
hint-other-voices = Votes of people outside the official result, kept and shown apart.
questionnaires-title = Questionnaires
questionnaires-none = No questionnaire yet.
questionnaire-new = Create a questionnaire
questionnaire-submit = Publish the questionnaire
questionnaire-question-n = Question { $n }
questionnaire-answer = Send my answers
questionnaire-answered = You answered this questionnaire. Thank you!
questionnaire-login = Sign in to answer
questionnaire-results = Results
questionnaire-csv = Download the results (CSV)
questionnaire-no-text = No answer.
questionnaire-texts-moderators = Free-text answers are read by the commune's moderators.
field-questionnaire-title = Title
field-questionnaire-intro = Introduction
field-question-federated = Also publish this question as a poll on the fediverse (single or multiple choice)
hint-questionnaire-options = For single or multiple choice: one option per line. Questions left without a text are skipped.
flash-poll-published = Your poll is published.
flash-voted = Your vote is recorded.
flash-questionnaire-published = Your questionnaire is published.
flash-questionnaire-answered = Your answers are recorded.
poll-scale-mean = average { $mean } out of 5

## Reports and moderation
nav-moderation = Moderation
comment-report = Report
report-title = Report to the moderators
report-intro = What is wrong with this? The commune's moderators will look at it:
report-submit = Send the report
report-reason-missing = Choose a reason from the charter.
report-by = reported by { $name } on { $date }
field-report-reason = Reason
field-report-comment = Your comment (optional)
report-reason-spam = Spam or advertising
report-reason-insult = Insult or personal attack
report-reason-hate = Hate or discrimination
report-reason-misinformation = False information
report-reason-off-topic = Off topic
report-reason-privacy = Private information about someone
report-reason-illegal = Illegal content
report-reason-other = Other
moderation-title = Reports to deal with
moderation-none = No open report.
moderation-submit = Apply
moderation-action-dismiss = Dismiss the report
moderation-action-hide = Hide the comment
moderation-action-warn = Warn the author
moderation-action-suspend = Suspend the author
moderation-action-lift = Lift a suspension or a block
moderation-action-block = Block the author from the commune
moderation-action-block_instance = Block the author from the whole instance
moderation-action-forward = Forward the report to the author's server
field-suspension = Suspension (when suspending)
suspension-1 = One day
suspension-7 = One week
suspension-30 = One month
suspension-365 = One year
suspension-forever = For good
field-forward = Also forward the report to { $site } (without your name or the reporter's)
moderation-suspended = Suspended accounts
moderation-next = Next reports
moderation-blocked = Blocked accounts
moderation-unblock = Lift the block
post-report = Report this post
transparency-communes = The other communes of this instance
login-suspended = This account is suspended for good by the moderators.
login-suspended-until = This account is suspended by the moderators until { $date }.
suspended-until = suspended until { $date }
moderation-lift = Lift the suspension of { $name }
field-moderation-action = Action
field-moderation-note = Why (kept in the audit log; shown to a warned author)
hint-moderation-note = Required to warn someone.
moderation-log-title = Audit log
moderation-log-none = No moderation action yet.
log-when = When
log-who = Who
log-what = Action
log-target = On
log-why = Reason
transparency-title = Moderation transparency
transparency-intro = How many moderation actions were taken here, each month, and why.
transparency-month = Month
transparency-count = Actions
warnings-title = Warnings from the moderators
flash-reported = Thank you: the moderators will look at your report.
flash-moderated = Done: the action is in the audit log.

## Federation policy
admin-federation = Federation
field-federation-mode = With whom this instance federates
federation-mode-open = Open: every server but those blocked
federation-mode-allowlist = Allowlist: only the servers allowed below
federation-mode-closed = Closed: no federation
federation-rule-allow = Allowed
federation-rule-block = Blocked
federation-rule-silence = Silenced
field-private-space = Residents only (private space)
hint-private-space = The commune's pages need an account here, its content is not public, and only the servers allowed below (partners) federate, whatever the mode.
federation-rule-add = Add the rule
federation-rule-remove = Remove the rule on { $name }
field-domain = Server
hint-domain = Its host name, e.g. parvis.neighbour.example (its subdomains are included).
field-rule = Rule
partners-title = Partner communes
field-partner = Partner with a neighbouring commune's Parvis server
hint-partner = Its address, e.g. parvis.neighbour.example: it is allowed, and this commune follows its communes. Ask them to do the same.
partner-add = Partner
partner-remove = End the partnership

# The commune's presentation (admin page)
admin-commune = The commune: { $name }
admin-commune-text = How the commune presents itself: on its page, and to other servers (Mastodon shows it on the commune's profile, Lemmy on the community's page).
field-commune-description = Description
admin-commune-icon-current = The commune's current icon
field-commune-icon = Icon (JPEG, PNG or WebP, at most 2 MB)
hint-commune-icon = Shown beside the commune's name here and on other servers; square pictures look best.
admin-commune-icon-submit = Upload the icon

# Email addresses and passwords
error-gone = Link no longer valid
error-confirm-email = Confirm your address first: follow the link sent to { $address }. Until it is confirmed, your account can read but not write. You can send the link again from your settings.
field-email = Email address
hint-email = A confirmation link is sent there; it also lets you recover your password. It is never shown.
field-email-new = New address
hint-email-change = A confirmation link is sent there; the current address stays in use until then, and is told.
flash-welcome-confirm = Welcome! Your account is created. Confirm your address with the link we just sent to be able to write.
flash-email-sent = A confirmation link was sent to the address.
flash-email-confirmed = Address confirmed. Thank you!
flash-password-reset = Password changed. Sign in with the new one; your other sessions are ended.
flash-password-changed = Password changed. Your other sessions and access tokens are ended.
confirm-email-banner = Confirm your address { $address } with the link we sent you: until then, your account can read but not write.
confirm-email-resend = Send the link again
confirm-email-title = Confirm your address
confirm-email-text = Confirm that this address is yours.
confirm-email-submit = Confirm my address
settings-email = Email address
settings-email-confirmed = Your address: { $address } (confirmed).
settings-email-pending = Your address: { $address } (waiting for confirmation: follow the link sent there).
settings-email-none = You gave no address: without one, a forgotten password cannot be recovered.
settings-email-submit = Send the confirmation link
settings-password = Password
settings-password-text = Changing your password ends your other sessions and revokes your access tokens.
field-current-password = Current password
field-new-password = New password
settings-password-submit = Change the password
email-link-unknown = This link is not valid: copy the whole link from the message, or ask for a new one.
email-link-used = This link was already used. Ask for a new one if you need it.
email-link-expired = This link has expired. Ask for a new one.
ask-email-title = Your email address
ask-email-text = Give an address to recover your password if you forget it and to get the news you choose. It is never shown.
ask-email-submit = Send the confirmation link
ask-email-dismiss = Not now
forgot-title = Forgot your password
forgot-text = Give your account's address: if it is confirmed, a link to choose a new password is sent there (valid for one hour).
forgot-submit = Send the link
forgot-sent = If an account has this address, a link was just sent there. Check your spam folder too.
reset-title = New password
reset-text = Choose your new password. Your other sessions will be ended.
reset-submit = Save the password
login-forgot = Forgot your password?

# The notification centre and mail choices
unsubscribe-title = Unsubscribe
unsubscribe-replies = No more messages when someone replies to you.
unsubscribe-followers = No more messages when someone follows you.
unsubscribe-proposals = No more messages about the proposals you follow.
unsubscribe-polls = No more messages when a poll you took part in closes.
unsubscribe-moderation = No more messages about moderation decisions concerning you.
unsubscribe-digest = No more daily digest of your notifications.
unsubscribe-submit = Unsubscribe me
unsubscribe-done = Done: these messages will no longer be sent to you. Your notifications stay on the site, and your choices are in your settings.
settings-notifications = Notifications by mail
settings-notifications-text = Everything lands on your notifications page; choose what is also sent by mail to your confirmed address: at once, in a digest the next morning, or never.
notifications-topic-replies = Replies to your comments and debates
notifications-topic-followers = New followers
notifications-topic-proposals = Proposals you follow
notifications-topic-polls = Results of polls you took part in
notifications-topic-moderation = Moderation decisions concerning you
notifications-mode-immediate = At once
notifications-mode-daily = Daily digest
notifications-mode-never = Never
notification-reply = { $name } replied to you
notification-follower = { $name } follows you now
notification-moderation = A moderation decision concerns you
notification-open = open
field-invite-email = Email address (optional)
hint-invite-email = With an address, the invitation is sent there with the registration link; without, the code shows below.
flash-invite-sent = Invitation sent.
notification-mention = { $name } mentioned you

# The commune's newsletter
newsletter-title = Newsletter of { $commune }
newsletter-intro = News from the commune, written by its officials and staff. Each issue is also published here and followed from Mastodon.
newsletter-receive = Receive the newsletter
newsletter-you-receive = You receive the newsletter at your account's address.
newsletter-you-do-not-receive = You do not receive the newsletter.
newsletter-start = Receive it
newsletter-stop = Stop receiving it
newsletter-subscribe = Subscribe
hint-newsletter-email = A link will be sent to confirm the address; nothing else is sent before you confirm.
newsletter-writers = For the newsletter's writers
newsletter-readers = { $count ->
    [one] An issue sent now goes to one address.
   *[other] An issue sent now goes to { $count } addresses.
}
newsletter-write = Write an issue
newsletter-drafts = Drafts
newsletter-issues = Issues
newsletter-none = No issue sent yet.
newsletter-counts = sent: { $sent }, failed: { $failed }, waiting: { $waiting }
newsletter-sent-to = { $count ->
    [one] Sent to one address.
   *[other] Sent to { $count } addresses.
}
newsletter-public-page = Its public page
field-newsletter-title = Title (the subject of the message)
field-newsletter-body = Text
newsletter-save = Save and preview
newsletter-test = Send me a test
newsletter-send = { $count ->
    [one] Send to one subscriber
   *[other] Send to { $count } subscribers
}
newsletter-preview = Preview
newsletter-confirm-title = Confirm your subscription
newsletter-confirm-submit = Confirm my subscription
unsubscribe-newsletter = You will no longer receive this commune's newsletter, and your address will be deleted from its list.
unsubscribe-newsletter-done = Done: you will no longer receive this newsletter, and your address was deleted from its list.
flash-newsletter-check-mail = Check your mailbox: a link was sent to confirm the address.
flash-newsletter-confirmed = Your subscription is confirmed.
flash-newsletter-saved = Draft saved.
flash-newsletter-tested = A test was sent to your address.
flash-newsletter-sent = The newsletter is sent: the messages leave through the mail queue.
register-newsletter = Receive the commune’s newsletter by email (you can stop at any time)
notification-poll_closed = A poll you took part in has closed: see its results
admin-roles = Roles
admin-roles-text = What an account of the commune may do. Agents are the commune's staff: they handle problem reports and write the newsletter, without being elected.
field-role = Role
role-citizen = Citizen
role-official = Elected official
role-agent = Agent (the commune's staff)
role-moderator = Moderator
role-admin = Admin
notification-problem_update = A problem report you follow changed status
notifications-topic-problems = Problem reports you filed or have too
unsubscribe-problems = No more messages about the problem reports you filed or have too.

# Problem reports
nav-problems = Reports
problems-title = Problem reports
problems-queue = Work queue
problems-all-categories = All categories
problems-all-statuses = All statuses
problem-new = Report a problem
field-category = Category
problems-filter = Filter
problems-none = No report here.
problems-elsewhere = Reports of neighbouring communes
problems-elsewhere-text = The latest problem reports of the communes on other servers that people here follow, as their commune last told us.
problem-on-its-server = See this report on its commune's site
problems-counts = Reports by category and status
problems-count = Reports
problems-nearby = Already reported nearby?
problems-nearby-text = These open reports of the same category are less than 50 m away. If it is the same problem, say you have it too: the commune sees how many people it affects.
problem-me-too = I have this problem too
problem-me-too-withdraw = I no longer have this problem
problems-no-category = The commune has no category of reports yet: its admin adds them.
field-problem-description = What is the problem?
field-address = Address or place
hint-problem-address = A street and number, or a landmark ("in front of the school").
problem-place = Where exactly
hint-problem-place = Latitude and longitude in degrees, as a map application gives them (e.g. 45.7578 and 4.8320).
hint-latitude = Between -90 and 90, e.g. 45.7578.
hint-longitude = Between -180 and 180, e.g. 4.8320.
field-name-private = Keep my name private (the commune's staff and moderators still see it)
problem-submit = Report
problem-submit-anyway = It is another problem: report it
flash-problem-filed = Thank you: your report is sent to the commune.
problem-reported-by = Reported by
problem-reported-privately = Reported by a resident
problem-duplicate-of = Same problem as
problem-supporters = { $count ->
    [one] { $shown } person has this problem too
   *[other] { $shown } people have this problem too
}
problem-history = History
problem-change-status = Change the status
field-problem-message = Public message
hint-problem-message = Shown on the report and sent to the people who follow it.
field-duplicate-of = Same problem as report number
hint-duplicate-of = Only for a duplicate: the number of the report it repeats.
flash-problem-updated = Status changed: the reporter and the people who have it too are told.
problem-status-new = New
problem-status-acknowledged = Acknowledged
problem-status-in_progress = In progress
problem-status-resolved = Resolved
problem-status-rejected = Rejected
problem-status-duplicate = Duplicate
admin-problems = Problem reports: categories and area
admin-problem-categories = Categories
problem-category-archived = no longer offered
problem-category-archive = Stop offering
problem-category-add = Add the category
admin-problem-area = The commune's area
admin-problem-area-text = A report outside this box of latitude and longitude is refused. Leave the four fields empty to take reports anywhere.
field-area-south = South edge (latitude)
field-area-west = West edge (longitude)
field-area-north = North edge (latitude)
field-area-east = East edge (longitude)
invalid-text = The text is required, at most 50,000 characters.
invalid-email = Give an email address, such as name@example.org.
invalid-category = Choose one of the categories.
invalid-report = Describe the problem, in at most 5,000 characters.
invalid-address = The address must be one line of at most 300 characters.
invalid-latitude = The latitude is a number of degrees between -90 and 90, such as 45.7578.
invalid-longitude = The longitude is a number of degrees between -180 and 180, such as 4.8320.
invalid-area = This place is outside the commune's area: report it to the commune it belongs to.
invalid-message = Write a public message, in at most 2,000 characters.
invalid-duplicate-of = Give the number of the other report of the commune that this one repeats.
invalid-support = You reported this problem yourself.
invalid-south = Each edge is a number of degrees (latitude between -90 and 90, longitude between -180 and 180).
invalid-west = Each edge is a number of degrees (latitude between -90 and 90, longitude between -180 and 180).
invalid-north = The north edge must be north of the south edge.
invalid-east = The east edge must be east of the west edge.
problem-too-many = At most { $count } reports in { $minutes } minutes: wait a little before the next one.
problem-photos = Photos
hint-problem-photos = Up to three photos (JPEG, PNG or WebP, { $mb } MB at most each). They are shown once the commune's staff checked them (faces, number plates); their location data are removed.
hint-problem-photos-again = Choose your photos again: they are not kept until the report is sent.
field-photo = Photo { $n }
field-photo-alt = What the photo shows
hint-photo-alt = For people who cannot see it: required with a photo.
problem-photo-waiting = Waiting for the commune's check: only you and the staff see it.
problem-photo-accept = Accept
problem-photo-refuse = Refuse and delete
invalid-photo1 = The photo must be a readable JPEG, PNG or WebP picture, within the size allowed.
invalid-photo2 = The photo must be a readable JPEG, PNG or WebP picture, within the size allowed.
invalid-photo3 = The photo must be a readable JPEG, PNG or WebP picture, within the size allowed.
invalid-alt1 = Say in a few words what the photo shows (500 characters at most).
invalid-alt2 = Say in a few words what the photo shows (500 characters at most).
invalid-alt3 = Say in a few words what the photo shows (500 characters at most).
problem-map-label = Map: click to place the problem, or drag the marker (the latitude and longitude fields follow)
problems-map-label = Map of the reports
