import type { z } from 'zod';
import { escapeHtml } from '../auth/pages.ts';
import {
  whoMayCallHeading,
  type OpenApiDocument,
  type OpenApiOperation,
  type OpenApiParameter,
  type OpenApiResponse,
  type OperationAccess,
} from './openapi.ts';

/**
 * `GET /api/docs`: the OpenAPI document as one readable page, rendered on the server. No script,
 * nothing from another origin, so the console's CSP applies unchanged (the `<style>` block is
 * allowed by helmet's default `style-src 'unsafe-inline'`, as for the sign-in pages). Every text
 * from the document is escaped before it is placed, descriptions included: their little Markdown
 * (`code`, **bold**) is applied to the escaped text.
 */

type JsonSchema = z.core.JSONSchema.JSONSchema;

const maxDepth = 8;
const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  method: (typeof methods)[number];
  path: string;
  op: OpenApiOperation;
}

/** The page for `document`. */
export function renderApiDocs(document: OpenApiDocument): string {
  const byTag = new Map<string, Operation[]>(document.tags.map((tag) => [tag.name, []]));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of methods) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags[0] ?? 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)?.push({ method, path, op });
    }
  }
  const tagText = new Map(document.tags.map((tag) => [tag.name, tag.description]));
  const sections = [...byTag].filter(([, operations]) => operations.length > 0);
  const schemaNames = Object.keys(document.components.schemas);

  const contents = sections
    .map(
      ([tag, operations]) => `<li><a href="#${anchor('tag', tag)}">${escapeHtml(tag)}</a>
<ul>${operations.map(({ method, path, op }) => `<li><a href="#${anchor('op', op.operationId)}">${methodBadge(method)} <span>${escapeHtml(path)}</span></a></li>`).join('')}</ul></li>`,
    )
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · Review console</title>
<link rel="icon" href="data:,">
<style>${styles}</style>
</head>
<body>
<header class="top">
<h1>${escapeHtml(document.info.title)} <span class="version">${escapeHtml(document.info.version)}</span></h1>
<p class="links"><a href="/api/openapi.json">OpenAPI ${escapeHtml(document.openapi)} document (JSON)</a> · <a href="/">Back to the console</a></p>
</header>
<div class="layout">
<nav aria-label="Contents">
<h2>Contents</h2>
<ul class="toc">
${contents}
<li><a href="#schemas">Schemas</a>
<ul>${schemaNames.map((name) => `<li><a href="#${anchor('schema', name)}">${escapeHtml(name)}</a></li>`).join('')}</ul></li>
</ul>
</nav>
<main>
<section class="intro">${prose(document.info.description)}</section>
${sections
  .map(
    ([tag, operations]) => `<section id="${anchor('tag', tag)}">
<h2>${escapeHtml(tag)}</h2>
${prose(tagText.get(tag) ?? '')}
${operations.map(renderOperation).join('\n')}
</section>`,
  )
  .join('\n')}
<section id="schemas">
<h2>Schemas</h2>
<p>Shapes used by several operations; a link to one of them in an operation stands for the whole shape.</p>
${schemaNames
  .map(
    (name) => `<article class="schema" id="${anchor('schema', name)}">
<h3>${escapeHtml(name)}</h3>
${renderSchemaBlock(document.components.schemas[name] ?? {})}
</article>`,
  )
  .join('\n')}
</section>
</main>
</div>
</body>
</html>
`;
}

function renderOperation({ method, path, op }: Operation): string {
  const parameters = op.parameters.length > 0 ? `<h4>Parameters</h4>\n${renderParameters(op.parameters)}` : '';
  const body = op.requestBody
    ? `<h4>Request body ${op.requestBody.required ? '<span class="req">required</span>' : '<span class="opt">optional</span>'}</h4>
${renderContent(op.requestBody.content)}`
    : '';
  return `<article class="op" id="${anchor('op', op.operationId)}">
