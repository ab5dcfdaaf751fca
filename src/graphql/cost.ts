// What a GraphQL request would cost, measured before it runs (DESIGN §1.5).
// Two passes, both linear: scanSource reads the raw text before graphql
// parses it (tokens, and aliases, which are the colons outside parentheses),
// so an alias bomb is refused without building its AST; measureDocument walks
// the parsed document with the schema (aliases and depth with fragments
// expanded, and the KuCoin calls the resolvers would make).
import { Kind, getNamedType, isInterfaceType, isObjectType, type DocumentNode, type FragmentDefinitionNode, type GraphQLNamedType, type GraphQLSchema, type SelectionSetNode } from 'graphql'

export interface GraphqlLimits {
  /** KuCoin calls one request (a whole batch) may cause. */
  maxUpstreamCalls: number
  maxAliases: number
  maxDepth: number
  maxBatch: number
  maxTokens: number
}

/**
 * Where the resolvers spend KuCoin calls (resolvers/*.ts): every field of the
 * namespaces and every mutation is one call, so a field added there is
 * counted without anyone remembering to; a loader's field is one call per
 * operation however often it appears.
 */
const ONE_CALL_PER_FIELD = new Set(['SpotMarket', 'FuturesMarket', 'SpotAccount', 'FuturesAccount', 'Mutation'])
const ONE_CALL_PER_OPERATION = new Set(['SpotSymbol.stats'])

export interface SourceScan { tokens: number, aliases: number }

const isNameChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
/** Digits, letters, `_`, and a number's `.`, `+`, `-`. */
const isWordChar = (c: number): boolean => isNameChar(c) || c === 46 || c === 43 || c === 45

/** The end of the string starting at `i` (a `"` or `"""`). */
function skipString (source: string, i: number): number {
  if (source.startsWith('"""', i)) {
    let at = i + 3
    for (;;) {
      const end = source.indexOf('"""', at)
      if (end < 0) return source.length
      if (source[end - 1] !== '\\') return end + 3
      at = end + 3
    }
  }
  for (let at = i + 1; at < source.length; at++) {
    const c = source.charCodeAt(at)
    if (c === 92) at++
    else if (c === 34 || c === 10 || c === 13) return at + 1
  }
  return source.length
}

/**
 * Tokens (roughly as graphql's lexer counts them) and aliases of a document,
 * in one pass over its characters. Outside parentheses (arguments, variable
 * definitions, directive arguments) a colon only ever follows an alias.
 */
export function scanSource (source: string): SourceScan {
  let tokens = 0
  let aliases = 0
  let parens = 0
  let i = 0
  while (i < source.length) {
    const c = source.charCodeAt(i)
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 44 || c === 0xfeff) { i++; continue }
    if (c === 35) { // a comment runs to the end of the line
      while (i < source.length && source.charCodeAt(i) !== 10 && source.charCodeAt(i) !== 13) i++
      continue
    }
    tokens++
    if (c === 34) { i = skipString(source, i); continue }
    if (isWordChar(c)) { while (i < source.length && isWordChar(source.charCodeAt(i))) i++; continue }
    if (c === 46 && source.startsWith('...', i)) { i += 3; continue }
    if (c === 40) parens++
    else if (c === 41) parens = Math.max(0, parens - 1)
    else if (c === 58 && parens === 0) aliases++
    i++
  }
  return { tokens, aliases }
}

export interface OperationCost {
  /** KuCoin calls, loaders counted once. */
  calls: number
  /** Aliased fields, a fragment's counted at each spread. */
  aliases: number
  /** Nesting of fields; introspection (__schema, __type) is bounded by graphql's own rule and not counted. */
  depth: number
}

interface Tally { calls: number, aliases: number, depth: number, batched: Set<string> }

const empty = (): Tally => ({ calls: 0, aliases: 0, depth: 0, batched: new Set() })

function add (into: Tally, from: Tally, depthOffset: number): void {
  into.calls += from.calls
  into.aliases += from.aliases
  into.depth = Math.max(into.depth, from.depth + depthOffset)
  for (const key of from.batched) into.batched.add(key)
}

class Measure {
  private readonly fragments = new Map<string, FragmentDefinitionNode>()
  private readonly memo = new Map<string, Tally>()
  private readonly inProgress = new Set<string>()

  constructor (private readonly schema: GraphQLSchema, document: DocumentNode) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(d.name.value, d)
  }

  /** A fragment's tally, once however often it is spread; a cycle (invalid, refused by validation) counts nothing. */
  private fragment (name: string): Tally {
    const known = this.memo.get(name)
    if (known) return known
    const definition = this.fragments.get(name)
    if (!definition || this.inProgress.has(name)) return empty()
    this.inProgress.add(name)
    const tally = this.selections(definition.selectionSet, this.schema.getType(definition.typeCondition.name.value))
    this.inProgress.delete(name)
    this.memo.set(name, tally)
    return tally
  }

  selections (set: SelectionSetNode, parent: GraphQLNamedType | undefined): Tally {
    const tally = empty()
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        add(tally, this.fragment(selection.name.value), 0)
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent
        add(tally, this.selections(selection.selectionSet, type), 0)
      } else {
        const name = selection.name.value
        if (selection.alias) tally.aliases++
        if (name.startsWith('__')) {
          if (selection.selectionSet) tally.aliases += countAliases(selection.selectionSet)
          continue
        }
        const owner = parent?.name ?? ''
        if (ONE_CALL_PER_FIELD.has(owner)) tally.calls++
        if (ONE_CALL_PER_OPERATION.has(`${owner}.${name}`)) tally.batched.add(`${owner}.${name}`)
        if (!selection.selectionSet) {
          tally.depth = Math.max(tally.depth, 1)
          continue
        }
        const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined
        add(tally, this.selections(selection.selectionSet, field ? getNamedType(field.type) : undefined), 1)
      }
    }
    return tally
  }
}

/** Aliases anywhere below a selection set, without types (inside introspection). */
function countAliases (set: SelectionSetNode): number {
  let count = 0
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD && selection.alias) count++
    if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) count += countAliases(selection.selectionSet)
  }
  return count
}

/** Each operation's cost; a document's cost is that of its dearest operation in each measure. */
export function measureDocument (schema: GraphQLSchema, document: DocumentNode): OperationCost {
  const measure = new Measure(schema, document)
  const cost: OperationCost = { calls: 0, aliases: 0, depth: 0 }
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue
    const root = d.operation === 'query' ? schema.getQueryType() : d.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType()
    const tally = measure.selections(d.selectionSet, root ?? undefined)
    cost.calls = Math.max(cost.calls, tally.calls + tally.batched.size)
    cost.aliases = Math.max(cost.aliases, tally.aliases)
    cost.depth = Math.max(cost.depth, tally.depth)
  }
  return cost
}
