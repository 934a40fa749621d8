import { renderMarkdown } from './render-markdown';

const MAX_ENTRIES = 2_000;
/** Longer texts are rendered each time: keeping them would let a few pin most of the memory. */
const MAX_CACHED_LENGTH = 16 * 1024;

const rendered = new Map<string, string>();

/**
 * `renderMarkdown`, remembered by the text itself (rendering is a pure function of it): a list
 * page renders up to 1,000 descriptions, mostly the same ones request after request. The least
 * recently used entry leaves first.
 */
export function renderMarkdownRemembered(markdown: string): string {
  if (markdown.length > MAX_CACHED_LENGTH) return renderMarkdown(markdown);
  const known = rendered.get(markdown);
  if (known !== undefined) {
    rendered.delete(markdown);
    rendered.set(markdown, known);
    return known;
  }
  const html = renderMarkdown(markdown);
  rendered.set(markdown, html);
  if (rendered.size > MAX_ENTRIES) {
    const oldest = rendered.keys().next();
    if (!oldest.done) rendered.delete(oldest.value);
  }
  return html;
}
