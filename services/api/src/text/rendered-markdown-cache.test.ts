import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './render-markdown';
import { renderMarkdownRemembered } from './rendered-markdown-cache';

describe('renderMarkdownRemembered', () => {
  it('answers exactly what renderMarkdown answers, for repeated, distinct and long texts', () => {
    const texts = ['**bold** <script>alert(1)</script>', '[x](javascript:alert(1))', 'plain', `${'long '.repeat(5_000)}*end*`];
    for (let round = 0; round < 3; round++) {
      for (const text of texts) expect(renderMarkdownRemembered(text)).toBe(renderMarkdown(text));
    }
    for (let i = 0; i < 2_500; i++) expect(renderMarkdownRemembered(`text ${i} _em_`)).toBe(renderMarkdown(`text ${i} _em_`));
    expect(renderMarkdownRemembered(texts[0] ?? '')).toBe(renderMarkdown(texts[0] ?? ''));
  });
});
