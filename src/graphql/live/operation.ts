// What a subscribe message asks, prepared once and reduced to the key of its
// group: subscriptions whose results are identical by construction share one
// execution per event. Identical means the same normalised document (printed
// from its AST, so whitespace, comments and argument layout do not matter),
// the same operation, the same variables after coercion (defaults applied,
// keys sorted), and the same caller rights where the resolvers read them:
// the scope set always, and the caller itself for the account's own streams.
import {
  GraphQLError, Kind, getOperationAST, getVariableValues, parse, print, validate,
  type ASTVisitor, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode, type ValidationContext
} from 'graphql'
import { LRUCache } from 'lru-cache'
import { stringify } from 'safe-stable-stringify'
import type { Caller } from '../../access.js'
import { GatewayError } from '../../errors.js'
import type { GraphqlLimits } from '../cost.js'
import { checkDocument, checkSource } from '../operation-checks.js'
import type { SubscribeRequest } from './protocol.js'

export interface PreparedOperation {
  document: DocumentNode
  operationName: string | undefined
  /** As the client sent them; execution coerces them again, to the same values. */
  variables: Record<string, unknown> | undefined
  /** The subscription's root field. */
  field: string
  key: string
}

interface Parsed {
  document?: DocumentNode
  /** The document printed from its AST: one text per meaning. */
  normalised?: string
  errors?: readonly GraphQLError[]
}

export interface OperationOptions {
  schema: GraphQLSchema
  /** Root fields whose data is the account's (never shared across callers). */
  privateFields: ReadonlySet<string>
  /** Root fields never grouped: each subscriber's stream starts from its own state (verified books' snapshots). */
  soloFields?: ReadonlySet<string>
  /** Most bytes of query text kept parsed and validated. */
  cacheBytes?: number
  /** The same cost limits as queries over HTTP (operation-checks.ts). */
  limits?: GraphqlLimits
}

const NOT_A_SUBSCRIPTION = 'only subscriptions run over WebSocket; send queries and mutations to POST /graphql'

/** A validation rule for HTTP (mercurius): a subscription there is a bad request, not an execution. */
export function subscriptionsOverHttp (context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition (node) {
      if (node.operation === 'subscription') context.reportError(new GraphQLError('subscriptions run over graphql-ws: open a WebSocket to /graphql', { nodes: node }))
    }
  }
}

export class Operations {
  private readonly parsed: LRUCache<string, Parsed>
  private solo = 0

  constructor (private readonly options: OperationOptions) {
    this.parsed = new LRUCache({ maxSize: options.cacheBytes ?? 4 * 1024 * 1024, sizeCalculation: (_parsed, query) => query.length + 1 })
  }

  /** The prepared operation, or the GraphQL errors to answer the subscriber with. */
  prepare (request: SubscribeRequest, caller: Caller): PreparedOperation | readonly GraphQLError[] {
    const { document, normalised, errors } = this.parse(request.query)
    if (errors) return errors
    const operation = getOperationAST(document!, request.operationName)
    if (!operation) return [new GraphQLError(request.operationName === undefined ? 'the document must contain exactly one operation, or name one' : `no operation named ${request.operationName}`)]
    if (operation.operation !== 'subscription') return [new GraphQLError(NOT_A_SUBSCRIPTION)]
    const coerced = getVariableValues(this.options.schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 20 })
    if (coerced.errors) return coerced.errors
    const field = rootField(document!, operation.selectionSet)
    // A field this cannot name is treated as private: grouping less is always safe.
    const own = field === '' || this.options.privateFields.has(field)
    const rights = [[...caller.scopes].sort().join(' '), own ? caller.name : '']
    const alone = this.options.soloFields?.has(field) === true ? ++this.solo : null
    const key = stringify([rights, request.operationName ?? null, coerced.coerced, normalised, alone])
    return { document: document!, operationName: request.operationName, variables: request.variables, field, key }
  }

  private parse (query: string): Parsed {
    let parsed = this.parsed.get(query)
    if (parsed === undefined) {
      parsed = parseAndValidate(this.options.schema, query, this.options.limits)
      this.parsed.set(query, parsed)
    }
    return parsed
  }
}

function parseAndValidate (schema: GraphQLSchema, query: string, limits: GraphqlLimits | undefined): Parsed {
  let document: DocumentNode
  try {
    if (limits) checkSource(query, limits)
    document = parse(query, { maxTokens: 10_000 })
    const errors = validate(schema, document, undefined, { maxErrors: 20 })
    if (errors.length) return { errors }
    if (limits) checkDocument(schema, document, limits)
  } catch (error) {
    return { errors: [asGraphqlError(error)] }
  }
  return { document, normalised: print(document) }
}

function asGraphqlError (error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error
  if (error instanceof GatewayError) return new GraphQLError(error.detail, { originalError: error })
  return new GraphQLError(String(error))
}

/** The one root field of a validated subscription (validation allows exactly one, possibly inside fragments). */
function rootField (document: DocumentNode, selectionSet: SelectionSetNode): string {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) return selection.name.value
    const inner = selection.kind === Kind.INLINE_FRAGMENT
      ? selection.selectionSet
      : document.definitions.find((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value)?.selectionSet
    if (inner) return rootField(document, inner)
  }
  return ''
}
