// Runs in Node's loader thread before tsx's hooks are evaluated there (see tsx.mjs).
// At runtime this starts no coverage dump of Node's own: that is read at start-up.
process.env.NODE_V8_COVERAGE ??= 'tap-inspector'
