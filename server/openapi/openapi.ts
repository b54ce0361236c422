import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { capabilitiesOfActor, can, roles } from '../auth/rbac.ts';
import { csrfHeaderValue } from '../auth/csrf.ts';
import {
  apiRoutes,
  apiTags,
  namedSchemas,
  type ApiResponse,
  type ApiRoute,
  type ErrorStatus,
  type HttpMethod,
} from '../contract/api-routes.ts';
import type { CapabilityName, RoleName } from '../contract/auth.ts';
import type { ErrorBody, ErrorCode } from '../errors.ts';

/**
 * The console's API reference: an OpenAPI 3.1 document built from the route table
 * (`server/contract/api-routes.ts`) and the zod schemas the routes validate with, converted by
 * zod's own `z.toJSONSchema` (JSON Schema 2020-12, the dialect of OpenAPI 3.1). Request schemas
 * are converted as their input (what a client may send: defaults make a field optional), answers
 * as their output. Nothing here is written by hand but the prose, so the reference cannot
 * describe a field the server does not read or answer.
 */

type JsonSchema = z.core.JSONSchema.JSONSchema;
type Io = 'input' | 'output';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  style?: 'form';
  explode?: boolean;
  schema: JsonSchema;
}

export interface OpenApiMediaType {
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, OpenApiMediaType>;
}

/** Who may call an operation, in a form the docs page renders without parsing prose. */
export type OperationAccess =
  { capability: CapabilityName; roles: RoleName[]; tokens: boolean } | { open: string } | { metricsToken: string };

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: OpenApiParameter[];
  requestBody?: { required: boolean; content: Record<string, OpenApiMediaType> };
  responses: Record<string, OpenApiResponse>;
  'x-access': OperationAccess;
}

export interface OpenApiDocument {
  openapi: '3.1.1';
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, Record<string, string>>;
  };
}

const errorCodes = [
  'bad_request',
  'validation_failed',
  'purpose_required',
  'malformed_json',
  'payload_too_large',
  'unsupported_media_type',
  'unauthenticated',
  'invalid_signature',
  'stale_timestamp',
  'forbidden',
  'csrf_rejected',
  'not_found',
  'conflict',
  'view_name_taken',
  'view_limit_reached',
  'rate_limited',
  'database_unavailable',
  'not_ready',
  'upstream_error',
  'upstream_unavailable',
  'internal_error',
] as const satisfies readonly ErrorCode[];

/** `ErrorBody` of server/errors.ts as a schema (checked equal below), for every error answer. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string().describe('For people; may change. Act on `code`.'),
    details: z
      .unknown()
      .optional()
      .describe(
        'Per code: `issues` (path and message) for `validation_failed`, the fresh `session` for a decision conflict, `retryAfterSeconds` for `rate_limited`, `upstream: "didit"` when Didit is the cause.',
      ),
    requestId: z.string().optional().describe('The `X-Request-Id` of the request, for the logs.'),
  }),
});
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type _ErrorBodyMatches = Assert<Same<z.output<typeof errorBodySchema>, ErrorBody>>;

const errorText: Record<ErrorStatus, string> = {
  400: 'The request is not valid: `validation_failed` (with `details.issues`, a path and message per problem) or `malformed_json`.',
  401: 'Not signed in, the session has ended, or the API token is not valid (`unauthenticated`).',
  403: 'The caller’s role lacks the capability (`forbidden`).',
  404: 'Not found (`not_found`).',
  409: 'Conflicts with the current state (`conflict`).',
  413: 'The body is too large (`payload_too_large`).',
  415: 'The body is not JSON (`unsupported_media_type`).',
  429: 'Too many requests (`rate_limited`); `Retry-After` says when to try again.',
  502: 'Didit refused the console’s request (`upstream_error`).',
  503: 'Unavailable right now (`database_unavailable`, `upstream_unavailable` or `not_ready`); `Retry-After` says when to try again.',
};
/** `csrfHeader` of csrf.ts, as people write it. */
const csrfHeader = 'X-Requested-With';
const csrfText = ', or a request authenticated by the session cookie failed the CSRF check (`csrf_rejected`)';
const unsafeMethods = new Set<HttpMethod>(['post', 'put', 'patch', 'delete']);

export interface OpenApiOptions {
  /** `info.version`: the package version. */
  version: string;
  /** The session cookie's name (`sessionCookieName(publicUrl)`). */
  cookieName: string;
  /** Defaults to the console's route table. */
  routes?: readonly ApiRoute[];
}

