// tap loads each test file with this (.taprc node-arg) in place of its default
// ts-node plugin: tsx (esbuild) loads the project in ~2.4 s of CPU where ts-node
// takes ~8.5 s, which was most of the suite's time.
//
// Coverage: tsx minifies whitespace, so tap's coverage maps every line through
// the source map, and that needs the TypeScript source inside the map. tsx puts
// it there only when NODE_V8_COVERAGE is set in its loader thread (tap collects
// coverage through the inspector and never sets it). tap's own loaders start
// that thread before this file runs, so the variable is set from inside it, by
// a hooks module registered ahead of tsx's.
import { register } from 'node:module'

register('./coverage-env.mjs', import.meta.url)
await import('tsx')
