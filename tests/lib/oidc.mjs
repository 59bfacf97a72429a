// A real OAuth 2.1 / OpenID authorization server for tests: npm `oidc-provider` on 127.0.0.1,
// issuing JWT access tokens (RFC 9068) for a resource (RFC 8707) with a `roles` claim.
// Enabled: client_credentials, introspection, dynamic registration, authorization code + PKCE
// (interactions auto-approve the configured `autoLoginSubject`, so SDK clients run headless).
// restart() keeps issuer and port, so key rotation and AS outages can be staged.
import crypto from 'node:crypto';
import http from 'node:http';
import * as jose from 'jose';
import Provider from 'oidc-provider';

/**
 * POST a form without connection reuse (the provider restarts between calls in tests, and a
 * pooled socket to the old server would fail the request). Resolves { status, body }.
 */
export function postForm(url, fields, headers = {}, { timeoutMs = 10000 } = {}) {
  const data = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      timeout: timeoutMs,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(data), ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let body = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** A private signing JWK for the provider (jose-generated). */
export async function generateSigningKey(alg = 'RS256', kid = `${alg}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`) {
  const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid, alg, use: 'sig' };
}

const EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const EXCHANGE_PARAMS = ['subject_token', 'subject_token_type', 'audience', 'resource', 'scope', 'requested_token_type'];

// oidc-provider has no RFC 8693 grant; this one accepts the provider's own JWT access tokens
// (for its resource) as subject tokens and issues a JWT for an allowed audience, acting for
// the subject with `act.sub` = the exchanging client.
async function tokenExchange(ctx, state, issuer, counters) {
  counters.tokenExchange += 1;
  const p = ctx.oidc.params;
  const refuse = (error, description) => {
    ctx.status = 400;
    ctx.body = { error, error_description: description };
  };
  if (p.subject_token_type !== ACCESS_TOKEN_TYPE) return refuse('invalid_request', 'unsupported subject_token_type');
  const jwks = jose.createLocalJWKSet({
    keys: state.keys.map(({ d, p: _p, q, dp, dq, qi, ...pub }) => pub),
  });
  let subject;
  try {
    ({ payload: subject } = await jose.jwtVerify(p.subject_token, jwks, { issuer, audience: state.resource }));
  } catch (err) {
    return refuse('invalid_grant', `subject_token rejected: ${err.code ?? err.message}`);
  }
  const audience = p.audience || p.resource;
  if (!state.exchangeAudiences.includes(audience)) return refuse('invalid_target', 'audience not allowed');
  const signing = state.keys[0];
  const key = await jose.importJWK(signing, signing.alg);
  const clientId = ctx.oidc.client.clientId;
  const token = await new jose.SignJWT({ scope: subject.scope, roles: subject.roles, client_id: clientId, act: { sub: clientId } })
    .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: 'at+jwt' })
    .setIssuer(issuer).setSubject(subject.sub).setAudience(audience)
    .setIssuedAt().setExpirationTime('5m').setJti(crypto.randomUUID())
    .sign(key);
  ctx.body = { access_token: token, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: 300 };
}

/**
 * Start a provider. Options:
 *   resource        the protected resource URL tokens are issued for (audience), required
 *   scopes          scopes the resource accepts (default 'tools:read tools:call')
 *   roles           roles claim put into every access token (default ['admin'])
 *   keys            private JWKs used to sign (default: one fresh RS256 key)
 *   clients         extra static clients
 *   autoLoginSubject  account id used when an authorization request needs a login
 *   opaqueResource  a resource that gets opaque access tokens (for introspection tests)
 *   exchangeAudiences  audiences the `gatehouse` client (secret gatehouse-secret) may obtain
 *                      by RFC 8693 token exchange
 *   upstreamResources  more resource indicators (RFC 8707) that get JWT access tokens, e.g. an
 *                      MCP server behind the gateway (client credentials of the gateway)
 * Static clients: `machine`/machine-secret (client_credentials) and `gatehouse`/gatehouse-secret
 * (client_credentials + token exchange): the gateway's own client for upstream credentials.
 * Returns { issuer, port, keys, counters, clientCredentialsToken(), restart(changes), stop(), close() }.
 */
