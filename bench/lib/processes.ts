// Starts bench/serve.ts roles as child processes and reads the URL line each prints.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'

const serve = fileURLToPath(new URL('../serve.ts', import.meta.url))
const children = new Set<ChildProcess>()

export const canPin = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0

/** Pins this process (the load generator) away from the system under test's core. */
export function pinSelf (cpu: number): void {
  if (canPin) spawnSync('taskset', ['-pc', String(cpu), String(process.pid)])
}

export interface Served { child: ChildProcess, info: Record<string, string> }

/**
 * On a machine with two or more cores the system under test gets a core of
 * its own (`cpu`), and everything else (simulator, load generator) shares the
 * rest, so its latency is not the scheduler's. Without taskset, no pinning.
 */
export function startRole (role: string, args: string[] = [], cpu?: number): Promise<Served> {
  const node = [process.execPath, '--import', 'tsx', serve, role, ...args]
  const pinned = cpu !== undefined && canPin ? ['taskset', '-c', String(cpu), ...node] : node
  const child = spawn(pinned[0]!, pinned.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
  children.add(child)
  return new Promise((resolve, reject) => {
    let buffer = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const line = buffer.split('\n').find(l => l.startsWith('{"'))
      if (line) resolve({ child, info: JSON.parse(line) as Record<string, string> })
    })
    child.once('exit', code => reject(new Error(`${role} exited with ${String(code)} before it listened`)))
  })
}

export function stopAll (): void {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
}

process.once('exit', stopAll)
