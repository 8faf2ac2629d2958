/**
 * Admin routes for the provider core: issuers, keys (lifecycle, graceful and wrong
 * rotations), token minting, clients, clock and cache policy. Faults and measurements
 * contribute their own routes (mock-idp/faults, mock-idp/measure); `/reset` is mounted by
 * index.ts because it spans every area.
 */
import { AdminInputError, AdminNotFoundError, type AdminRoute } from '../contracts.ts';
import type { IssuerRuntime } from '../issuer.ts';
import { KeyNotFoundError, type KeyState } from '../keys/key-store.ts';
import { applyMisrotation, MISROTATION_OPTION_SCHEMAS } from '../keys/misrotations.ts';
import { rotateGracefully } from '../keys/rotation.ts';
import type { RegisteredClient } from '../oauth/clients.ts';
import type { Provider } from '../provider.ts';
import { MintError, mintTokens, type MintRequest } from '../tokens/mint.ts';
import {
  cacheSchema,
  clientSchema,
  clockSchema,
  issuerPatchSchema,
  keyAddSchema,
  misrotateSchema,
  mintSchema,
  rotateSchema,
} from './schemas.ts';
import { parseInput } from './validate.ts';

function issuerOf(provider: Provider, params: Record<string, string>): IssuerRuntime {
  const name = params.issuer ?? '';
  const issuer = provider.issuer(name);
  if (issuer === undefined) throw new AdminNotFoundError(`unknown issuer ${JSON.stringify(name)}`);
  return issuer;
}

/** Key-store errors as admin errors: an unknown kid is a 404, a store refusal a 409. */
async function keyOp<T>(op: () => T | Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (error instanceof KeyNotFoundError) throw new AdminNotFoundError(error.message);
    if (error instanceof MintError)
      throw new AdminInputError(
        [{ path: error.message.startsWith('kid:') ? 'kid' : '(issuer)', message: error.message }],
        409,
      );
    if (error instanceof Error && / needs an active key/.test(error.message)) {
      throw new AdminInputError([{ path: 'kind', message: error.message }], 409);
    }
    throw error;
  }
}

function stateRoute(provider: Provider, verb: 'activate' | 'retire' | 'revoke', state: KeyState): AdminRoute {
  return {
    method: 'POST',
    pattern: `/issuers/:issuer/keys/:kid/${verb}`,
    handle: async ({ params, body }) => {
      parseInput(keyAddSchema.pick({}), body);
      const issuer = issuerOf(provider, params);
      const info = await keyOp(() => issuer.keys.setState(params.kid ?? '', state));
      return { status: 200, body: info };
    },
  };
}