export async function startOidcProvider(options = {}) {
  const state = {
    resource: options.resource,
    scopes: options.scopes ?? 'tools:read tools:call',
    roles: options.roles ?? ['admin'],
    keys: options.keys ?? [await generateSigningKey('RS256')],
    clients: [
      {
        client_id: 'machine',
        client_secret: 'machine-secret',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: 'gatehouse',
        client_secret: 'gatehouse-secret',
        grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      ...(options.clients ?? []),
    ],
    autoLoginSubject: options.autoLoginSubject ?? 'alice',
    // RFC 8693: audiences the `gatehouse` client may exchange caller tokens for.
    exchangeAudiences: options.exchangeAudiences ?? ['http://127.0.0.1:18081/upstream'],
    // A second resource whose tokens are opaque (RFC 7662 introspection at /token/introspection).
    opaqueResource: options.opaqueResource ?? 'http://127.0.0.1:18082/opaque',
    upstreamResources: options.upstreamResources ?? [],
    // Dynamic registration: open by default; { enabled: true, initialAccessToken: 'x' } makes
    // it need an initial access token (like Keycloak), { enabled: false } turns it off.
    registration: options.registration ?? { enabled: true },
  };
  const counters = { tokenExchange: 0, clientCredentials: 0 };
  if (!state.resource) throw new Error('startOidcProvider: resource is required');

  let server;
  let port = options.port ?? 0;
  let issuer;

  function build() {
    const provider = new Provider(issuer, {
      clients: state.clients,
      clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: state.keys[0].alg },
      jwks: { keys: state.keys },
      findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
      scopes: ['openid', 'offline_access', ...state.scopes.split(' ')],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        registration: state.registration,
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => state.resource,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, resourceIndicator) => {
            if (resourceIndicator === state.opaqueResource) {
              return { scope: state.scopes, audience: resourceIndicator, accessTokenTTL: 600, accessTokenFormat: 'opaque' };
            }
            if (resourceIndicator !== state.resource && !state.upstreamResources.includes(resourceIndicator)) {
              throw new Provider.errors.InvalidTarget();
            }
            return {
              scope: state.scopes,
              audience: resourceIndicator,
              accessTokenTTL: 600,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: state.keys[0].alg } },
            };
          },
        },
      },
      extraTokenClaims: async () => ({ roles: state.roles }),
      loadExistingGrant: async (ctx) => {
        const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session?.grantIdFor(ctx.oidc.client.clientId);
        return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      pkce: { required: () => true },
      ttl: { AccessToken: 600, ClientCredentials: 600 },
    });
    provider.proxy = false;
    provider.on('grant.success', (ctx) => {
      if (ctx.oidc.params?.grant_type === 'client_credentials') counters.clientCredentials += 1;
    });
    provider.registerGrantType(EXCHANGE_GRANT, (ctx) => tokenExchange(ctx, state, issuer, counters), EXCHANGE_PARAMS);
    // Headless login: any interaction logs in autoLoginSubject and grants what was asked.
    const callback = provider.callback();
    return async (req, res) => {
      const m = req.url.match(/^\/interaction\/([^/?]+)/);
      if (!m) return callback(req, res);
      try {
        const details = await provider.interactionDetails(req, res);
        if (process.env.GATEHOUSE_DEBUG_OAUTH) console.error("interaction", JSON.stringify(details.prompt), JSON.stringify(details.params));
        // Grant exactly what the prompt says is missing (the pattern of oidc-provider's own
        // examples), on the interaction's grant when it has one.
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: state.autoLoginSubject, clientId: details.params.client_id });
        const missing = details.prompt.details ?? {};
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, {
          login: { accountId: state.autoLoginSubject },
          consent: { grantId },
        }, { mergeWithLastSubmission: false });
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err?.stack ?? err));
      }
    };
  }

  async function listen() {
    server = http.createServer();
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    port = server.address().port;
    issuer = `http://127.0.0.1:${port}`;
    server.on('request', build());
  }

  async function close() {
    if (!server) return;
    const s = server;
    server = undefined;
    s.closeAllConnections?.();
    await new Promise((resolve) => s.close(resolve));
  }

  await listen();

  const api = {
    get issuer() { return issuer; },
    get port() { return port; },
    get keys() { return state.keys; },
    /** How many token exchanges / client-credentials grants the AS served. */
    counters,
    /** A client_credentials access token (JWT) for the resource. */
    async clientCredentialsToken({ scope = state.scopes, resource = state.resource, clientId = 'machine', clientSecret = 'machine-secret' } = {}) {
      const { status, body } = await postForm(`${issuer}/token`, { grant_type: 'client_credentials', scope, resource },
        { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` });
      if (status !== 200) throw new Error(`token endpoint answered ${status}: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    /** Stop and start again on the same port, optionally with new keys/roles (key rotation). */
    async restart(changes = {}) {
      Object.assign(state, changes);
      await close();
      await listen();
    },
    /** Stop serving (the AS is down) until restart(). */
    stop: close,
    close,
  };
  return api;
}

/**
 * An OAuthClientProvider (official MCP SDK interface) that completes the authorization code +
 * PKCE flow without a browser: redirectToAuthorization follows the AS redirects (keeping its
 * cookies) through the auto-approving interaction until the redirect URI, and keeps the code.
 * Usage: connect -> UnauthorizedError -> transport.finishAuth(provider.authorizationCode) -> connect again.
 */
export function headlessOAuthClient({ redirectUrl = 'http://127.0.0.1:9/callback', clientName = 'gatehouse-itest' } = {}) {
  let clientInfo;
  let tokens;
  let verifier;
  let code;
  const log = [];
  return {
    log,
    get redirectUrl() { return redirectUrl; },
    get clientMetadata() {
      return {
        client_name: clientName,
        redirect_uris: [redirectUrl],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      };
    },
    clientInformation: () => clientInfo,
    saveClientInformation: (info) => { clientInfo = info; log.push('registered'); },
    tokens: () => tokens,
    saveTokens: (t) => { tokens = t; log.push('tokens'); },
    saveCodeVerifier: (v) => { verifier = v; },
    codeVerifier: () => verifier,
    async redirectToAuthorization(url) {
      log.push(`authorize ${url.searchParams.get('code_challenge_method')} resource=${url.searchParams.get('resource')}`);
      code = await followAuthorization(url, redirectUrl);
    },
    invalidateCredentials(scope) {
      if (scope === 'all' || scope === 'tokens') tokens = undefined;
      if (scope === 'all' || scope === 'client') clientInfo = undefined;
    },
    get authorizationCode() { return code; },
    get clientId() { return clientInfo?.client_id; },
  };
}

async function followAuthorization(url, redirectUrl) {
  const jar = new Map();
  let next = url.toString();
  for (let hop = 0; hop < 10; hop++) {
    if (next.startsWith(redirectUrl)) {
      const u = new URL(next);
      const c = u.searchParams.get('code');
      if (!c) throw new Error(`authorization failed: ${u.searchParams.get('error')} ${u.searchParams.get('error_description')}`);
      return c;
    }
    const res = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      signal: AbortSignal.timeout(10000),
    });
    if (process.env.GATEHOUSE_DEBUG_OAUTH) console.error("cookies", res.headers.getSetCookie());
    for (const c of res.headers.getSetCookie()) {
      const kv = c.split(';')[0];
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
    const loc = res.headers.get('location');
    if (process.env.GATEHOUSE_DEBUG_OAUTH) console.error(`hop ${res.status} ${next} -> ${loc}`);
    if (!loc) throw new Error(`authorization stopped at ${res.status}: ${(await res.text()).slice(0, 500)}`);
    next = new URL(loc, next).toString();
  }
  throw new Error('authorization: too many redirects');
}
