// The conformance matrix (conformance.ts) for content-length bodies.
import t from 'tap'
import { runMatrix } from './conformance.js'

await runMatrix(t, 'content-length')