/** The package version, for `info.version`. */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return z.object({ version: z.string() }).parse(JSON.parse(text)).version;
}

/**
 * Builds the document. Throws when the table contradicts itself (a path parameter without its
 * schema, a route listed twice), so a bad entry fails the tests rather than the page.
 */
export function buildOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const routes = options.routes ?? apiRoutes;
  const schemas = new SchemaConverter(new Map(Object.entries(namedSchemas)));
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is listed twice`);
    item[route.method] = operationOf(route, schemas);
  }
  const document: OpenApiDocument = {
    openapi: '3.1.1',
    info: { title: 'Didit review console API', version: options.version, description: describeApi(options.cookieName) },
    tags: apiTags.map(({ name, description }) => ({ name, description })),
    paths,
    components: {
      schemas: {},
      securitySchemes: {
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: options.cookieName,
          description: `The browser's session after signing in at \`/auth/login\`. Changes need the \`${csrfHeader}: ${csrfHeaderValue}\` header from the console's origin.`,
        },
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API token created by an admin (`POST /api/admin/tokens` or `npm run cli -- token create`); its role decides what it may do.',
        },
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The metrics token (`METRICS_TOKEN`), for `GET /metrics` only.',
        },
      },
    },
  };
  return schemas.finish(document);
}

function describeApi(cookieName: string): string {
  return [
    'The HTTP API of the Didit review console: the In Review queue, decisions, threshold tuning, sync health and the audit trail. Generated from the zod schemas the server validates with (`server/contract/`).',
    `**Authentication.** A browser signs in at \`/auth/login\` (OpenID Connect) and then sends the session cookie (\`${cookieName}\`). Requests that change something with the cookie must come from the console's own origin and carry \`${csrfHeader}: ${csrfHeaderValue}\` (CSRF defence). Automation sends \`Authorization: Bearer <token>\` with an API token an admin created; tokens need no CSRF header, and every request made with one is audited under the token's name.`,
    '**Roles.** viewer ⊂ analyst ⊂ lead ⊂ admin. Each operation names the capability it needs and the roles that hold it.',
    '**Errors** are JSON `{"error": {"code", "message", "details"?, "requestId"}}` with the HTTP status (`ErrorBody`). Request bodies are JSON, at most 100 kB (otherwise 415 or 413). Any operation may answer 503 `database_unavailable` with `Retry-After` while the database is unreachable. Answers under `/api` are `Cache-Control: no-store`.',
  ].join('\n\n');
}

