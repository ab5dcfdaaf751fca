// The conformance matrix (conformance.ts) for chunked bodies.
import t from 'tap'
import { runMatrix } from './conformance.js'

await runMatrix(t, 'chunked')
