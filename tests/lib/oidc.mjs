// A real OAuth 2.1 / OpenID authorization server for tests: npm `oidc-provider` on 127.0.0.1,
// issuing JWT access tokens (RFC 9068) for a resource (RFC 8707) with a `roles` claim.
// Enabled: client_credentials, introspection, dynamic registration, authorization code + PKCE
// (interactions auto-approve the configured `autoLoginSubject`, so SDK clients run headless).
// restart() keeps issuer and port, so key rotation and AS outages can be staged.
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

/**
 * Start a provider. Options:
 *   resource        the protected resource URL tokens are issued for (audience), required
 *   scopes          scopes the resource accepts (default 'tools:read tools:call')
 *   roles           roles claim put into every access token (default ['admin'])
 *   keys            private JWKs used to sign (default: one fresh RS256 key)
 *   clients         extra static clients
 *   autoLoginSubject  account id used when an authorization request needs a login
 * Returns { issuer, port, keys, clientCredentialsToken(), introspect(), restart(opts), close() }.
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
  };
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
        registration: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => state.resource,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, resourceIndicator) => {
            if (resourceIndicator !== state.resource) throw new Provider.errors.InvalidTarget();
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
        // Headless consent: every request of the auto-login subject is granted what it asks.
        const grantId = ctx.oidc.result?.consent?.grantId ||
          ctx.oidc.session?.grantIdFor(ctx.oidc.client.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session?.accountId });
        grant.addOIDCScope('openid offline_access');
        grant.addResourceScope(state.resource, state.scopes);
        await grant.save();
        return grant;
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      pkce: { required: () => true },
      ttl: { AccessToken: 600, ClientCredentials: 600 },
    });
    provider.proxy = false;
    // Headless login: any interaction logs in autoLoginSubject and grants what was asked.
    const callback = provider.callback();
    return async (req, res) => {
      const m = req.url.match(/^\/interaction\/([^/?]+)/);
      if (!m) return callback(req, res);
      try {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: state.autoLoginSubject, clientId: details.params.client_id });
        if (details.params.scope) grant.addOIDCScope(details.params.scope);
        const resources = [].concat(details.params.resource ?? state.resource);
        for (const r of resources) grant.addResourceScope(r, state.scopes);
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
