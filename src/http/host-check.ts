// The Host allow-list (DESIGN §1.5): DNS rebinding points a foreign name at
// the gateway's address, so a browser sends that name as Host. Only loopback
// names, KGW_ALLOWED_HOSTS and the KGW_PUBLIC_URL host are served; the port
// never matters. Pure functions: the hook lives in boundary.ts.
import { isIP } from 'node:net'

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`, bracketed or not. */
export function isLoopbackHost (host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[|\]$/g, '')
  if (bare === 'localhost') return true
  if (isIP(bare) === 4) return bare.startsWith('127.')
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || bare.startsWith('::ffff:127.')
}

const NAME = /^(?:\*\.)?[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/

/**
 * A KGW_ALLOWED_HOSTS entry in canonical form (lower case, IPv6 without
 * brackets), or undefined when it is not a host name, `*.suffix`, an IP
 * address or `*`. Ports are refused: every port of an allowed host is served.
 */
export function canonicalHostPattern (entry: string): string | undefined {
  const value = entry.trim().toLowerCase().replace(/\.$/, '')
  if (value === '*') return value
  const bare = value.replace(/^\[|\]$/g, '')
  if (isIP(bare) !== 0) return bare
  return NAME.test(value) ? value : undefined
}

/** The host part of a Host header (`name`, `name:port`, `[v6]:port`), lower case, brackets dropped; undefined when malformed. */
export function hostOf (header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined
  const value = header.trim().toLowerCase()
  if (value.startsWith('[')) {
    const end = value.indexOf(']')
    if (end < 0 || !/^(?::\d{1,5})?$/.test(value.slice(end + 1))) return undefined
    const bare = value.slice(1, end)
    return isIP(bare) === 6 ? bare : undefined
  }
  const match = /^([^:]+)(?::\d{1,5})?$/.exec(value)
  return match ? match[1]!.replace(/\.$/, '') : undefined
}

/** Decides whether a Host is served: loopback always, then the configured patterns. */
export class HostAllowList {
  private readonly exact = new Set<string>()
  private readonly suffixes: string[] = []
  private readonly any: boolean

  constructor (patterns: readonly string[]) {
    this.any = patterns.includes('*')
    for (const pattern of patterns) {
      if (pattern.startsWith('*.')) this.suffixes.push(pattern.slice(1))
      else this.exact.add(pattern)
    }
  }

  allows (hostHeader: string | undefined): boolean {
    const host = hostOf(hostHeader)
    if (host === undefined) return false
    if (this.any || isLoopbackHost(host) || this.exact.has(host)) return true
    return this.suffixes.some(suffix => host.endsWith(suffix))
  }
}
