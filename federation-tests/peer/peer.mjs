// A third-party ActivityPub server built on Fedify, driven by Parvis's integration tests
// (federation-tests/support/peer.rs) through a JSON control API on 127.0.0.1.
//
// Fedify is strict where Mastodon is strict (HTTP signatures, key ownership, JSON-LD), so
// what this peer accepts from Parvis, someone else's implementation accepts too.
// Everything lives in memory; one process is one short-lived test peer.

import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { parseArgs } from "node:util";
import {
  Accept, Activity, Announce, Collection, Create, createFederation, Document, Endpoints, Flag, Follow, generateCryptoKeyPair,
  Hashtag,
  isActor, Like, Mention, MemoryKvStore, Note, Person, PUBLIC_COLLECTION, Question, Reject, signRequest, Undo, Update,
  verifyRequest,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { configure, defaultTextFormatter } from "@logtape/logtape";
import { Agent, setGlobalDispatcher } from "undici";

const { values: opt } = parseArgs({
  options: {
    host: { type: "string", default: process.env.PEER_HOST ?? "peer.fedify.test" },
    ip: { type: "string", default: process.env.PEER_IP ?? "127.0.0.4" },
    port: { type: "string", default: process.env.PEER_PORT ?? "0" },
    "control-port": { type: "string", default: process.env.PEER_CONTROL_PORT ?? "0" },
    cert: { type: "string", default: process.env.PEER_CERT },
    key: { type: "string", default: process.env.PEER_KEY },
    resolve: { type: "string", multiple: true, default: [] },
    "log-level": { type: "string", default: process.env.PEER_LOG ?? "warning" },
  },
});

// Fedify's own logs (why an incoming signature failed, what was sent) go to stderr, which the
// Rust side keeps in a file; `--log-level debug` shows the signed strings.
await configure({
  sinks: { stderr: (record) => process.stderr.write(defaultTextFormatter(record)) },
  loggers: [
    { category: "fedify", lowestLevel: opt["log-level"], sinks: ["stderr"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
  ],
});

// --- DNS override: the test hosts are names on 127.x addresses ------------------------------
// Fedify fetches with the global `fetch`, which uses undici's global dispatcher. A custom
// `lookup` maps the test names to their addresses at connect time, so URLs, the Host header,
// TLS SNI and certificate name checks all keep the real name. Any other destination is
// refused: this process must never talk to anything but loopback.
const hosts = new Map([["localhost", "127.0.0.1"], [opt.host, opt.ip]]);
for (const pair of opt.resolve) {
  const [name, ip] = pair.split("=");
  hosts.set(name.toLowerCase(), ip);
}
const isLoopback = (ip) => (net.isIPv4(ip) && ip.startsWith("127.")) || ip === "::1";
for (const [name, ip] of hosts) {
  if (!isLoopback(ip)) throw new Error(`--resolve ${name}=${ip}: only loopback addresses`);
}
function lookup(hostname, options, callback) {
  const ip = hosts.get(hostname.toLowerCase());
  if (ip == null) {
    const error = Object.assign(new Error(`${hostname} is not a test host (add --resolve)`), { code: "ENOTFOUND" });
    return callback(error);
  }
  const family = net.isIPv6(ip) ? 6 : 4;
  // Node's happy-eyeballs connect asks for `all` addresses; plain connect for one.
  if (options?.all) callback(null, [{ address: ip, family }]);
  else callback(null, ip, family);
}
class LoopbackAgent extends Agent {
  dispatch(options, handler) {
    const { hostname } = new URL(options.origin);
    const bare = hostname.replace(/^\[|\]$/g, "");
    if (!hosts.has(bare.toLowerCase()) && !isLoopback(bare)) {
      throw new Error(`refusing to connect to ${hostname}: not a test host`);
    }
    return super.dispatch(options, handler);
  }
}
setGlobalDispatcher(new LoopbackAgent({ connect: { lookup } }));

// undici hides the reason (refused name, TLS error, connection refused) in `cause`.
const describe = (e) => (e?.cause ? `${e}: ${e.cause.message ?? e.cause}` : String(e));

// --- State, all in memory ---------------------------------------------------------------------
const inbox = []; // verified activities, in arrival order
// Keys this peer verified POSTs with, itself (below), by key id: so that a Delete of an actor whose URL now
// answers 410 is still checked with the key it had, as Fedify does.
const verifiedKeys = new Map();
const keyCache = {
  get: async (keyId) => verifiedKeys.get(keyId.href),
  set: async (keyId, key) => { verifiedKeys.set(keyId.href, key); },
};
const rejected = []; // inbox POSTs Fedify refused (bad signature, bad JSON-LD, …)
const errors = []; // deliveries that failed (no queue: sendActivity throws, we record)
const followers = new Map(); // actor id → {recipient: {id, inboxId, endpoints}, followId}
const following = new Map(); // target actor id → {follow, target, state: pending|accepted|rejected}
const likes = new Map(); // object url → {like, recipients}
const boosts = new Map(); // object url → {announce, authors}
const notes = new Map(); // uuid → Note we authored (served at /notes/{id})
const questions = new Map(); // uuid → Question (a poll) we authored (served at /questions/{id})
let noteFetches = 0; // GETs of those notes, to check that a fetcher is bounded
const outbox = []; // activities we sent, newest last
const keys = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"), await generateCryptoKeyPair("Ed25519")];
const ME = "peer";

// --- Servers: HTTPS for federation, plain HTTP on 127.0.0.1 for control ----------------------
let federation; // made once the HTTPS port is known: Fedify needs its canonical origin
let base;
const readBody = (req) => new Promise((resolve, reject) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks))).on("error", reject);
});
async function send(res, response) {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

const httpsServer = https.createServer(
  { cert: readFileSync(opt.cert), key: readFileSync(opt.key) },
  async (req, res) => {
    try {
      const body = await readBody(req);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const request = new Request(base + req.url, {
        method: req.method, headers, body: ["GET", "HEAD"].includes(req.method) ? undefined : body,
      });
      // The inbox listeners get the exact bytes and the claimed key through context data;
      // Fedify only calls them after it has verified the signature and the key's owner.
      const text = body.toString("utf8");
      const sig = /keyId="([^"]*)"/.exec(req.headers.signature ?? "");
      const data = { raw: text, keyId: sig?.[1] ?? null, verifiedKey: null };
      // What the records say was verified is checked here, independently of the listeners: the key whose
      // draft-cavage signature verifies over this very request (null if none does).
      if (req.method === "POST") {
        const ctx = federation.createContext(request.clone(), data);
        const key = await verifyRequest(request.clone(), {
          documentLoader: await ctx.getDocumentLoader({ identifier: ME }),
          contextLoader: ctx.contextLoader,
          keyCache,
        });
        data.verifiedKey = key?.id?.href ?? null;
      }
      const response = await federation.fetch(request, {
        contextData: data,
        onNotFound: () => new Response("Not found", { status: 404 }),
        onNotAcceptable: () => new Response("Not acceptable", { status: 406 }),
      });
      if (req.method === "POST" && !response.ok) {
        rejected.push({ path: req.url, status: response.status, reason: await response.clone().text(), keyId: data.keyId, raw: safeJson(text) });
      }
      await send(res, response);
    } catch (e) {
      console.error("https handler:", e);
      res.writeHead(500).end(String(e));
    }
  },
);
const controlServer = http.createServer(async (req, res) => {
  const reply = (status, json) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(json));
  };
  try {
    const url = new URL(req.url, "http://127.0.0.1");
    const input = req.method === "POST" ? JSON.parse((await readBody(req)).toString() || "{}") : {};
    const route = control[`${req.method} ${url.pathname}`];
    if (route == null) return reply(404, { ok: false, error: `no route ${req.method} ${url.pathname}` });
    reply(200, await route(input, url.searchParams));
  } catch (e) {
    reply(e.status ?? 502, { ok: false, error: describe(e) });
  }
});

