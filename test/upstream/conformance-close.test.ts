// The conformance matrix (conformance.ts) for close bodies.
import t from 'tap'
import { runMatrix } from './conformance.js'

await runMatrix(t, 'close')
