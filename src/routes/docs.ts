// /openapi.yaml: the committed document, read once at start. /docs: the same
// document as one self-contained HTML page, rendered on first request (parsing
// half a megabyte of YAML should not slow every start, nor every test).
import { readFile } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import { parse } from 'yaml'
import { renderDocs, type OpenApiDocument } from '../docs/render.js'

export interface DocsRoutesOptions {
  /** The document to serve; by default openapi.yaml at the package root (beside src/ and dist/). */
  specFile?: URL | string
}

const DEFAULT_SPEC = new URL('../../openapi.yaml', import.meta.url)

export async function docsRoutes (app: FastifyInstance, { specFile = DEFAULT_SPEC }: DocsRoutesOptions = {}): Promise<void> {
  const yaml = await readFile(specFile, 'utf8')
  let html: string | undefined

  // application/yaml is YAML's registered media type (RFC 9512, 2024); text/yaml and
  // application/x-yaml are the unregistered names it replaced. It defines no charset
  // parameter: YAML is Unicode, and this file is UTF-8.
  app.get('/openapi.yaml', async (_request, reply) => reply.type('application/yaml').send(yaml))

  app.get('/docs', async (_request, reply) => {
    html ??= renderDocs(parse(yaml) as OpenApiDocument, 'openapi.yaml')
    return reply.type('text/html; charset=utf-8').send(html)
  })
}