const listen = (server, port, ip) => new Promise((resolve) => server.listen(port, ip, () => resolve(server.address().port)));
const httpsPort = await listen(httpsServer, Number(opt.port), opt.ip);
const controlPort = await listen(controlServer, Number(opt["control-port"]), "127.0.0.1");
base = `https://${opt.host}:${httpsPort}`;

// --- Federation ---------------------------------------------------------------------------------
federation = createFederation({
  kv: new MemoryKvStore(),
  origin: base,
  allowPrivateAddress: true, // the test hosts are on 127.x
  // No queue: deliveries happen inside the control request, so a test sees failures at once.
});
const url = (path) => new URL(path, base);
const newId = (kind) => url(`/${kind}/${crypto.randomUUID()}`);
const actorUri = () => url(`/users/${ME}`);

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== ME) return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify test peer",
      summary: "A third-party server in Parvis's federation tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      manuallyApprovesFollowers: false,
      publicKey: pairs[0].cryptographicKey, // RSA: what Mastodon-style verifiers read
      assertionMethods: pairs.map((p) => p.multikey), // RSA + Ed25519 (FEP-521a)
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === ME ? keys : []));
federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) =>
  identifier === ME ? { items: [...followers.values()].map((f) => f.recipient) } : null);
federation.setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) =>
  identifier === ME ? { items: [...following.values()].filter((f) => f.state === "accepted").map((f) => f.target.id) } : null);
federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) =>
  identifier === ME ? { items: [...outbox].reverse() } : null);
federation.setObjectDispatcher(Question, "/questions/{id}", (_ctx, { id }) => questions.get(id) ?? null);
federation.setObjectDispatcher(Note, "/notes/{id}", (_ctx, { id }) => {
  noteFetches += 1;
  return notes.get(id) ?? null;
});

async function answerFollow(ctx, activity, state) {
  await record(ctx, activity);
  const f = following.get(activity.actorId?.href);
  if (f != null && f.follow.id.href === activity.objectId?.href) f.state = state;
}
// The attachments of a Create's or Update's object as Fedify's vocabulary reads them (not the raw JSON):
// what a Fedify-based server would show.
async function attachmentsOf(activity) {
  if (!(activity instanceof Create || activity instanceof Update)) return [];
  try {
    const object = await activity.getObject({ suppressError: true });
    if (object == null || typeof object.getAttachments !== "function") return [];
    const found = [];
    for await (const a of object.getAttachments({ suppressError: true })) {
      const link = a.url instanceof URL ? a.url.href : (a.url?.href?.href ?? null);
      found.push({
        type: a.constructor.name, mediaType: a.mediaType ?? null, url: link,
        name: a.name?.toString() ?? null, width: a.width ?? null, height: a.height ?? null,
      });
    }
    return found;
  } catch (e) {
    return [{ error: String(e) }];
  }
}

async function record(ctx, activity) {
  const raw = safeJson(ctx.data.raw);
  const attachments = await attachmentsOf(activity);
  inbox.push({
    attachments,
    type: raw?.type ?? null, id: activity.id?.href ?? null, actor: activity.actorId?.href ?? null,
    object: raw?.object ?? null, raw, keyId: ctx.data.keyId, verifiedKey: ctx.data.verifiedKey,
    // Fedify accepts a valid LD signature or integrity proof *instead of* the HTTP signature;
    // without either (Parvis sends neither) the HTTP signature of keyId was what it checked.
    embeddedSignature: Boolean(raw?.signature || raw?.proof),
    recipient: ctx.recipient ?? null, // null: arrived on the shared inbox
  });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    if (follow.objectId?.href !== actorUri().href) return;
    const follower = await follow.getActor(ctx);
    if (follower == null || follower.id == null) return;
    const recipient = { id: follower.id, inboxId: follower.inboxId, endpoints: follower.endpoints };
    followers.set(follower.id.href, { recipient, followId: follow.id?.href });
    const accept = new Accept({ id: newId("activities"), actor: actorUri(), object: follow, to: follower.id });
    await deliver(ctx, follower, accept);
  })
  // Accept/Reject name our Follow by id, embedded or not; only its target may answer it.
  .on(Accept, async (ctx, accept) => answerFollow(ctx, accept, "accepted"))
  .on(Reject, async (ctx, reject) => answerFollow(ctx, reject, "rejected"))
  .on(Undo, async (ctx, undo) => {
    await record(ctx, undo);
    // Only the follower can undo its Follow (Fedify checked the actor signed this Undo).
    const follower = undo.actorId == null ? null : followers.get(undo.actorId.href);
    if (follower != null && follower.followId === undo.objectId?.href) followers.delete(undo.actorId.href);
  })
  // Every other type (Create, Update, Delete, Announce, Like, Reject, Flag, …) is only recorded.
  .on(Activity, record)
  .onError((_ctx, error) => errors.push({ when: "inbox", error: String(error) }));

