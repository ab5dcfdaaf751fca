// Emits src/graphql/schema-types.generated.ts from schema/*.graphql: one TS
// type per GraphQL type, an args type per field with arguments, and resolver
// maps whose required members are exactly the fields that cannot be resolved
// by reading a property. The resolvers are declared against these types, so
// a schema change that the code does not follow fails `tsc`. `--check` fails
// instead of writing when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  buildSchema, getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType,
  type GraphQLArgument, type GraphQLField, type GraphQLInputField, type GraphQLInputType, type GraphQLNamedType,
  type GraphQLObjectType, type GraphQLOutputType, type GraphQLSchema
} from 'graphql'
import { loadSdl } from '../src/graphql/schema.js'

const OUT = fileURLToPath(new URL('../src/graphql/schema-types.generated.ts', import.meta.url))

/** How each scalar looks in TypeScript; a new custom scalar must be added here. */
const SCALARS: Record<string, string> = {
  ID: 'string',
  String: 'string',
  Boolean: 'boolean',
  Int: 'number',
  Float: 'number',
  Decimal: 'string',
  Timestamp: 'number'
}

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)
const doc = (text: string | null | undefined, indent = ''): string[] =>
  text ? [`${indent}/** ${text.replace(/\*\//g, '*\\/').replace(/\s*\n\s*/g, ' ')} */`] : []

function named (type: GraphQLNamedType): string {
  if (isScalarType(type)) {
    const ts = SCALARS[type.name]
    if (ts === undefined) throw new Error(`scalar ${type.name} has no TypeScript mapping in scripts/gen-graphql-types.ts`)
    return ts
  }
  return type.name
}

/** A GraphQL type as TS, nullable as `| null` (output: also `undefined`, a resolver may omit it). */
function tsType (type: GraphQLOutputType | GraphQLInputType, output: boolean): string {
  const nullable = (inner: string): string => output ? `${inner} | null | undefined` : `${inner} | null`
  if (isNonNullType(type)) return strict(type.ofType, output)
  return nullable(strict(type, output))
}

function strict (type: GraphQLOutputType | GraphQLInputType, output: boolean): string {
  if (isNonNullType(type)) return strict(type.ofType, output)
  if (isListType(type)) return `Array<${tsType(type.ofType as GraphQLOutputType, output)}>`
  return named(type)
}

/** A field with a default value or a non-null type is always present. */
function member (name: string, type: GraphQLInputType, hasDefault: boolean): string {
  const optional = !isNonNullType(type) && !hasDefault
  return `${name}${optional ? '?' : ''}: ${hasDefault && !isNonNullType(type) ? strict(type, false) + ' | null' : tsType(type, false)}`
}

function emitArgs (owner: string, field: GraphQLField<unknown, unknown>): string[] {
  if (field.args.length === 0) return []
  return [
    `export interface ${argsName(owner, field)} {`,
    ...field.args.flatMap((arg: GraphQLArgument) => [...doc(arg.description, '  '), `  ${member(arg.name, arg.type, arg.defaultValue !== undefined)}`]),
    '}'
  ]
}

const argsName = (owner: string, field: GraphQLField<unknown, unknown>): string =>
  field.args.length === 0 ? 'NoArgs' : `${owner}${upperFirst(field.name)}Args`

function emitObject (type: GraphQLObjectType): string[] {
  const fields = Object.values(type.getFields())
  return [
    ...doc(type.description),
    `export interface ${type.name} {`,
    ...fields.flatMap(f => [...doc(f.description, '  '), `  ${f.name}${isNonNullType(f.type) ? '' : '?'}: ${tsType(f.type, true)}`]),
    '}',
    ...fields.flatMap(f => emitArgs(type.name, f))
  ]
}

function emitInput (type: GraphQLNamedType): string[] {
  if (!isInputObjectType(type)) return []
  return [
    ...doc(type.description),
    `export interface ${type.name} {`,
    ...Object.values(type.getFields()).flatMap((f: GraphQLInputField) =>
      [...doc(f.description, '  '), `  ${member(f.name, f.type, f.defaultValue !== undefined)}`]),
    '}'
  ]
}

function emitEnum (type: GraphQLNamedType): string[] {
  if (!isEnumType(type)) return []
  return [...doc(type.description), `export type ${type.name} = ${type.getValues().map(v => `'${v.name}'`).join(' | ')}`]
}

/** Types reached from Query through a non-null field without arguments: namespaces whose fields all need resolvers. */
function namespaces (schema: GraphQLSchema): Set<string> {
  const out = new Set<string>()
  for (const field of Object.values(schema.getQueryType()?.getFields() ?? {})) {
    const target = getNamedType(field.type)
    if (field.args.length === 0 && isNonNullType(field.type) && isObjectType(target)) out.add(target.name)
  }
  return out
}

