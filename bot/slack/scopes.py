"""The bot token scopes profile-bot needs, each with its reason; manifest.yml must match."""

from __future__ import annotations

# Slack Web API methods the code calls → the bot scope each one needs (None: no scope needed).
# conversations.info needs the read scope of the conversation's kind; Share asks it whether a
# channel is shared with another organisation before posting there.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "users.info": ("users:read", "users:read.email"),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "views.open": (),
    "views.update": (),
    "views.push": (),
    "views.publish": (),
    # The thread's first message, for a mention without an identifier in a thread: the history
    # scope of the conversation's kind (the DM's im:history also brings message.im events).
    "conversations.replies": ("channels:history", "groups:history", "im:history", "mpim:history"),
    # Who may add the workflow step. Disputed: Slack's API data names app_configurations:write,
    # the method's docs page says "No scopes required"; we follow the docs page (a bot token
    # cannot hold app_configurations:write) and report a missing_scope answer via `check`.
    "functions.distributions.permissions.set": (),
    "functions.distributions.permissions.list": (),
    # The app id for the call above when auth.test lacks it; users:read per Slack's API data for
    # bots.info (https://docs.slack.dev/reference/methods/bots.info).
    "bots.info": ("users:read",),
}

REQUIRED_BOT_SCOPES: dict[str, str] = {
    "commands": (
        "the /profile slash command and the 'Look up customer' shortcuts (message and global)"
    ),
    "chat:write": (
        "posting a customer card to a conversation when a person presses Share, cards and "
        "replies in the bot's DM, and cards only the person sees (chat.postEphemeral) after a "
        "mention or when their response_url has expired"
    ),
    "usergroups:read": "checking that the person is in a user group allowed to see profiles",
    "users:read": (
        "telling whether a message's author, or the person a workflow step runs for, belongs to "
        "another organisation"
    ),
    "users:read.email": "looking up a Slack Connect customer by the email on their Slack profile",
    "channels:read": "refusing to share into a public channel shared with another organisation",
    "groups:read": "refusing to share into a private channel shared with another organisation",
    "im:read": "refusing to share into a direct message with someone from another organisation",
    "mpim:read": "refusing to share into a group DM that includes another organisation",
    "app_mentions:read": "answering, privately, the person who @mentions the bot",
    "im:history": (
        "receiving what people write to the bot in its DM (message.im), and reading a DM "
        "thread's first message"
    ),
    "channels:history": (
        "reading the first message of a public channel thread the bot is mentioned in without "
        "an identifier"
    ),
    "groups:history": (
        "reading the first message of a private channel thread the bot is mentioned in without "
        "an identifier"
    ),
    "mpim:history": (
        "reading the first message of a group DM thread the bot is mentioned in without an "
        "identifier"
    ),
}
