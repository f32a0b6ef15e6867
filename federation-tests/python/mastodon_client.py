# SPDX-License-Identifier: AGPL-3.0-or-later
"""Mastodon.py, the client library many scripts and bots use, driven against a Parvis instance by the tests.

    mastodon_client.py register BASE REDIRECT
        registers an app; prints {"client_id", "client_secret", "authorize_url"}
    mastodon_client.py use BASE CLIENT_ID CLIENT_SECRET REDIRECT CODE POLL_ID
        exchanges the code, then uses the token as an app would (posts, a reply, a picture and its post, a new
        avatar, a vote, favourites, a boost, a bookmark, a thread, a page and the next one, mentions, a
        relationship); prints what it saw
    mastodon_client.py civic BASE TOKEN COMMUNE
        follows the commune, reads the town's debate, proposal, poll, report and meeting in the home and local
        timelines, answers the debate with a stance hashtag, favourites the proposal and the report, votes
    mastodon_client.py civic-after BASE TOKEN PROPOSAL_STATUS DEBATE_STATUS
        reads the "update" notifications, takes the favourite of the proposal back, and answers the debate
        again while the user stream is open, until that answer comes through it

Everything goes through the library's own calls (its bodies are forms, as Mastodon's apps send them);
the output is JSON on stdout, errors on stderr with a non-zero exit.
"""

import json
import struct
import sys
import time
import zlib

from mastodon import Mastodon, StreamListener

SCOPES = ["read", "write", "follow"]


