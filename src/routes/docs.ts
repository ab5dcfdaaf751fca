// /openapi.yaml: the committed document, read once at start. /docs: Swagger UI
// (@fastify/swagger-ui, whose package ships every script, style and font it
// loads) over the same document, with "Try it out" against this gateway.
//
// Parsing half a megabyte of YAML takes a second on a busy machine, which
// neither every start nor every test should pay: @fastify/swagger is given an
// empty document object and serves that same object, which is filled in on the
// first request for it (/docs/json, /docs/yaml).
import { readFile } from 'node:fs/promises'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { parse } from 'yaml'

export interface DocsRoutesOptions {
  /** The document to serve; by default openapi.yaml at the package root (beside src/ and dist/). */
  specFile?: URL | string
}

const DEFAULT_SPEC = new URL('../../openapi.yaml', import.meta.url)

// Only this gateway's own origin and inline styles and images; Swagger UI's validator badge is off (validatorUrl null).
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'"
].join('; ')

type Document = Record<string, unknown>

/** The document as /docs shows it: "Try it out" calls the gateway that served the page, whatever its address. */
export function forSwaggerUi (doc: Document): Document {
  return { ...doc, servers: [{ url: '/', description: 'this gateway (the page\'s own origin)' }] }
}

export async function docsRoutes (app: FastifyInstance, { specFile = DEFAULT_SPEC }: DocsRoutesOptions = {}): Promise<void> {
  const yaml = await readFile(specFile, 'utf8')
  const document: Document = {}
  const fill = (): void => {
    if (Object.keys(document).length === 0) Object.assign(document, forSwaggerUi(parse(yaml) as Document))
  }

  // application/yaml is YAML's registered media type (RFC 9512, 2024); text/yaml and
  // application/x-yaml are the unregistered names it replaced. It defines no charset
  // parameter: YAML is Unicode, and this file is UTF-8.
  app.get('/openapi.yaml', async (_request, reply) => reply.type('application/yaml').send(yaml))

  await app.register(swagger, { mode: 'static', specification: { document: document as never } }) // filled in by fill()
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: CSP,
    validatorUrl: false,
    uiHooks: { onRequest: async request => { if (/\/(json|yaml)$/.test(request.url.split('?', 1)[0]!)) fill() } },
    theme: { title: 'kucoin-gateway API' },
    uiConfig: {
      // 250 operations: start collapsed, filter by tag, and keep the schema dump out of the way
      // (each operation shows its own request and response shapes and an example value).
      docExpansion: 'none',
      filter: true,
      defaultModelsExpandDepth: -1,
      displayOperationId: true,
      displayRequestDuration: true,
      showExtensions: true,
      tryItOutEnabled: false
    }
  })
}
