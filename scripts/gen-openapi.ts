// Writes the generated regions of openapi.yaml: every KuCoin operation the
// proxy knows (from the endpoint catalog, with the policy src/policy.ts
// applies to it), their tags, and the problem type table (from
// src/errors.ts). Summaries, parameters and body fields come from KuCoin's
// spec (../shared/kucoin/spec, or --spec <dir>). Everything outside the
// `# >>> generated` / `# <<< generated` markers is hand-written and kept.
//
// Usage: tsx scripts/gen-openapi.ts [--check] [--spec <dir>]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { root, specArgs } from './lib/args.js'
import { parse, stringify } from 'yaml'
import { ERROR_KINDS, PROBLEM_TYPE_PREFIX } from '../src/errors.js'
import { Catalog, type Endpoint, type Market } from '../src/kucoin/catalog.js'
import { decide } from '../src/policy.js'

const { check, apiDir } = specArgs()
const OUT = join(root, 'openapi.yaml')

type Json = Record<string, unknown>
interface SpecParameter { name: string, in: string, required?: boolean, description?: string, schema?: Json }
interface SpecOperation {
  summary?: string
  description?: string
  parameters?: SpecParameter[]
  requestBody?: { content: Record<string, { schema: Json }> }
  'x-api-doc'?: string
  'x-domain'?: string
  'x-original-method'?: string
}

/** `<market> <METHOD> <path>` → the spec's operation, keyed like the catalog. */
function loadSpec (): Map<string, SpecOperation> {
  if (!existsSync(apiDir)) throw new Error(`spec not found at ${apiDir} (pass --spec <dir>)`)
  const ops = new Map<string, SpecOperation>()
  for (const file of readdirSync(apiDir).filter(f => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(readFileSync(join(apiDir, file), 'utf8')) as { paths: Record<string, Record<string, SpecOperation>> }
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const market = String(op['x-domain']).toLowerCase()
        ops.set(`${market} ${(op['x-original-method'] ?? method).toUpperCase()} ${path}`, op)
      }
    }
  }
  return ops
}

/** The proxy has two prefixes; broker endpoints live on the spot host. */
function gatewayMarket (endpoint: Endpoint): Market {
  return endpoint.market === 'futures' ? 'futures' : 'spot'
}

type PolicyLabel = 'allowed' | 'needs-trading-enabled' | 'denied'

/** What src/policy.ts does with the call, with and without KGW_TRADING_ENABLED. */
function policyOf (catalog: Catalog, endpoint: Endpoint): { label: PolicyLabel, reason?: string } {
  const ask = (tradingEnabled: boolean): ReturnType<typeof decide> =>
    decide(catalog, { tradingEnabled, hasCredentials: true }, gatewayMarket(endpoint), endpoint.method, endpoint.path)
  const off = ask(false)
  if (off.allow) return { label: 'allowed' }
  const on = ask(true)
  return on.allow ? { label: 'needs-trading-enabled', reason: off.reason } : { label: 'denied', reason: on.reason }
}

/** First paragraph only: the spec's long descriptions belong on KuCoin's own pages (linked). */
function firstParagraph (text: string | undefined): string | undefined {
  const paragraph = text?.trim().split(/\n\s*\n/)[0]?.trim()
  return paragraph || undefined
}

