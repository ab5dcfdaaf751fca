// What a test's child process (a gateway started as `npm start` would) imports
// first: the same tsx set-up as the test files (tsx.mjs), so the coverage it
// reports maps to the right lines too. Plain `--import tsx` left the source out
// of its maps, and merged with the tests' own coverage that hid ~1000 lines.
export const TSX_LOADER = new URL('./tsx.mjs', import.meta.url).href