/** `post /api/sessions/{id}/decision` → `postSessionsByIdDecision`: stable, unique per method and path. */
export function operationIdOf(method: HttpMethod, path: string): string {
  const words = path
    .replace(/^\/api(?=\/)/, '')
    .split(/[/.-]/)
    .filter((segment) => segment !== '')
    .flatMap((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      return param ? ['by', param] : [segment];
    });
  return method + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

function accessOf(route: ApiRoute): OperationAccess {
  const { access } = route;
  if ('open' in access) return { open: access.open };
  if ('metricsToken' in access) return { metricsToken: access.metricsToken };
  const tokenActor = { kind: 'token', id: '', label: '', role: 'admin' } as const;
  return {
    capability: access.capability,
    roles: roles.filter((role) => can(role, access.capability)),
    tokens: access.peopleOnly !== true && capabilitiesOfActor(tokenActor).includes(access.capability),
  };
}

/** Starts the paragraph of an operation's description that says who may call it. */
export const whoMayCallHeading = '**Who may call it:**';

function whoMayCall(access: OperationAccess): string {
  if ('open' in access) return `No sign-in: ${access.open}`;
  if ('metricsToken' in access) return access.metricsToken;
  const by = access.tokens ? 'a signed-in person or an API token' : 'a signed-in person (API tokens are refused)';
  return `Needs \`${access.capability}\`: ${by} with the role ${access.roles.join(', ')}.`;
}

function operationOf(route: ApiRoute, schemas: SchemaConverter): OpenApiOperation {
  const access = accessOf(route);
  const where = `${route.method.toUpperCase()} ${route.path}`;
  const parameters = [
    ...pathParameters(route, schemas),
    ...(route.query ? schemas.parameters(route.query, 'query', where) : []),
    ...(route.headers ? schemas.parameters(route.headers, 'header', where) : []),
  ];
  const csrfChecked = unsafeMethods.has(route.method) && /^\/(api|auth)\//.test(route.path) && !('metricsToken' in access);
  if (csrfChecked) {
    parameters.push({
      name: csrfHeader,
      in: 'header',
      required: false,
      description: `Required as \`${csrfHeaderValue}\` when the request is authenticated by the session cookie (CSRF defence); not needed with a bearer token.`,
      schema: { type: 'string', const: csrfHeaderValue },
    });
  }
  let requestBody: OpenApiOperation['requestBody'];
  if (route.body) {
    const schema = schemas.convert(route.body, 'input');
    // A body every field of which has a default may be left out (the handlers read `req.body ?? {}`).
    const required = (schema.required?.length ?? 0) > 0 || schema.$ref !== undefined;
    requestBody = { required, content: { 'application/json': { schema } } };
  }
  const responses: Record<string, OpenApiResponse> = {};
  for (const [status, response] of Object.entries(route.responses)) responses[status] = responseOf(response, schemas);
  for (const [status, text] of errorsOf(route, access, csrfChecked)) {
    responses[String(status)] ??= { description: text, content: { 'application/json': { schema: schemas.errorBody } } };
  }
  return {
    operationId: operationIdOf(route.method, route.path),
    summary: route.summary,
    description: [route.description, `${whoMayCallHeading} ${whoMayCall(access)}`].filter(Boolean).join('\n\n'),
    tags: [route.tag],
    security:
      'open' in access
        ? []
        : 'metricsToken' in access
          ? [{ metricsToken: [] }, {}]
          : access.tokens
            ? [{ sessionCookie: [] }, { bearerToken: [] }]
            : [{ sessionCookie: [] }],
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
    'x-access': access,
  };
}

/** Path parameters: exactly the `{name}`s of the path, each described by `params`. */
function pathParameters(route: ApiRoute, schemas: SchemaConverter): OpenApiParameter[] {
  const where = `${route.method.toUpperCase()} ${route.path}`;
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
  const declared = route.params ? schemas.parameters(route.params, 'path', where) : [];
  const byName = new Map(declared.map((parameter) => [parameter.name, parameter]));
  if (declared.length !== names.length || names.some((name) => !byName.has(name))) {
    throw new Error(`${where}: params must describe exactly ${names.map((name) => `{${name}}`).join(', ') || 'no parameters'}`);
  }
  return names.map((name) => ({ ...byName.get(name)!, required: true }));
}

function errorsOf(route: ApiRoute, access: OperationAccess, csrfChecked: boolean): [ErrorStatus, string][] {
  const implied = new Map<ErrorStatus, string>();
  if (route.params || route.query || route.body || route.headers) implied.set(400, errorText[400]);
  if ('capability' in access) {
    implied.set(401, errorText[401]);
    const tokens = access.tokens ? '' : ', or the caller is an API token';
    implied.set(403, `The caller’s role lacks \`${access.capability}\` (\`forbidden\`)${tokens}${csrfChecked ? csrfText : ''}.`);
  }
  for (const [status, text] of Object.entries(route.errors ?? {})) {
    const code = Number(status) as ErrorStatus;
    implied.set(code, text === true ? errorText[code] : text);
  }
  return [...implied.entries()];
}

function responseOf(response: ApiResponse, schemas: SchemaConverter): OpenApiResponse {
  const result: OpenApiResponse = { description: response.description };
  if (response.headers) {
    result.headers = Object.fromEntries(
      Object.entries(response.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
    );
  }
  if (response.schema || response.contentType) {
    const type = response.contentType ?? 'application/json';
    const schema: JsonSchema = response.schema
      ? schemas.convert(response.schema, 'output')
      : type === 'application/json'
        ? { type: 'object' }
        : { type: 'string' };
    result.content = { [type]: { schema } };
    for (const other of response.alsoAs ?? []) result.content[other] = { schema: { type: 'string' } };
  }
  return result;
}

const componentPrefix = '#/components/schemas/';
const inputMark = '__input';

/**
 * Converts zod schemas with `z.toJSONSchema`, collecting named schemas as components. A named
 * schema is converted once per direction; its request form keeps the plain name when it is the
 * same JSON as its answer form, and is `<name>Input` otherwise.
 */
class SchemaConverter {
  private readonly registry: NamedRegistry;
  private readonly found: Record<Io, Map<string, JsonSchema>> = { input: new Map(), output: new Map() };
  /** The reference every error answer's body is. */
  readonly errorBody: JsonSchema;

  constructor(names: ReadonlyMap<string, z.ZodType>) {
    const byName: [string, z.ZodType][] = [...names, ['ErrorBody', errorBodySchema]];
    this.registry = new NamedRegistry(new Map(byName.map(([name, schema]) => [schema, name])));
    this.errorBody = this.convert(errorBodySchema, 'output');
  }

  convert(schema: z.ZodType, io: Io): JsonSchema {
    const converted = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      metadata: this.registry,
      override: ({ zodSchema, jsonSchema }) => tidy(zodSchema, jsonSchema, io),
    });
    const { $schema: _dialect, $defs, ...root } = converted as JsonSchema;
    for (const [name, def] of Object.entries($defs ?? {})) {
      this.found[io].set(name, retarget(def, io));
    }
    return retarget(root, io);
  }

  /** One parameter per property of an object schema (as a client sends it). */
  parameters(schema: z.ZodType, location: OpenApiParameter['in'], where: string): OpenApiParameter[] {
    const json = this.convert(schema, 'input');
    if (json.type !== 'object' || !json.properties) throw new Error(`${where}: ${location} parameters need an object schema`);
    const required = new Set(json.required ?? []);
    return Object.entries(json.properties).map(([name, property]) => {
      const { description, ...rest } = typeof property === 'boolean' ? {} : property;
      return {
        name,
        in: location,
        required: location === 'path' || required.has(name),
        ...(description ? { description } : {}),
        // Lists travel as one comma-separated value (`warning=A,B`); repeating the name works too.
        ...(location === 'query' && rest.type === 'array' ? { style: 'form' as const, explode: false } : {}),
        schema: rest,
      };
    });
  }

  /** Names the request forms, fills `components.schemas` and points every reference at its component. */
  finish(document: OpenApiDocument): OpenApiDocument {
    const rename = new Map<string, string>();
    const components: Record<string, JsonSchema> = Object.fromEntries(this.found.output);
    for (const [name, input] of this.found.input) {
      const output = this.found.output.get(name);
      const final = output === undefined || canonical(output) === canonical(input) ? name : `${name}Input`;
      rename.set(`${componentPrefix}${name}${inputMark}`, `${componentPrefix}${final}`);
      components[final] = input;
    }
    const sorted = Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)));
    return mapRefs({ ...document, components: { ...document.components, schemas: sorted } }, (ref) => rename.get(ref) ?? ref);
  }
}