def png(width, height):
    """A plain PNG picture, written by hand (no imaging library needed)."""
    raw = b"".join(b"\x00" + bytes([40, 120, 200]) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class Heard(StreamListener):
    """Keeps what the user stream brings."""

    def __init__(self):
        super().__init__()
        self.updates = []

    def on_update(self, status):
        self.updates.append(status)


def streamed(api):
    """Opens the user stream (server-sent events, as the library reads it), then posts until one of those
    posts comes through it (the stream may start reading just after it opens). Returns what came and how
    many posts were written."""
    heard = Heard()
    handle = api.stream_user(heard, run_async=True, timeout=30)
    deadline = time.time() + 15
    while not handle.is_receiving() and time.time() < deadline:
        time.sleep(0.05)
    written = 0
    for n in range(5):
        api.status_post(f"En direct {n}")
        written += 1
        until = time.time() + 3
        while not heard.updates and time.time() < until:
            time.sleep(0.05)
        if heard.updates:
            break
    handle.close()
    came = heard.updates[0] if heard.updates else None
    return {"content": came["content"] if came else None, "written": written}


def register(base, redirect):
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py dans les tests", scopes=SCOPES, redirect_uris=redirect, api_base_url=base,
        website="https://github.com/halcy/Mastodon.py",
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    url = api.auth_request_url(redirect_uris=redirect, scopes=SCOPES, state="mpy", allow_http=True)
    return {"client_id": client_id, "client_secret": client_secret, "authorize_url": url}


def use(base, client_id, client_secret, redirect, code, poll_id):
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    token = api.log_in(code=code, redirect_uri=redirect, scopes=SCOPES, allow_http=True)
    api = Mastodon(access_token=token, api_base_url=base)
    me = api.account_verify_credentials()
    first = api.status_post("Bonjour depuis Mastodon.py")
    reply = api.status_post("Et une réponse", in_reply_to_id=first["id"])
    # A picture, uploaded then attached, as apps do (multipart, then media_ids[]); a new avatar.
    media = api.media_post(png(320, 240), mime_type="image/png", description="Un banc neuf", file_name="banc.png")
    pictured = api.status_post("Le banc est posé", media_ids=[media])
    updated = api.account_update_credentials(avatar=png(64, 64), avatar_mime_type="image/png")
    voted = api.poll_vote(poll_id, [1])
    home = api.timeline_home(limit=10)
    # What apps do with posts: favourite, boost, bookmark, the thread, and pages followed by their Link header.
    faved = api.status_favourite(first["id"])
    boost = api.status_reblog(first["id"])
    api.status_bookmark(reply["id"])
    bookmarks = api.bookmarks()
    context = api.status_context(first["id"])
    page = api.timeline_home(limit=2)
    older = api.fetch_next(page)
    unboosted = api.status_unreblog(first["id"])
    mentions = api.notifications(types=["mention"])
    marie = api.account_lookup("marie")
    relationship = api.account_relationships([marie["id"]])[0]
    live = streamed(api)
    return {
        "version": api.retrieve_mastodon_version(),
        "me": me["username"],
        "first": {"id": str(first["id"]), "content": first["content"]},
        "reply": {"id": str(reply["id"]), "in_reply_to_id": str(reply["in_reply_to_id"])},
        "media": {"id": str(media["id"]), "type": media["type"], "url": media["url"],
                  "description": media["description"], "width": media["meta"]["original"]["width"]},
        "pictured": [str(m["id"]) for m in pictured["media_attachments"]],
        "avatar": updated["avatar"],
        "voted": {"voted": voted["voted"], "own_votes": voted["own_votes"], "votes_count": voted["votes_count"]},
        "home": [str(s["id"]) for s in home],
        "faved": {"favourited": faved["favourited"], "favourites_count": faved["favourites_count"]},
        "boost": {"id": str(boost["id"]), "of": str(boost["reblog"]["id"])},
        "unboosted": {"reblogged": unboosted["reblogged"], "reblogs_count": unboosted["reblogs_count"]},
        "bookmarks": [str(s["id"]) for s in bookmarks],
        "descendants": [str(s["id"]) for s in context["descendants"]],
        "page": [str(s["id"]) for s in page],
        "older": [str(s["id"]) for s in older or []],
        "mentions": [{"by": n["account"]["acct"], "status": str(n["status"]["id"])} for n in mentions],
        "relationship": {"following": relationship["following"], "followed_by": relationship["followed_by"]},
        "streamed": live,
    }


KINDS = {"/debates/": "debate", "/proposals/": "proposal", "/polls/": "poll", "/problems/": "report",
         "/meetings/": "meeting"}


def civic_kind(status):
    for part, kind in KINDS.items():
        if part in (status["url"] or ""):
            return kind
    return None


def shown(status):
    """What an app shows of a status: a boost by whom, and the post it shares, its card and its poll."""
    post = status["reblog"] or status
    card = post["card"]
    poll = post["poll"]
    return {
        "id": str(post["id"]),
        "boosted_by": status["account"]["acct"] if status["reblog"] else None,
        "by": post["account"]["acct"],
        "content": post["content"],
        "card": {"title": card["title"], "description": card["description"], "url": card["url"]} if card else None,
        "poll": {"id": str(poll["id"]), "options": [o["title"] for o in poll["options"]]} if poll else None,
        "favourites_count": post["favourites_count"],
        "replies_count": post["replies_count"],
    }


def civic(base, token, commune):
    api = Mastodon(access_token=token, api_base_url=base)
    town = api.account_lookup(commune)
    api.account_follow(town["id"])
    seen = {}
    for status in api.timeline_home(limit=40):
        kind = civic_kind(status["reblog"] or status)
        if kind and kind not in seen:
            seen[kind] = shown(status)
    local = [civic_kind(s) for s in api.timeline_local(limit=40)]
    answer = api.status_post("La place sera plus calme #pour", in_reply_to_id=seen["debate"]["id"])
    supported = api.status_favourite(seen["proposal"]["id"])
    too = api.status_favourite(seen["report"]["id"])
    voted = api.poll_vote(seen["poll"]["poll"]["id"], [0])
    return {
        "home": seen,
        "local": sorted(k for k in local if k),
        "answer": {"id": str(answer["id"]), "in_reply_to_id": str(answer["in_reply_to_id"]),
                   "tags": [t["name"] for t in answer["tags"]], "content": answer["content"]},
        "supported": {"favourited": supported["favourited"], "favourites_count": supported["favourites_count"]},
        "too": {"favourited": too["favourited"], "favourites_count": too["favourites_count"]},
        "voted": {"voted": voted["voted"], "own_votes": voted["own_votes"]},
    }


class Answers(StreamListener):
    """Keeps the statuses the user stream brings."""

    def __init__(self):
        super().__init__()
        self.updates = []

    def on_update(self, status):
        self.updates.append(status)


def civic_after(base, token, proposal, debate):
    api = Mastodon(access_token=token, api_base_url=base)
    updates = api.notifications(types=["update"])
    withdrawn = api.status_unfavourite(proposal)
    heard = Answers()
    # The stream on a session of its own: closing it must not break the connection the next request reuses.
    listening = Mastodon(access_token=token, api_base_url=base)
    handle = listening.stream_user(heard, run_async=True, timeout=30)
    deadline = time.time() + 15
    while not handle.is_receiving() and time.time() < deadline:
        time.sleep(0.05)
    came = None
    for n in range(5):
        api.status_post(f"Trop de bruit #contre ({n})", in_reply_to_id=debate)
        until = time.time() + 3
        while came is None and time.time() < until:
            came = next((s for s in heard.updates if str(s["in_reply_to_id"]) == debate), None)
            time.sleep(0.05)
        if came:
            break
    handle.close()
    context = api.status_context(debate)
    return {
        "updates": [{"type": n["type"], "status": str(n["status"]["id"]) if n["status"] else None,
                     "card": n["status"]["card"]["description"] if n["status"] and n["status"]["card"] else None}
                    for n in updates],
        "withdrawn": {"favourited": withdrawn["favourited"], "favourites_count": withdrawn["favourites_count"]},
        "streamed": {"content": came["content"], "tags": [t["name"] for t in came["tags"]]} if came else None,
        "descendants": [str(s["id"]) for s in context["descendants"]],
    }


def main():
    command, args = sys.argv[1], sys.argv[2:]
    result = {"register": register, "use": use, "civic": civic, "civic-after": civic_after}[command](*args)
    json.dump(result, sys.stdout, default=str)


if __name__ == "__main__":
    main()
