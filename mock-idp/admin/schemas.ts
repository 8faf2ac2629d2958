/** Input schemas of the admin routes for issuers, keys, tokens, clients, clock and cache. */
import { z } from 'zod';
import { SIGNING_ALGS } from '../contracts.ts';
import { ETAG_MODES } from '../issuer.ts';
import { KEY_STATES } from '../keys/key-store.ts';
import { MISROTATION_KINDS } from '../keys/misrotations.ts';
import { CLIENT_AUTH_METHODS, GRANTS } from '../oauth/clients.ts';
import { TOKEN_SHAPES } from '../tokens/mint.ts';

const YEAR_S = 31_536_000;
const DAY_MS = 86_400_000;
const ms = z.number().int().min(0).max(DAY_MS);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const scopeToken = z
  .string()
  .regex(
    /^[\x21\x23-\x5b\x5d-\x7e]+$/,
    'must be a scope token (printable ASCII, no space, quote or backslash)',
  );
const shortText = z.string().min(1).max(200);
const audience = z.union([shortText, z.array(shortText).min(1).max(20)]);
const claims = z.record(z.string(), z.unknown());

export const issuerPatchSchema = z.strictObject({
  issuerUrl: httpUrl.optional(),
  baseUrl: httpUrl.optional(),
  jwksPath: z
    .string()
    .regex(
      /^\/?[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*\/?$/,
      'must be a relative path of plain segments, e.g. oauth/discovery/keys',
    )
    .refine((p) => !p.split('/').includes('..'), 'must not contain ..')
    .optional(),
  audience: audience.optional(),
  scopes: z.array(scopeToken).max(100).optional(),
  requiredScope: scopeToken.optional(),
  claims: claims.optional(),
  expiresIn: z.number().int().min(1).max(YEAR_S).optional(),
  clockOffsetMs: z
    .number()
    .int()
    .min(-10 * 365 * DAY_MS)
    .max(10 * 365 * DAY_MS)
    .optional(),
  cache: z
    .strictObject({
      cacheControl: z
        .string()
        .max(200)
        .regex(/^[^\r\n]*$/, 'must be one header line')
        .optional(),
      etag: z.enum(ETAG_MODES).optional(),
    })
    .optional(),
});

export const keyAddSchema = z.strictObject({
  alg: z.enum(SIGNING_ALGS).optional(),
  kid: shortText.optional(),
  state: z.enum(KEY_STATES).optional(),
});

export const rotateSchema = z.strictObject({
  publishAhead: ms.optional(),
  retireAfter: ms.optional(),
  revokeAfter: ms.optional(),
  alg: z.enum(SIGNING_ALGS).optional(),
});

export const misrotateSchema = z.strictObject({
  kind: z.enum(MISROTATION_KINDS),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const mintSchema = z.strictObject({
  count: z.number().int().min(1).max(10_000).optional(),
  shape: z.enum(TOKEN_SHAPES).optional(),
  clientId: shortText.optional(),
  subject: shortText.optional(),
  scopes: z.array(scopeToken).max(100).optional(),
  audience: audience.optional(),
  claims: claims.optional(),
  kid: shortText.optional(),
  expiresIn: z.number().int().min(1).max(YEAR_S).optional(),
  expiryJitter: z.number().int().min(0).max(YEAR_S).optional(),
  alignedExpiry: z.boolean().optional(),
});

export const clientSchema = z
  .strictObject({
    clientId: shortText,
    secret: z.string().min(1).max(500).optional(),
    authMethod: z.enum(CLIENT_AUTH_METHODS).optional(),
    grants: z.array(z.enum(GRANTS)).min(1).optional(),
    scopes: z.array(scopeToken).max(100).optional(),
    expiresIn: z.number().int().min(1).max(YEAR_S).optional(),
    redirectUris: z.array(httpUrl).min(1).max(20).optional(),
  })
  .refine((c) => c.authMethod === undefined || c.authMethod === 'none' || c.secret !== undefined, {
    message: 'is required when authMethod is client_secret_basic or client_secret_post',
    path: ['secret'],
  });

export const clockSchema = z.strictObject({
  offsetMs: z
    .number()
    .int()
    .min(-10 * 365 * DAY_MS)
    .max(10 * 365 * DAY_MS),
});

export const cacheSchema = issuerPatchSchema.shape.cache.unwrap();
