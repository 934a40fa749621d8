import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';

/**
 * Product descriptions are Markdown written by users and shown to everyone who can see the
 * product. The catalogue renders each one once, when the event that writes it is projected,
 * and keeps the HTML in `products.description_html`: reads and lists only copy it.
 *
 * markdown-it (CommonMark with GFM tables and strikethrough) with raw HTML off: every `<` of
 * the source reaches the output escaped, and the only tags are markdown-it's own. Links are made
 * only for http, https and mailto URLs (any other stays plain text, its source shown) and
 * carry `rel="nofollow noopener noreferrer"`; images are off (a description should not make
 * readers' browsers fetch foreign URLs). markdown-it is linear on the CommonMark pathological
 * inputs (its own test suite); micromark, tried first, took seconds on a few thousand
 * brackets (docs/reliability.md). Deterministic: the same text gives the same HTML, as a
 * projection needs.
 */
const markdown = new MarkdownIt('default', { html: false, linkify: false, typographer: false });
markdown.disable(['image', 'html_block', 'html_inline']);

const SAFE_URL = /^(?:https?:\/\/|mailto:)/i;
/** Every URL markdown-it would link is checked again after its own normalisation. */
markdown.validateLink = (url: string): boolean => SAFE_URL.test(url);

const defaultLinkOpen = markdown.renderer.rules.link_open;
markdown.renderer.rules.link_open = (tokens: Token[], idx, options, env, self) => {
  const token = tokens[idx] as Token;
  token.attrSet('rel', 'nofollow noopener noreferrer');
  return defaultLinkOpen ? defaultLinkOpen(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
};

export function renderDescription(source: string): string {
  return markdown.render(source.replace(/\0/g, '\uFFFD')).trimEnd();
}

/** The HTML kept beside a description (null with it). */
export const descriptionHtml = (description: string | null): string | null => (description === null ? null : renderDescription(description));