function emitResolvers (schema: GraphQLSchema, objects: GraphQLObjectType[]): string[] {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(t => t).map(t => t!.name))
  const subscription = schema.getSubscriptionType()?.name
  const spaces = namespaces(schema)
  const needed = (type: GraphQLObjectType, field: GraphQLField<unknown, unknown>): boolean =>
    roots.has(type.name) || spaces.has(type.name) || field.args.length > 0
  const lines: string[] = []
  const required = new Set<string>()
  for (const type of objects) {
    const fields = Object.values(type.getFields())
    if (!fields.some(f => needed(type, f))) continue
    required.add(type.name)
    const parent = roots.has(type.name) ? 'unknown' : type.name
    lines.push(`export interface ${type.name}Resolvers<TContext> {`)
    for (const field of fields) {
      const result = tsType(field.type, true)
      const signature = type.name === subscription
        ? `SubscriptionResolver<${argsName(type.name, field)}, TContext, ${result}>`
        : `Resolver<${parent}, ${argsName(type.name, field)}, TContext, ${result}>`
      lines.push(`  ${field.name}${needed(type, field) ? '' : '?'}: ${signature}`)
    }
    lines.push('}')
  }
  lines.push('/** Every resolver map; the types listed first have fields that cannot be read from their parent. */')
  lines.push('export interface Resolvers<TContext> {')
  for (const name of required) lines.push(`  ${name}: ${name}Resolvers<TContext>`)
  for (const type of objects) if (!required.has(type.name)) lines.push(`  ${type.name}?: FieldResolvers<${type.name}, TContext>`)
  for (const type of Object.values(schema.getTypeMap())) {
    if (isScalarType(type) && !(type.name in BUILT_IN)) lines.push(`  ${type.name}: ScalarResolver`)
  }
  lines.push('}')
  return lines
}

const BUILT_IN = { ID: 1, String: 1, Boolean: 1, Int: 1, Float: 1 }

function render (sdl: string): string {
  const schema = buildSchema(sdl)
  const types = Object.values(schema.getTypeMap()).filter(t => !t.name.startsWith('__')).sort((a, b) => a.name.localeCompare(b.name))
  const objects = types.filter(isObjectType)
  const custom = types.filter(t => isScalarType(t) && !(t.name in BUILT_IN))
  return [
    '// GENERATED by scripts/gen-graphql-types.ts from schema/*.graphql. Do not edit: run `npm run gen`.',
    'import type { GraphQLResolveInfo } from \'graphql\'',
    '',
    ...custom.flatMap(t => [...doc(t.description), `export type ${t.name} = ${named(t)}`]),
    '',
    'export type NoArgs = Record<string, never>',
    'export type Awaitable<T> = T | Promise<T>',
    'export type Resolver<TParent, TArgs, TContext, TResult> = (parent: TParent, args: TArgs, context: TContext, info: GraphQLResolveInfo) => Awaitable<TResult>',
    '/** `subscribe` yields the field\'s values already shaped; `resolve` passes each one through. */',
    'export interface SubscriptionResolver<TArgs, TContext, TResult> {',
    '  subscribe: (parent: unknown, args: TArgs, context: TContext, info: GraphQLResolveInfo) => Awaitable<AsyncIterable<TResult>>',
    '  resolve: (payload: TResult) => TResult',
    '}',
    '/** Optional resolvers of a type whose fields are otherwise read from its parent object. */',
    'export type FieldResolvers<T, TContext> = { [K in keyof T]?: Resolver<T, NoArgs, TContext, T[K]> }',
    'export interface ScalarResolver {',
    '  serialize: (value: unknown) => unknown',
    '  parseValue: (value: unknown) => unknown',
    '  parseLiteral: (ast: import(\'graphql\').ValueNode) => unknown',
    '}',
    '',
    ...types.flatMap(emitEnum),
    '',
    ...types.flatMap(emitInput),
    '',
    ...objects.flatMap(emitObject),
    '',
    ...emitResolvers(schema, objects),
    ''
  ].join('\n')
}

const next = render(loadSdl())
if (process.argv.includes('--check')) {
  let current = ''
  try { current = readFileSync(OUT, 'utf8') } catch {}
  if (current !== next) {
    console.error('src/graphql/schema-types.generated.ts is stale: run npm run gen')
    process.exit(1)
  }
  console.log('src/graphql/schema-types.generated.ts up to date')
} else {
  writeFileSync(OUT, next)
  console.log('src/graphql/schema-types.generated.ts written')
}