const SCHEMA_KEYS = ['type', 'format', 'enum', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength']

/** The spec's schemas carry SDK-only keys (`x-api-enum`, array-valued `example`); keep the validating ones. */
function cleanSchema (schema: Json | undefined, depth = 0): Json {
  if (!schema) return {}
  const out: Json = {}
  for (const key of SCHEMA_KEYS) if (schema[key] !== undefined) out[key] = schema[key]
  const description = depth > 0 ? firstParagraph(schema.description as string | undefined) : undefined
  if (description) out.description = description
  if (schema.items && typeof schema.items === 'object') out.items = cleanSchema(schema.items as Json, depth + 1)
  // Top-level body fields are documented; deeper structure is on KuCoin's page.
  if (schema.properties && typeof schema.properties === 'object' && depth < 2) {
    out.properties = Object.fromEntries(Object.entries(schema.properties as Record<string, Json>)
      .map(([name, property]) => [name, cleanSchema(property, depth + 1)]))
    if (Array.isArray(schema.required) && schema.required.length > 0) out.required = schema.required
  }
  return out
}

function describe (endpoint: Endpoint, policy: { label: PolicyLabel, reason?: string }, spec: SpecOperation | undefined): string {
  const access = endpoint.channel === 'private'
    ? `**Private**: signed with the gateway's key (401 \`urn:kgw:credentials-missing\` when it has none); KuCoin permission \`${endpoint.permission ?? 'General'}\`.`
    : '**Public**: sent unsigned.'
  const weight = endpoint.weight === null ? 'weight not given by KuCoin' : `weight ${endpoint.weight}`
  const rules = {
    allowed: 'Policy: **allowed**.',
    'needs-trading-enabled': 'Policy: **needs `KGW_TRADING_ENABLED=true`**, else 403 `urn:kgw:endpoint-denied`.',
    denied: 'Policy: **denied**, always 403 `urn:kgw:endpoint-denied`; never sent to KuCoin.'
  }
  const lines = [access, `Rate limit: pool \`${endpoint.pool}\`, ${weight}.`, rules[policy.label]]
  if (policy.label === 'denied' && policy.reason) lines.push(`(${policy.reason}.)`)
  if (endpoint.market === 'broker') lines.push('A broker endpoint, served by the spot host.')
  const text = firstParagraph(spec?.description)
  return [lines.join(' '), ...(text && text !== spec?.summary ? [text] : [])].join('\n\n') + '\n'
}

interface Generated {
  paths: Record<string, Record<string, Json>>
  tags: Array<{ name: string, description: string }>
}

/** Templates that differ only in parameter names are one OpenAPI path; the first spelling wins. */
function pathKey (prefix: string, path: string, seen: Map<string, string>): { key: string, rename: Map<string, string> } {
  const shape = prefix + path.replace(/\{[^}]+\}/g, '{}')
  const key = seen.get(shape) ?? prefix + path
  seen.set(shape, key)
  const names = (p: string): string[] => [...p.matchAll(/\{([^}]+)\}/g)].map(m => m[1]!)
  const ours = names(path)
  const theirs = names(key)
  return { key, rename: new Map(ours.map((name, i) => [name, theirs[i]!])) }
}