/** The registry zod reads metadata from: the global one (descriptions), plus component names. */
class NamedRegistry extends z.core.$ZodRegistry<z.core.GlobalMeta> {
  constructor(private readonly names: ReadonlyMap<z.core.$ZodType, string>) {
    super();
  }

  override get<S extends z.core.$ZodType>(schema: S): z.core.$replace<z.core.GlobalMeta, S> | undefined {
    const meta = z.globalRegistry.get(schema);
    const id = this.names.get(schema);
    return id === undefined ? meta : { ...meta, id };
  }
}

/**
 * Readability fixes on zod's output. An answer field that is transformed on the way in (an id
 * lowercased) is unrepresentable as output: it is described by what it accepts. A `format`
 * (date-time, uuid) says what zod's long equivalent `pattern` does.
 */
function tidy(zodSchema: z.core.$ZodType, json: JsonSchema, io: Io): void {
  const def = zodSchema._zod.def;
  const shapeless = !['type', '$ref', 'anyOf', 'oneOf', 'allOf', 'enum', 'const'].some((keyword) => keyword in json);
  if (io === 'output' && def.type === 'pipe' && shapeless) {
    const inner = (def as z.core.$ZodPipeDef).in;
    const { $schema: _dialect, ...accepted } = z.toJSONSchema(inner, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
    });
    Object.assign(json, { ...accepted, ...json });
  }
  if (typeof json.format === 'string' && typeof json.pattern === 'string') delete json.pattern;
}

function retarget(schema: JsonSchema, io: Io): JsonSchema {
  return mapRefs(schema, (ref) =>
    ref.startsWith('#/$defs/') ? `${componentPrefix}${ref.slice('#/$defs/'.length)}${io === 'input' ? inputMark : ''}` : ref,
  );
}

/** A copy of `value` with every `$ref` string passed through `map`. */
function mapRefs<T>(value: T, map: (ref: string) => string): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, child]) => [key, key === '$ref' && typeof child === 'string' ? map(child) : walk(child)]),
    );
  };
  return walk(value) as T;
}

/** JSON with sorted keys: two schemas that differ only in key order compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonical(child)}`).join(',')}}`;
}
