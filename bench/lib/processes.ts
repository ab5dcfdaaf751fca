// Starts bench/serve.ts roles as child processes and reads the URL line each prints.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const serve = fileURLToPath(new URL('../serve.ts', import.meta.url))
const children = new Set<ChildProcess>()

export interface Served { child: ChildProcess, info: Record<string, string> }

export function startRole (role: string, ...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', serve, role, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
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
