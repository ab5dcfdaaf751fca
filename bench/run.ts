// npm run bench: every benchmark, printed as Markdown for the README.
// BENCH_SECONDS sets the measured duration of each run (default 10);
// BENCH_ROUNDS the alternating rounds of bench/rest-static (default 3).
import { execSync } from 'node:child_process'
import { cpus } from 'node:os'
import { booksBench } from './books.js'
import { fanoutBench } from './fanout.js'
import { governorBench } from './governor.js'
import { graphqlBench } from './graphql.js'
import { placementsBench } from './placements.js'
import { restProxyBench } from './rest-proxy.js'
import { replicaBudgetBench } from './replica-budget.js'
import { replicaBusBench } from './replica-bus.js'
import { restStaticBench } from './rest-static.js'

const benches: Record<string, () => Promise<string>> = {
  'rest-static': restStaticBench,
  'rest-proxy': restProxyBench,
  fanout: fanoutBench,
  graphql: graphqlBench,
  books: booksBench,
  governor: governorBench,
  'replica-budget': replicaBudgetBench,
  'replica-bus': replicaBusBench,
  placements: placementsBench
}

execSync('npm run --silent build', { stdio: 'inherit' })

const only = process.argv.slice(2)
console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}\n`)
for (const [name, run] of Object.entries(benches)) {
  if (only.length && !only.includes(name)) continue
  console.error(`bench/${name}`)
  console.log(`### bench/${name}\n\n${await run()}\n`)
}
process.exit(0)
