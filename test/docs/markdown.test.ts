// The descriptions /docs renders are ours, but they quote KuCoin's spec text:
// nothing in them may become markup or a script link.
import t from 'tap'
import { inline, markdown } from '../../src/docs/markdown.js'

t.test('text is escaped before any markup is applied', async t => {
  t.equal(inline('<script>alert(1)</script> & "x"'), '&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;x&#34;')
  t.equal(inline('**bold** and `<b>code</b>`'), '<strong>bold</strong> and <code>&#60;b&#62;code&#60;/b&#62;</code>')
  t.equal(inline('`**not bold**`'), '<code>**not bold**</code>', 'nothing inside a code span is interpreted')
})

t.test('only web and in-page links become anchors', async t => {
  t.equal(inline('[KuCoin](https://www.kucoin.com/docs)'), '<a href="https://www.kucoin.com/docs">KuCoin</a>')
  t.equal(inline('[top](#top)'), '<a href="#top">top</a>')
  t.equal(inline('[x](javascript:alert(1))'), '[x](javascript:alert(1))')
  t.notMatch(inline('[x](https://a.example/"onmouseover="alert(1))'), /"onmouseover/)
})

t.test('blocks: paragraphs, lists and tables', async t => {
  t.equal(markdown(undefined), '')
  t.equal(markdown('one\ntwo\n\nthree'), '<p>one two</p>\n<p>three</p>')
  t.equal(markdown('- a\n  more\n- b'), '<ul><li>a more</li><li>b</li></ul>')
  t.equal(markdown('| type | status |\n|---|---|\n| `urn:kgw:x` | 400 |'),
    '<table><thead><tr><th>type</th><th>status</th></tr></thead><tbody><tr><td><code>urn:kgw:x</code></td><td>400</td></tr></tbody></table>')
})

t.test('a code span inside bold, as the generated policy lines have', async t => {
  t.equal(inline('Policy: **needs `KGW_TRADING_ENABLED=true`**, else 403'), 'Policy: <strong>needs <code>KGW_TRADING_ENABLED=true</code></strong>, else 403')
  t.equal(inline('\uE0007\uE000 `x`'), '7 <code>x</code>', 'a placeholder character in the text cannot pose as a code span')
})