<h3>${methodBadge(method)} <code class="path">${escapeHtml(path)}</code></h3>
<p class="summary">${escapeHtml(op.summary)}</p>
${renderAccess(op['x-access'])}
${prose(op.description.split(whoMayCallHeading)[0] ?? '')}
${parameters}
${body}
<h4>Responses</h4>
<dl class="responses">
${Object.entries(op.responses)
  .map(([status, response]) => renderResponse(status, response))
  .join('\n')}
</dl>
</article>`;
}

function renderAccess(access: OperationAccess): string {
  let text: string;
  if ('capability' in access) {
    const tokens = access.tokens
      ? 'People signed in with the console, or API tokens'
      : 'People signed in with the console (not API tokens)';
    text = `${inline(`\`${access.capability}\``)}: ${tokens}, with the role ${access.roles.map((role) => `<strong>${escapeHtml(role)}</strong>`).join(', ')}.`;
  } else if ('open' in access) {
    text = `No sign-in. ${inline(access.open)}`;
  } else {
    text = inline(access.metricsToken);
  }
  return `<p class="access"><span class="label">Who may call it</span> ${text}</p>`;
}

function renderParameters(parameters: OpenApiParameter[]): string {
  const rows = parameters.map(
    (parameter) => `<tr>
<td><code>${escapeHtml(parameter.name)}</code></td>
<td>${escapeHtml(parameter.in)}</td>
<td>${typeOf(parameter.schema)}</td>
<td>${parameter.required ? '<span class="req">required</span>' : '<span class="opt">optional</span>'}</td>
<td>${[parameter.description ? inline(parameter.description) : '', constraints(parameter.schema)].filter(Boolean).join(' ')}</td>
</tr>`,
  );
  return `<table class="params">
<thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead>
<tbody>${rows.join('')}</tbody>
</table>`;
}

function renderResponse(status: string, response: OpenApiResponse): string {
  const headers = Object.entries(response.headers ?? {})
    .map(([name, header]) => `<li>Header <code>${escapeHtml(name)}</code>: ${inline(header.description)}</li>`)
    .join('');
  const content = renderContent(response.content ?? {});
  const kind = status.startsWith('2') || status.startsWith('3') ? 'ok' : 'err';
  return `<dt><span class="status ${kind}">${escapeHtml(status)}</span> ${inline(response.description)}</dt>
