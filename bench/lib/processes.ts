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
  // BENCH_CPU_PROF=<role> writes a CPU profile of that role (bench-profiles/) when it is stopped with SIGINT.
  const profile = process.env.BENCH_CPU_PROF === role ? ['--cpu-prof', '--cpu-prof-dir=bench-profiles'] : []
  const node = [process.execPath, '--expose-gc', ...profile, '--import', 'tsx', serve, role, ...args]
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

const clientsEntry = fileURLToPath(new URL('../clients.ts', import.meta.url))

/** A bench/clients.ts process: commands over IPC, each answered by one message. */
export interface ClientProcess {
  child: ChildProcess
  ask: <T>(command: object) => Promise<T>
}

/** Starts `count` client processes, pinned to `cpu` when pinning is possible. */
export function startClientProcesses (count: number, cpu?: number): ClientProcess[] {
  return Array.from({ length: count }, () => {
    const node = [process.execPath, '--import', 'tsx', clientsEntry]
    const command = cpu !== undefined && canPin ? ['taskset', '-c', String(cpu), ...node] : node
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    children.add(child)
    const ask = <T>(message: object): Promise<T> => new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`clients exited with ${String(code)}`))
      child.once('exit', onExit)
      child.once('message', reply => { child.off('exit', onExit); resolve(reply as T) })
      child.send(message)
    })
    return { child, ask }
  })
}

export function stopAll (): void {
  // SIGINT lets a profiled role write its profile; the rest are killed outright.
  for (const child of children) child.kill(process.env.BENCH_CPU_PROF ? 'SIGINT' : 'SIGKILL')
  children.clear()
}

process.once('exit', stopAll)

export interface ProcStat { cpuTicks: number, rssKb: number }

/** A process's CPU (user + system, in clock ticks of 1/100 s) and resident memory, from /proc. */
export async function procStat (pid: number): Promise<ProcStat> {
  const { readFile } = await import('node:fs/promises')
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return { cpuTicks: Number(stat[11]) + Number(stat[12]), rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) }
}