function generate (catalog: Catalog, spec: Map<string, SpecOperation>, handWritten: Record<string, Json>): Generated {
  const paths: Generated['paths'] = {}
  const tags = new Map<string, Set<string>>()
  const shapes = new Map<string, string>()
  const endpoints = [...catalog.endpoints].sort((a, b) =>
    gatewayMarket(a).localeCompare(gatewayMarket(b)) || a.path.localeCompare(b.path) || a.method.localeCompare(b.method))
  for (const endpoint of endpoints) {
    const prefix = `/${gatewayMarket(endpoint)}`
    const method = endpoint.method.toLowerCase()
    const handItem = handWritten[prefix + endpoint.path]
    if (handItem) {
      // The gateway answers this one itself (bullet); the hand-written entry documents it.
      if (!(method in handItem)) throw new Error(`${endpoint.method} ${prefix}${endpoint.path}: the path is hand-written but this method is not`)
      continue
    }
    const op = spec.get(`${endpoint.market} ${endpoint.method} ${endpoint.path}`)
    if (!op) throw new Error(`${endpoint.market} ${endpoint.method} ${endpoint.path} is in the catalog but not in the spec (npm run gen first)`)
    const { key, rename } = pathKey(prefix, endpoint.path, shapes)
    const tag = `kucoin ${endpoint.service}`
    tags.set(tag, (tags.get(tag) ?? new Set()).add(prefix))
    const policy = policyOf(catalog, endpoint)
    const parameters = (op.parameters ?? []).filter(p => p.in === 'path' || p.in === 'query').map(p => ({
      name: p.in === 'path' ? rename.get(p.name) ?? p.name : p.name,
      in: p.in,
      required: p.in === 'path' ? true : p.required === true,
      ...(firstParagraph(p.description) ? { description: firstParagraph(p.description) } : {}),
      schema: cleanSchema(p.schema, 1)
    }))
    const body = op.requestBody?.content['application/json']?.schema
    const operation: Json = {
      tags: [tag],
      operationId: `kucoin.${endpoint.service}.${endpoint.name}`,
      summary: op.summary?.trim() || endpoint.name,
      description: describe(endpoint, policy, op),
      ...(endpoint.deprecated ? { deprecated: true } : {}),
      ...(op['x-api-doc'] ? { externalDocs: { description: 'KuCoin\'s documentation', url: op['x-api-doc'] } } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: cleanSchema(body) } } } } : {}),
      responses: policy.label === 'denied'
        ? { 403: { $ref: '#/components/responses/Problem' } }
        : { 200: { $ref: '#/components/responses/KucoinSuccess' }, '4XX': { $ref: '#/components/responses/Problem' }, '5XX': { $ref: '#/components/responses/Problem' } },
      'x-kgw-kucoin': {
        market: endpoint.market,
        path: endpoint.path,
        channel: endpoint.channel,
        permission: endpoint.permission,
        rateLimitPool: endpoint.pool,
        rateLimitWeight: endpoint.weight,
        sdkMethod: endpoint.name
      },
      'x-kgw-policy': policy.label
    }
    const item = paths[key] ?? {}
    if (item[method]) throw new Error(`two catalog operations map to ${endpoint.method} ${key}`)
    item[method] = operation
    paths[key] = item
  }
  return {
    paths,
    tags: [...tags].sort(([a], [b]) => a.localeCompare(b)).map(([name, prefixes]) => ({
      name,
      description: `KuCoin operations from the spec's \`openapi-${name.replace('kucoin ', '')}.json\`, proxied under ${[...prefixes].sort().map(p => `\`${p}\``).join(' and ')}.`
    }))
  }
}

function problemType (): Json {
  const rows = Object.entries(ERROR_KINDS).map(([kind, { status, title }]) => `| \`${PROBLEM_TYPE_PREFIX}${kind}\` | ${status} | ${title} |`)
  return {
    type: {
      type: 'string',
      description: ['`urn:kgw:<kind>`, stable: switch on it. Each type has one HTTP status and title:', '',
        '| type | status | title |', '|---|---|---|', ...rows].join('\n') + '\n',
      enum: Object.keys(ERROR_KINDS).map(kind => PROBLEM_TYPE_PREFIX + kind)
    }
  }
}

const REGION = /^( *)# >>> generated: ([\w-]+)[^\n]*\n[\s\S]*?^ *# <<< generated: \2\n/gm

function regionText (indent: string, name: string, value: unknown): string {
  const body = stringify(value, { lineWidth: 0, indent: 2, blockQuote: 'literal' })
    .split('\n').map(line => line ? indent + line : line).join('\n')
  return `${indent}# >>> generated: ${name} (scripts/gen-openapi.ts; do not edit, run npm run gen)\n${body}${indent}# <<< generated: ${name}\n`
}

function main (): void {
  const current = readFileSync(OUT, 'utf8')
  const handWritten = parse(current.replace(REGION, '')) as { paths: Record<string, Json> }
  const generated = generate(new Catalog(), loadSpec(), handWritten.paths)
  const values: Record<string, unknown> = { 'kucoin-tags': generated.tags, 'kucoin-operations': generated.paths, 'problem-types': problemType() }
  const found = new Set<string>()
  const next = current.replace(REGION, (_match, indent: string, name: string) => {
    if (!(name in values)) throw new Error(`openapi.yaml has an unknown generated region ${name}`)
    found.add(name)
    return regionText(indent, name, values[name])
  })
  const missing = Object.keys(values).filter(name => !found.has(name))
  if (missing.length > 0) throw new Error(`openapi.yaml lacks the generated region(s) ${missing.join(', ')}`)
  const count = Object.values(generated.paths).reduce((n, item) => n + Object.keys(item).length, 0)
  if (check) {
    if (next !== current) {
      console.error('stale: openapi.yaml (run npm run gen)')
      process.exit(1)
    }
    console.log(`openapi.yaml: ${count} KuCoin operations, up to date`)
  } else {
    writeFileSync(OUT, next)
    console.log(`openapi.yaml: ${count} KuCoin operations, written`)
  }
}

main()