<dd>${headers ? `<ul class="headers">${headers}</ul>` : ''}${content}</dd>`;
}

/** Each content type of a body with its schema; a named schema is a link on the same line. */
function renderContent(content: Record<string, { schema: JsonSchema }>): string {
  return Object.entries(content)
    .map(([type, { schema }]) =>
      schema.$ref !== undefined && Object.keys(schema).length === 1
        ? `<p class="ctype">${escapeHtml(type)} · ${refLink(schema.$ref)}</p>`
        : `<p class="ctype">${escapeHtml(type)}</p>\n${renderSchemaBlock(schema)}`,
    )
    .join('\n');
}

/** A schema at the top of a body: a link to its component, or its properties, or its type. */
function renderSchemaBlock(schema: JsonSchema): string {
  const description = schema.description ? prose(schema.description) : '';
  const nested = children(schema, 0);
  if (nested) return `${description}${nested}`;
  return `${description}<p class="type">${typeOf(schema)} ${constraints(schema)}</p>`;
}

/** The nested list under a schema: an object's properties, an array's item properties, a union's branches. */
function children(schema: JsonSchema, depth: number): string {
  if (depth >= maxDepth || schema.$ref !== undefined) return '';
  if (schema.properties) return renderProperties(schema, depth);
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) return children(schema.items, depth);
  const branches = (schema.oneOf ?? schema.anyOf ?? []).filter((branch) => branch.type !== 'null');
  const expandable = branches.filter((branch) => branch.properties || branch.oneOf || branch.anyOf || branch.items);
  if (expandable.length === 0) return '';
  if (branches.length === 1 && expandable[0]) return children(expandable[0], depth);
  return `<ol class="branches">${branches
    .map((branch) => `<li><span class="label">One of</span> ${typeOf(branch)}${children(branch, depth + 1)}</li>`)
    .join('')}</ol>`;
}

function renderProperties(schema: JsonSchema, depth: number): string {
  const required = new Set(schema.required ?? []);
  const items = Object.entries(schema.properties ?? {}).map(([name, value]) => {
    const property: JsonSchema = typeof value === 'boolean' ? {} : value;
    const details = [property.description ? inline(property.description) : '', constraints(property)].filter(Boolean).join(' ');
    return `<li><code class="name">${escapeHtml(name)}</code> <span class="type">${typeOf(property)}</span> ${
      required.has(name) ? '<span class="req">required</span>' : '<span class="opt">optional</span>'
    }${details ? ` <span class="desc">${details}</span>` : ''}${children(property, depth + 1)}</li>`;
  });
  const map = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  const extra =
    map && Object.keys(map).length > 0
      ? `<li><span class="label">Any other key</span> ${typeOf(map)}${children(map, depth + 1)}</li>`
      : '';
  return `<ul class="props">${items.join('')}${extra}</ul>`;
}

/** A short type label: `string`, `integer or null`, `array of QueueItem`, `"a" | "b"`, `map of "x" | "y" → number`. */
function typeOf(schema: JsonSchema): string {
  if (schema.$ref !== undefined) return refLink(schema.$ref);
  if (schema.const !== undefined) return `<code>${escapeHtml(JSON.stringify(schema.const))}</code>`;
  if (schema.enum) return schema.enum.map((value) => `<code>${escapeHtml(JSON.stringify(value))}</code>`).join(' | ');
  const union = schema.oneOf ?? schema.anyOf;
  if (union) return union.map((branch) => typeOf(branch)).join(' or ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const labels = types.map((type) => {
    if (type === 'array') {
      const items = schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items) ? schema.items : undefined;
      return `array of ${items ? typeOf(items) : 'any'}`;
    }
    if (type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
      const keys = typeof schema.propertyNames === 'object' ? typeOf(schema.propertyNames) : 'string';
      return `map of ${keys} → ${typeOf(schema.additionalProperties)}`;
    }
    if (type === 'string' && schema.format) return `string (${escapeHtml(schema.format)})`;
    return escapeHtml(type);
  });
  return labels.length > 0 ? labels.join(' or ') : 'any';
}

/** Limits and defaults worth a reader's eye. */
function constraints(schema: JsonSchema): string {
  const parts: string[] = [];
  const range = (low: unknown, high: unknown, unit: string) => {
    const safe = (value: unknown) => typeof value === 'number' && Math.abs(value) < Number.MAX_SAFE_INTEGER;
    if (safe(low) && safe(high)) parts.push(`${unit}${String(low)}–${String(high)}`);
    else if (safe(low)) parts.push(`${unit}at least ${String(low)}`);
    else if (safe(high)) parts.push(`${unit}at most ${String(high)}`);
  };
  range(schema.minimum ?? schema.exclusiveMinimum, schema.maximum ?? schema.exclusiveMaximum, '');
  range(schema.minLength, schema.maxLength, 'length ');
  range(schema.minItems, schema.maxItems, 'items ');
  if (schema.pattern) parts.push(`pattern <code>${escapeHtml(schema.pattern)}</code>`);
  if (schema.default !== undefined) parts.push(`default <code>${escapeHtml(JSON.stringify(schema.default))}</code>`);
  return parts.length > 0 ? `<span class="limits">(${parts.join('; ')})</span>` : '';
}

function refLink(ref: string): string {
  const name = ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : ref;
  return `<a href="#${anchor('schema', name)}">${escapeHtml(name)}</a>`;
}

function methodBadge(method: string): string {
  return `<span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span>`;
}

/** An id attribute: letters, digits and dashes only, whatever the name. */
function anchor(kind: string, name: string): string {
  return `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/** Escaped text with `code` and **bold** applied. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/** Paragraphs (blank-line separated) of `inline` text. */