// --- Sending ------------------------------------------------------------------------------------
const context = () => federation.createContext(new URL(base), { raw: "", keyId: null });
const signedLoader = (ctx) => ctx.getDocumentLoader({ identifier: ME });

// Without a queue Fedify delivers inline and throws when an inbox is down or answers non-2xx.
async function deliver(ctx, recipients, activity, options = {}) {
  try {
    await ctx.sendActivity({ identifier: ME }, recipients, activity, options);
    outbox.push(activity);
    return null;
  } catch (e) {
    errors.push({ when: "deliver", activity: activity.id?.href, error: describe(e) });
    return describe(e);
  }
}
async function lookupActor(ctx, ref) {
  const found = await ctx.lookupObject(ref, { documentLoader: await signedLoader(ctx) });
  // lookupObject answers null for any failure; the reason is in the peer's log.
  if (!isActor(found)) throw Object.assign(new Error(`${ref}: not found or not an actor`), { status: 400 });
  return found;
}
const answer = (error, fields) => (error == null ? { ok: true, ...fields } : { ok: false, error, ...fields });

const control = {
  "GET /health": () => ({ ok: true, base, actor: actorUri().href }),
  "GET /inbox": () => inbox,
  "GET /rejected": () => rejected,
  "GET /errors": () => errors,
  "GET /followers": () => [...followers.keys()],
  "GET /note-fetches": () => ({ count: noteFetches }),
  // A chain of `depth` public notes, each answering the one before, the first answering `inReplyTo`; sent to
  // nobody (a later reply to the last one makes a server walk up the chain). Returns the last one's id.
  "POST /chain": ({ depth, inReplyTo, content = "maillon" }) => {
    let parent = new URL(inReplyTo);
    for (let i = 1; i <= depth; i++) {
      const uuid = crypto.randomUUID();
      const note = new Note({
        id: url(`/notes/${uuid}`), attribution: actorUri(), content: `<p>${content} ${i}</p>`,
        tos: [PUBLIC_COLLECTION], replyTarget: parent, published: Temporal.Now.instant(),
      });
      notes.set(uuid, note);
      parent = note.id;
    }
    return { ok: true, last: parent.href };
  },
  "GET /following": () => [...following.values()].map((f) => ({ target: f.target.id.href, followId: f.follow.id.href, state: f.state })),

  "POST /follow": async ({ handle, target }) => {
    const ctx = context();
    const actor = await lookupActor(ctx, handle ?? target);
    const follow = new Follow({ id: newId("follows"), actor: actorUri(), object: actor.id, to: actor.id });
    following.set(actor.id.href, { follow, target: actor, state: "pending" });
    return answer(await deliver(ctx, actor, follow), { target: actor.id.href, followId: follow.id.href });
  },
  "POST /unfollow": async ({ handle, target }) => {
    const ctx = context();
    const actor = await lookupActor(ctx, handle ?? target);
    const entry = following.get(actor.id.href);
    if (entry == null) return { ok: false, error: "not following" };
    following.delete(actor.id.href);
    const undo = new Undo({ id: newId("activities"), actor: actorUri(), object: entry.follow, to: actor.id });
    return answer(await deliver(ctx, actor, undo), { id: undo.id.href });
  },
  "POST /note": async ({ content, to = ["followers"], cc = [], inReplyTo, mentions = [], hashtags = [], attachments = [] }) => {
    const ctx = context();
    const address = (t) => (t === "public" ? PUBLIC_COLLECTION : t === "followers" ? ctx.getFollowersUri(ME) : new URL(t));
    const direct = [...to, ...cc].filter((t) => t !== "public" && t !== "followers");
    const recipients = await Promise.all([...new Set([...direct, ...mentions])].map((r) => lookupActor(ctx, r)));
    const tags = recipients.filter((r) => mentions.includes(r.id.href))
      .map((r) => new Mention({ href: r.id, name: `@${r.preferredUsername}@${r.id.host}` }))
      .concat(hashtags.map((h) => new Hashtag({ name: h, href: url(`/tags/${encodeURIComponent(h.replace(/^#/, ""))}`) })));
    const uuid = crypto.randomUUID();
    const tos = to.map(address);
    const ccs = [...cc.map(address), ...mentions.filter((m) => !to.includes(m) && !cc.includes(m)).map((m) => new URL(m))];
    const note = new Note({
      id: url(`/notes/${uuid}`), attribution: actorUri(), content, tos, ccs, tags,
      replyTarget: inReplyTo ? new URL(inReplyTo) : null, published: Temporal.Now.instant(),
      attachments: attachments.map((a) => new Document({ mediaType: a.mediaType, url: new URL(a.url), name: a.name })),
    });
    notes.set(uuid, note);
    const create = new Create({ id: url(`/notes/${uuid}/activity`), actor: actorUri(), object: note, tos, ccs });
    let error = recipients.length ? await deliver(ctx, recipients, create, { preferSharedInbox: true }) : null;
    if (error == null && [...to, ...cc].includes("followers") && followers.size > 0) {
      error = await deliver(ctx, "followers", create, { preferSharedInbox: true });
    }
    return answer(error, { id: note.id.href, activity: create.id.href });
  },
  // An edit of one of our notes, as Mastodon sends it: Update(Note) with `updated`, to our followers.
  "POST /update-note": async ({ id, content }) => {
    const ctx = context();
    const uuid = new URL(id).pathname.split("/").pop();
    const note = notes.get(uuid);
    if (note == null) return { ok: false, error: "no such note" };
    const updated = note.clone({ content, updated: Temporal.Now.instant() });
    notes.set(uuid, updated);
    const update = new Update({ id: newId("activities"), actor: actorUri(), object: updated, tos: note.toIds, ccs: note.ccIds });
    const error = followers.size > 0 ? await deliver(ctx, "followers", update, { preferSharedInbox: true }) : "no followers";
    return answer(error, { id: update.id.href });
  },
  // Mastodon's poll vote: one Create(Note{name, inReplyTo}) per choice, to the author only.
  "POST /vote": async ({ question, choices }) => {
    const ctx = context();
    const documentLoader = await signedLoader(ctx);
    const q = await ctx.lookupObject(question, { documentLoader });
    if (!(q instanceof Question)) return { ok: false, error: `${question} is not a Question` };
    const author = await q.getAttribution({ documentLoader });
    if (!isActor(author)) return { ok: false, error: "the Question has no actor in attributedTo" };
    const ids = [];
    for (const name of choices) {
      const uuid = crypto.randomUUID();
      const note = new Note({ id: url(`/notes/${uuid}`), attribution: actorUri(), name, replyTarget: q.id, to: author.id });
      notes.set(uuid, note);
      const create = new Create({ id: url(`/notes/${uuid}/activity`), actor: actorUri(), object: note, to: author.id });
      const error = await deliver(ctx, author, create);
      if (error != null) return { ok: false, error, ids };
      ids.push(note.id.href);
    }
    return { ok: true, ids, author: author.id.href };
  },
  // A poll of ours (Mastodon's shape), sent to our followers as Create(Question). Votes that come back are in
  // the inbox as Create(Note{name, inReplyTo}).
  "POST /question": async ({ content, choices, multiple = false, endTime }) => {
    const ctx = context();
    const uuid = crypto.randomUUID();
    const options = choices.map((name) => new Note({ name, replies: new Collection({ totalItems: 0 }) }));
    const question = new Question({
      id: url(`/questions/${uuid}`), attribution: actorUri(), content, tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(ME)], published: Temporal.Now.instant(),
      ...(multiple ? { inclusiveOptions: options } : { exclusiveOptions: options }),
      endTime: Temporal.Instant.from(endTime ?? new Date(Date.now() + 86400000).toISOString()),
      voters: 0,
    });
    questions.set(uuid, question);
    const create = new Create({
      id: url(`/questions/${uuid}/activity`), actor: actorUri(), object: question,
      tos: [PUBLIC_COLLECTION], ccs: [ctx.getFollowersUri(ME)],
    });
    const error = followers.size > 0 ? await deliver(ctx, "followers", create, { preferSharedInbox: true }) : "no followers";
    return answer(error, { id: question.id.href });
  },
  "POST /like": async ({ object }) => {
    const ctx = context();
    const documentLoader = await signedLoader(ctx);
    const liked = await ctx.lookupObject(object, { documentLoader });
    if (liked == null) return { ok: false, error: `cannot fetch ${object}` };
    const authors = [];
    for await (const a of liked.getAttributions({ documentLoader })) if (isActor(a)) authors.push(a);
    const like = new Like({ id: newId("activities"), actor: actorUri(), object: new URL(object), tos: authors.map((a) => a.id) });
    likes.set(object, { like, authors });
    return answer(await deliver(ctx, authors, like), { id: like.id.href });
  },
  "POST /undo-like": async ({ object }) => {
    const entry = likes.get(object);
    if (entry == null) return { ok: false, error: "no like for this object" };
    likes.delete(object);
    const undo = new Undo({ id: newId("activities"), actor: actorUri(), object: entry.like, tos: entry.authors.map((a) => a.id) });
    return answer(await deliver(context(), entry.authors, undo), { id: undo.id.href });
  },
  // Mastodon's boost: Announce of the note's id, public, to our followers and the note's author.
  "POST /announce": async ({ object }) => {
    const ctx = context();
    const documentLoader = await signedLoader(ctx);
    const boosted = await ctx.lookupObject(object, { documentLoader });
    if (boosted == null) return { ok: false, error: `cannot fetch ${object}` };
    const authors = [];
    for await (const a of boosted.getAttributions({ documentLoader })) if (isActor(a)) authors.push(a);
    const announce = new Announce({
      id: newId("activities"), actor: actorUri(), object: new URL(object), tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(ME), ...authors.map((a) => a.id)], published: Temporal.Now.instant(),
    });
    boosts.set(object, { announce, authors });
    return answer(await deliver(ctx, authors, announce), { id: announce.id.href });
  },
  "POST /undo-announce": async ({ object }) => {
    const entry = boosts.get(object);
    if (entry == null) return { ok: false, error: "no boost of this object" };
    boosts.delete(object);
    const undo = new Undo({ id: newId("activities"), actor: actorUri(), object: entry.announce, tos: [PUBLIC_COLLECTION] });
    return answer(await deliver(context(), entry.authors, undo), { id: undo.id.href });
  },
  // Mastodon sends reports to the reported account's server (its shared inbox).
  "POST /flag": async ({ account, objects = [], content = "" }) => {
    const ctx = context();
    const actor = await lookupActor(ctx, account);
    const flag = new Flag({ id: newId("activities"), actor: actorUri(), objects: [actor.id, ...objects.map((o) => new URL(o))], content, to: actor.id });
    return answer(await deliver(ctx, actor, flag, { preferSharedInbox: true }), { id: flag.id.href });
  },
  // Signs anything as the peer (draft-cavage, like every Fedify 1.x POST) and reports the answer.
  "POST /send-raw": async ({ inbox: target, activity, sign = true }) => {
    const body = typeof activity === "string" ? activity : JSON.stringify(activity);
    let request = new Request(target, { method: "POST", headers: { "content-type": "application/activity+json" }, body });
    const [rsa] = await context().getActorKeyPairs(ME);
    if (sign) request = await signRequest(request, rsa.privateKey, rsa.keyId);
    const response = await fetch(request);
    return { status: response.status, body: await response.text() };
  },
  // An authorized fetch: Fedify's authenticated document loader signs the GET with our key.
  "GET /fetch": async (_input, params) => {
    const target = params.get("url");
    if (params.get("signed") === "0") {
      const response = await fetch(target, { headers: { accept: "application/activity+json" } });
      return { status: response.status, json: safeJson(await response.text()) };
    }
    try {
      const { document } = await (await signedLoader(context()))(target);
      return { status: 200, json: document };
    } catch (e) {
      const status = Number(/HTTP (\d{3})/.exec(String(e))?.[1] ?? 0);
      return { status, error: describe(e) };
    }
  },
};

function safeJson(text) {
  try { return JSON.parse(text); } catch { return text; }
}

console.log(`READY https=${httpsPort} control=${controlPort}`);
