// SPDX-License-Identifier: AGPL-3.0-or-later
//
// A small but real OpenID Connect provider (oidc-provider) for Parvis's OIDC
// tests. Usage: node provider.mjs /path/to/config.json
// Listens on 127.0.0.1 on a random port, then prints one JSON line to stdout:
//   {"issuer":"http://127.0.0.1:<port>"}
// Everything else (library notices, errors) goes to stderr.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

// oidc-provider prints its "NOTICE" lines with console.info (stdout); keep
// stdout for the ready line only.
console.info = console.error;
console.log = console.error;

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts ?? {};

// Fresh RS256 signing key for every run.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  // Plain "web" clients (the default application_type) may use http redirect
  // URIs with the code flow, so the config's clients are passed as they are.
  clients: config.clients ?? [],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  responseTypes: ['code'],
  pkce: { required: () => config.pkce_required ?? true },
  // Put the scope-requested claims into the ID token too, not only userinfo.
  // (A config with "claims_in_id_token": false keeps them for userinfo only, as FranceConnect does.)
  conformIdTokenClaims: config.claims_in_id_token === false,
  claims: {
    openid: ['sub'],
    profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username',
      'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
    email: ['email', 'email_verified'],
    address: ['address'],
  },
  features: {
    devInteractions: { enabled: false },
    // The test registers its client once the instance (and so its redirect URI) exists: POST /reg, which
    // gives the client the id and secret of the config ("client_id", "client_secret").
    registration: {
      enabled: true,
      idFactory: () => config.client_id,
      secretFactory: () => config.client_secret,
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600,
    Interaction: 3600, Session: 86400, Grant: 86400,
    ...config.ttl,
  },
  // The account key is the sub; the library filters the returned claims by
  // scope/claims request itself. Unknown accounts are not found.
  findAccount(ctx, sub) {
    if (!Object.hasOwn(accounts, sub)) return undefined;
    return { accountId: sub, claims: () => ({ ...accounts[sub], sub }) };
  },
});

// Reads an application/x-www-form-urlencoded request body.
async function formBody(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

function reply(res, status, text, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(text);
}

// The interaction routes; returns false when the request is not one of them.
async function interaction(req, res) {
  const match = /^\/interaction\/([\w-]+)(\/login|\/abort)?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return false;
  const [, uid, action] = match;
  const details = await provider.interactionDetails(req, res);

  if (req.method === 'GET' && !action) {
    if (details.prompt.name === 'login') {
      reply(res, 200, `<!doctype html><title>Sign in</title>
<form method="post" action="/interaction/${uid}/login"><input name="account"><button>Sign in</button></form>
<form method="post" action="/interaction/${uid}/abort"><button>Cancel</button></form>`, 'text/html; charset=utf-8');
      return true;
    }
    if (details.prompt.name === 'consent') {
      // Grant everything that is asked for, without showing a page.
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return true;
    }
    reply(res, 400, `unsupported prompt ${details.prompt.name}\n`);
    return true;
  }

  if (req.method === 'POST' && action === '/login') {
    const accountId = (await formBody(req)).get('account') ?? '';
    if (!Object.hasOwn(accounts, accountId)) {
      reply(res, 400, 'unknown account\n');
      return true;
    }
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return true;
  }

  if (req.method === 'POST' && action === '/abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'the person refused',
    }, { mergeWithLastSubmission: false });
    return true;
  }

  reply(res, 405, 'method not allowed\n');
  return true;
}

const callback = provider.callback();
server.on('request', (req, res) => {
  interaction(req, res).then((handled) => {
    if (!handled) callback(req, res);
  }).catch((err) => {
    // E.g. a missing or expired interaction cookie (SessionNotFound).
    console.error('interaction error:', err);
    if (!res.headersSent) reply(res, err.statusCode ?? 500, `${err.error_description ?? err.message}\n`);
  });
});

provider.on('server_error', (ctx, err) => console.error('server_error:', err));

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