function prose(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => `<p>${inline(paragraph)}</p>`)
    .join('\n');
}

const styles = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #fff; --text: #14181f; --muted: #5b6472; --line: #d9dee5; --link: #0b57d0; --code: #eef1f5;
  --get: #1f6f43; --post: #0b57d0; --put: #8a5a00; --patch: #8a5a00; --delete: #b3261e; --ok: #1f6f43; --err: #b3261e;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; font-size: 15px; line-height: 1.45;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1319; --panel: #161b22; --text: #e8ebf0; --muted: #9aa4b2; --line: #2d3540; --link: #7cacf8; --code: #222a35;
    --get: #6fcf97; --post: #7cacf8; --put: #e6b450; --patch: #e6b450; --delete: #f28b82; --ok: #6fcf97; --err: #f28b82; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--link); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; background: var(--code); padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
.top { padding: 16px 24px; border-bottom: 1px solid var(--line); background: var(--panel); }
.top h1 { margin: 0; font-size: 1.35rem; }
.version { color: var(--muted); font-weight: normal; font-size: 0.9rem; }
.links { margin: 4px 0 0; }
.layout { display: grid; grid-template-columns: minmax(220px, 300px) 1fr; gap: 24px; padding: 16px 24px; }
nav { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow-y: auto; font-size: 0.85rem; padding-bottom: 24px; }
nav h2 { font-size: 1rem; }
.toc, .toc ul { list-style: none; margin: 0; padding: 0; }
.toc > li { margin-bottom: 10px; font-weight: 600; }
.toc ul li { font-weight: normal; margin: 2px 0; }
.toc ul a { display: flex; gap: 6px; align-items: baseline; overflow-wrap: anywhere; }
.toc a { text-decoration: none; }
.toc .method { flex: none; }
.toc a:hover, .toc a:focus-visible { text-decoration: underline; }
main { min-width: 0; }
main > section > h2 { border-bottom: 2px solid var(--line); padding-bottom: 4px; margin-top: 32px; }
.op, .schema { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.op h3, .schema h3 { margin: 0 0 4px; font-size: 1.05rem; }
.op h4 { margin: 12px 0 4px; font-size: 0.95rem; }
.path { font-size: 1rem; background: none; padding: 0; }
.summary { margin: 0 0 8px; font-weight: 600; }
.method { display: inline-block; min-width: 3.6em; text-align: center; font-family: ui-monospace, monospace; font-size: 0.75rem; font-weight: 700; color: var(--panel); border-radius: 3px; padding: 1px 4px; }
.method.get { background: var(--get); } .method.post { background: var(--post); } .method.put, .method.patch { background: var(--put); } .method.delete { background: var(--delete); }
.access { margin: 4px 0 8px; }
.label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; margin-right: 4px; }
table.params { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
table.params th, table.params td { text-align: left; vertical-align: top; border-top: 1px solid var(--line); padding: 4px 8px 4px 0; }
table.params td:first-child, table.params td:nth-child(4) { white-space: nowrap; }
.props, .branches { margin: 2px 0 2px 4px; padding-left: 16px; border-left: 1px solid var(--line); font-size: 0.9rem; }
.props li, .branches li { margin: 3px 0; }
.type { color: var(--muted); }
.req { color: var(--err); font-size: 0.8rem; }
.opt { color: var(--muted); font-size: 0.8rem; }
.limits { color: var(--muted); font-size: 0.85rem; }
.ctype { margin: 4px 0; color: var(--muted); font-size: 0.8rem; }
.responses dt { margin-top: 8px; }
.responses dd { margin: 0 0 0 12px; }
.status { font-family: ui-monospace, monospace; font-weight: 700; }
.status.ok { color: var(--ok); } .status.err { color: var(--err); }
.headers { margin: 2px 0; padding-left: 16px; font-size: 0.9rem; }
@media (max-width: 800px) { .layout { grid-template-columns: 1fr; } nav { position: static; max-height: none; } }
`;