export function coreRoutes(provider: Provider): AdminRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/issuers',
      handle: () => ({ status: 200, body: [...provider.issuers.values()].map((i) => i.info()) }),
    },
    {
      method: 'GET',
      pattern: '/issuers/:issuer',
      handle: ({ params }) => ({ status: 200, body: issuerOf(provider, params).info() }),
    },
    {
      method: 'PATCH',
      pattern: '/issuers/:issuer',
      handle: ({ params, body }) => {
        const issuer = issuerOf(provider, params);
        const { cache, ...rest } = stripUndefined(parseInput(issuerPatchSchema, body));
        issuer.update(cache === undefined ? rest : { ...rest, cache: stripUndefined(cache) });
        return { status: 200, body: issuer.info() };
      },
    },
    {
      method: 'GET',
      pattern: '/issuers/:issuer/keys',
      handle: ({ params }) => ({ status: 200, body: issuerOf(provider, params).keys.list() }),
    },
    {
      method: 'GET',
      pattern: '/issuers/:issuer/key-pool',
      handle: ({ params }) => ({ status: 200, body: issuerOf(provider, params).keys.poolStatus() }),
    },
    {
      method: 'POST',
      pattern: '/issuers/:issuer/keys',
      handle: async ({ params, body }) => {
        const issuer = issuerOf(provider, params);
        const input = parseInput(keyAddSchema, body);
        const material = await issuer.keys.newMaterial(
          input.alg ?? issuer.tokenContext.fallbackAlg,
          input.kid,
        );
        return { status: 201, body: issuer.keys.insert(material, input.state ?? 'next') };
      },
    },
    stateRoute(provider, 'activate', 'active'),
    stateRoute(provider, 'retire', 'retiring'),
    stateRoute(provider, 'revoke', 'revoked'),
    {
      method: 'POST',
      pattern: '/issuers/:issuer/rotations',
      handle: async ({ params, body }) => {
        const issuer = issuerOf(provider, params);
        const input = parseInput(rotateSchema, body);
        const started = performance.now();
        const plan = await rotateGracefully(
          issuer.keys,
          stripUndefined(input),
          issuer.tokenContext.fallbackAlg,
        );
        return { status: 202, body: { ...plan, tookMs: tookSince(started) } };
      },
    },
    {
      method: 'POST',
      pattern: '/issuers/:issuer/misrotations',
      handle: async ({ params, body }) => {
        const issuer = issuerOf(provider, params);
        const input = parseInput(misrotateSchema, body);
        const options = parseInput(MISROTATION_OPTION_SCHEMAS[input.kind], input.options ?? {}, 'options');
        const started = performance.now();
        const result = await keyOp(() => applyMisrotation(issuer.keys, input.kind, options));
        return { status: 200, body: { ...result, tookMs: tookSince(started) } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/issuers/:issuer/misrotations',
      handle: ({ params }) => {
        const issuer = issuerOf(provider, params);
        issuer.keys.setOverride(undefined, 'heal');
        return { status: 200, body: { healed: true } };
      },
    },
    {
      method: 'POST',
      pattern: '/issuers/:issuer/tokens',
      handle: async ({ params, body }) => {
        const issuer = issuerOf(provider, params);
        const input = parseInput(mintSchema, body);
        const result = await keyOp(() =>
          mintTokens(issuer.tokenContext, stripUndefined(input) as MintRequest),
        );
        return { status: 200, body: result };
      },
    },
    {
      method: 'GET',
      pattern: '/issuers/:issuer/clients',
      handle: ({ params }) => ({ status: 200, body: issuerOf(provider, params).clients.list().map(redact) }),
    },
    {
      method: 'POST',
      pattern: '/issuers/:issuer/clients',
      handle: ({ params, body }) => {
        const issuer = issuerOf(provider, params);
        const input = parseInput(clientSchema, body);
        const client: RegisteredClient = {
          ...stripUndefined(input),
          grants: input.grants ?? ['client_credentials', 'refresh_token', 'authorization_code'],
        };
        return { status: 201, body: redact(issuer.clients.register(client)) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/issuers/:issuer/clients/:clientId',
      handle: ({ params }) => {
        const issuer = issuerOf(provider, params);
        if (!issuer.clients.remove(params.clientId ?? ''))
          throw new AdminNotFoundError(
            `issuer ${issuer.name} has no client ${JSON.stringify(params.clientId)}`,
          );
        return { status: 200, body: { removed: params.clientId } };
      },
    },
    {
      method: 'PUT',
      pattern: '/issuers/:issuer/clock',
      handle: ({ params, body }) => {
        const issuer = issuerOf(provider, params);
        const { offsetMs } = parseInput(clockSchema, body);
        issuer.update({ clockOffsetMs: offsetMs });
        return { status: 200, body: { offsetMs, now: issuer.now() } };
      },
    },
    {
      method: 'PUT',
      pattern: '/issuers/:issuer/cache',
      handle: ({ params, body }) => {
        const issuer = issuerOf(provider, params);
        const cache = parseInput(cacheSchema, body);
        issuer.update({ cache: stripUndefined(cache) });
        return { status: 200, body: issuer.config.cache };
      },
    },
  ];
}

/** Secrets never leave the admin API. */
function redact(client: RegisteredClient): Omit<RegisteredClient, 'secret'> & { hasSecret: boolean } {
  const { secret, ...rest } = client;
  return { ...rest, hasSecret: secret !== undefined };
}

/** zod leaves absent optionals absent, but exactOptionalPropertyTypes wants that proven. */
function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** An admin action's own duration (ms, 0.1 ms resolution): how long mock-idp took, not the network. */
function tookSince(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
