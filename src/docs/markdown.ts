// The small Markdown subset openapi.yaml's descriptions use: paragraphs,
// `- ` lists, pipe tables, `code`, **bold** and [links](url). Everything is
// HTML-escaped first, so a description can never inject markup.

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

/** Only web and in-page links: a `javascript:` URL in a description stays text. */
const SAFE_URL = /^(https?:\/\/|#|\/)/

/**
 * Inline markup. Code spans are set aside first, as indexes between two
 * U+E000 (a private-use character; any in the text are dropped, so none can
 * pose as one): nothing inside them is interpreted, and one may sit in **bold**.
 */
export function inline (text: string): string {
  const codes: string[] = []
  const marked = text.replaceAll('\uE000', '').replace(/`([^`]+)`/g, (_whole, code: string) => `\uE000${codes.push(code) - 1}\uE000`)
  return escapeHtml(marked)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole, label: string, url: string) =>
      SAFE_URL.test(url) ? `<a href="${url}">${label}</a>` : whole)
    .replace(/\uE000(\d+)\uE000/g, (_whole, i: string) => `<code>${escapeHtml(codes[Number(i)]!)}</code>`)
}

function cells (line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map(cell => cell.trim())
}

function table (lines: string[]): string {
  const [head = '', , ...body] = lines
  const row = (line: string, tag: 'th' | 'td'): string => `<tr>${cells(line).map(c => `<${tag}>${inline(c)}</${tag}>`).join('')}</tr>`
  return `<table><thead>${row(head, 'th')}</thead><tbody>${body.map(line => row(line, 'td')).join('')}</tbody></table>`
}

/** Block-level rendering: blank lines separate blocks; a block is a table, a list or a paragraph. */
export function markdown (text: string | undefined): string {
  if (!text) return ''
  return text.trim().split(/\n\s*\n/).map(block => {
    const lines = block.split('\n')
    if (lines.every(line => line.trim().startsWith('|'))) return table(lines)
    if (lines[0]!.startsWith('- ')) {
      // A list item's continuation lines belong to it.
      const items = block.split(/^- /m).filter(item => item.trim() !== '')
      return `<ul>${items.map(item => `<li>${inline(item.replace(/\s*\n\s*/g, ' ').trim())}</li>`).join('')}</ul>`
    }
    return `<p>${inline(lines.join(' ').trim())}</p>`
  }).join('\n')
}
