// Renders the OpenAPI document as one self-contained HTML page: no script,
// style or font from anywhere else, because the gateway runs on internal
// networks (see README, "API docs", for why not Swagger UI or Scalar).
// Operations are grouped by tag, each a <details> block; a few lines of
// inline script filter them as you type.
import { stringify } from 'yaml'
import { escapeHtml, inline, markdown } from './markdown.js'

type Json = Record<string, unknown>

interface Parameter { name: string, in: string, required?: boolean, description?: string, schema?: Json }
interface Operation {
  tags?: string[]
  operationId?: string
  summary?: string
  description?: string
  deprecated?: boolean
  externalDocs?: { url: string, description?: string }
  parameters?: Array<Parameter | { $ref: string }>
  requestBody?: { description?: string, content?: Record<string, { schema?: Json }> }
  responses?: Record<string, Json>
  'x-kgw-kucoin'?: { market: string, path: string, channel: string, permission: string | null, rateLimitPool: string, rateLimitWeight: number | null }
  'x-kgw-policy'?: string
}
export interface OpenApiDocument {
  info: { title: string, version: string, summary?: string, description?: string }
  tags?: Array<{ name: string, description?: string }>
  paths: Record<string, Json>
  components?: Json
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const

/** Follows a local `$ref` (`#/components/...`); anything else stays as it is. */
function resolve<T> (doc: OpenApiDocument, value: T | { $ref: string }): T {
  if (!value || typeof value !== 'object' || !('$ref' in value) || typeof value.$ref !== 'string') return value as T
  let node: unknown = doc
  for (const key of value.$ref.replace(/^#\//, '').split('/')) node = (node as Json | undefined)?.[key]
  return (node ?? value) as T
}

function anchor (text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-')
}

function typeOf (schema: Json | undefined): string {
  if (!schema) return ''
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop()!
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? (schema.const !== undefined ? JSON.stringify(schema.const) : 'any'))
  const items = type === 'array' ? ` of ${typeOf(schema.items as Json | undefined)}` : ''
  const values = Array.isArray(schema.enum) ? `: ${schema.enum.join(', ')}` : ''
  return type + items + values
}

function parametersTable (doc: OpenApiDocument, parameters: Operation['parameters']): string {
  if (!parameters?.length) return ''
  const rows = parameters.map(p => resolve(doc, p)).map(p =>
    `<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${p.in}</td><td>${escapeHtml(typeOf(p.schema))}</td><td>${markdown(p.description)}</td></tr>`)
  return `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function bodyTable (body: Operation['requestBody']): string {
  if (!body) return ''
  const [type, media] = Object.entries(body.content ?? {})[0] ?? []
  const schema = media?.schema
  const properties = (schema?.properties ?? {}) as Record<string, Json>
  const required = new Set(Array.isArray(schema?.required) ? schema.required as string[] : [])
  const rows = Object.entries(properties).map(([name, property]) =>
    `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${escapeHtml(typeOf(property))}</td><td>${markdown(property.description as string | undefined)}</td></tr>`)
  return `<h4>Body <small>${escapeHtml(type ?? '')}</small></h4>${markdown(body.description)}` +
    (rows.length ? `<table><thead><tr><th>field</th><th>type</th><th>description</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '')
}

function responsesTable (doc: OpenApiDocument, responses: Operation['responses']): string {
  const rows = Object.entries(responses ?? {}).map(([status, value]) => {
    const response = resolve<{ description?: string, content?: Record<string, { schema?: Json }> }>(doc, value)
    const content = Object.entries(response.content ?? {}).map(([type, media]) => {
      const ref = media.schema?.$ref
      const schema = typeof ref === 'string' ? `<a href="#schema-${anchor(ref.split('/').pop()!)}">${escapeHtml(ref.split('/').pop()!)}</a>` : escapeHtml(typeOf(media.schema))
      return `<code>${escapeHtml(type)}</code> ${schema}`
    }).join('<br>')
    return `<tr><td>${escapeHtml(status)}</td><td>${markdown(response.description)}</td><td>${content}</td></tr>`
  })
  return `<h4>Responses</h4><table><thead><tr><th>status</th><th>description</th><th>body</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function badges (op: Operation): string {
  const out: string[] = []
  const kucoin = op['x-kgw-kucoin']
  if (kucoin) out.push(`<span class="badge ${kucoin.channel}">${kucoin.channel}</span>`)
  if (op['x-kgw-policy'] && op['x-kgw-policy'] !== 'allowed') out.push(`<span class="badge ${op['x-kgw-policy']}">${escapeHtml(op['x-kgw-policy'])}</span>`)
  if (op.deprecated) out.push('<span class="badge deprecated">deprecated</span>')
  return out.join(' ')
}

function kucoinTable (op: Operation): string {
  const k = op['x-kgw-kucoin']
  if (!k) return ''
  const row = (name: string, value: unknown): string => `<tr><th>${name}</th><td>${escapeHtml(String(value ?? '—'))}</td></tr>`
  return `<h4>KuCoin</h4><table class="kv">${row('path', `${k.market} ${k.path}`)}${row('channel', k.channel)}${row('permission', k.permission)}` +
    `${row('rate-limit pool', k.rateLimitPool)}${row('weight', k.rateLimitWeight)}${row('gateway policy', op['x-kgw-policy'])}</table>`
}

function operationBlock (doc: OpenApiDocument, method: string, path: string, op: Operation, pathParameters: Operation['parameters']): string {
  const id = `op-${anchor(op.operationId ?? `${method}-${path}`)}`
  const search = escapeHtml(`${method} ${path} ${op.summary ?? ''} ${op.operationId ?? ''}`.toLowerCase())
  const docsLink = op.externalDocs && /^https?:\/\//.test(op.externalDocs.url)
    ? `<p><a href="${escapeHtml(op.externalDocs.url)}">${escapeHtml(op.externalDocs.description ?? op.externalDocs.url)}</a></p>`
    : ''
  return `<details class="op" id="${id}" data-search="${search}"><summary><span class="method ${method}">${method.toUpperCase()}</span> ` +
    `<code class="path">${escapeHtml(path)}</code> <span class="summary">${inline(op.summary ?? '')}</span> ${badges(op)}</summary>` +
    `<div class="body">${markdown(op.description)}${docsLink}${parametersTable(doc, [...(pathParameters ?? []), ...(op.parameters ?? [])])}` +
    `${bodyTable(op.requestBody)}${responsesTable(doc, op.responses)}${kucoinTable(op)}<p class="permalink"><a href="#${id}">link</a></p></div></details>`
}

/** Operations in tag order: declared tags first, as listed, then any others in order of appearance. */
function byTag (doc: OpenApiDocument): Map<string, string[]> {
  const sections = new Map<string, string[]>((doc.tags ?? []).map(tag => [tag.name, []]))
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined
      if (!op) continue
      const tag = op.tags?.[0] ?? 'other'
      if (!sections.has(tag)) sections.set(tag, [])
      sections.get(tag)!.push(operationBlock(doc, method, path, op, item.parameters as Operation['parameters']))
    }
  }
  return sections
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
header,main,nav{max-width:72rem;margin:0 auto;padding:0 1.5rem}
header{padding-top:1.5rem}
h1 small{font-weight:normal;color:#57606a;font-size:.6em}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.5rem}
nav ul{columns:3 14rem;padding-left:1.2rem}
#filter{width:100%;font:inherit;padding:.4rem .6rem;margin:.5rem 0;box-sizing:border-box}
details.op{border:1px solid #d0d7de;border-radius:6px;margin:.4rem 0}
details.op>summary{cursor:pointer;padding:.35rem .6rem;list-style-position:inside}
details.op .body{padding:0 1rem 1rem;border-top:1px solid #d0d7de}
.method{display:inline-block;min-width:4.2em;text-align:center;font:bold 12px monospace;color:#fff;border-radius:3px;padding:2px 0;background:#6e7781}
.get{background:#0969da}.post{background:#1a7f37}.put{background:#9a6700}.delete{background:#cf222e}.patch{background:#8250df}
.summary{color:#57606a}
.badge{font-size:11px;border-radius:10px;padding:1px 7px;border:1px solid #d0d7de;color:#57606a}
.private{border-color:#9a6700;color:#9a6700}.denied{border-color:#cf222e;color:#cf222e}
.needs-trading-enabled{border-color:#bc4c00;color:#bc4c00}.deprecated{text-decoration:line-through}
.req{font-size:11px;color:#cf222e}
table{border-collapse:collapse;margin:.5rem 0;font-size:14px}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
td p{margin:0}
code{font:13px ui-monospace,monospace;background:#f6f8fa;padding:0 .2em;border-radius:3px}
pre{background:#f6f8fa;padding:.75rem;overflow:auto;font-size:13px}
.permalink{font-size:12px}
`

// Inline, so the page needs nothing but itself; without it every operation still shows.
const SCRIPT = `
const input = document.getElementById('filter')
input.addEventListener('input', () => {
  const words = input.value.toLowerCase().split(/\\s+/).filter(Boolean)
  for (const op of document.querySelectorAll('details.op')) op.hidden = !words.every(w => op.dataset.search.includes(w))
  for (const section of document.querySelectorAll('section.tag')) section.hidden = !section.querySelector('details.op:not([hidden])')
})
`

export function renderDocs (doc: OpenApiDocument, specHref = 'openapi.yaml'): string {
  const sections = [...byTag(doc)].filter(([, ops]) => ops.length > 0)
  const descriptions = new Map((doc.tags ?? []).map(tag => [tag.name, tag.description]))
  const nav = sections.map(([tag, ops]) => `<li><a href="#tag-${anchor(tag)}">${escapeHtml(tag)}</a> <small>(${ops.length})</small></li>`).join('')
  const body = sections.map(([tag, ops]) =>
    `<section class="tag" id="tag-${anchor(tag)}"><h2>${escapeHtml(tag)}</h2>${markdown(descriptions.get(tag))}${ops.join('\n')}</section>`).join('\n')
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Record<string, Json>).map(([name, schema]) =>
    `<details class="schema" id="schema-${anchor(name)}"><summary><code>${escapeHtml(name)}</code></summary>${markdown(schema.description as string | undefined)}<pre>${escapeHtml(stringify(schema, { lineWidth: 0 }))}</pre></details>`).join('\n')
  const { title, version, summary, description } = doc.info
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} ${escapeHtml(version)} API</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(title)} <small>${escapeHtml(version)} · OpenAPI</small></h1><p>${inline(summary ?? '')}</p>
<p>The document: <a href="${escapeHtml(specHref)}">openapi.yaml</a>.</p>${markdown(description)}</header>
<nav><input id="filter" type="search" placeholder="Filter operations: method, path, words of the summary" aria-label="Filter operations"><ul>${nav}<li><a href="#schemas">schemas</a></li></ul></nav>
<main>${body}
<section id="schemas"><h2>Schemas</h2>${schemas}</section></main>
<script>${SCRIPT}</script></body></html>
`
}
