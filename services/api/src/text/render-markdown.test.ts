import { describe, expect, it } from 'vitest';
import { renderMarkdown, safeHref } from './render-markdown';

/** Every tag the renderer may write; `<a>` with exactly these two attributes, nothing else anywhere. */
const ALLOWED_TAG = /<(?:\/?(?:p|em|strong|code|pre|ul|ol|li|h[1-6])|\/a|a href="([^"<>]*)" rel="nofollow noopener noreferrer")>/y;
const ALLOWED_SCHEME = /^(?:https?:\/\/|mailto:)/i;

const decodeAttribute = (value: string): string =>
  value.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot));/gi, (_m, dec: string, hex: string, name: string) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : ({ amp: '&', lt: '<', gt: '>', quot: '"' } as Record<string, string>)[name.toLowerCase()] as string,
  );

/** Walks every `<` of the output: each must open or close an allowed tag, and each href must be http, https or mailto. */
function expectSafe(html: string): void {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push('<script');
  for (let at = html.indexOf('<'); at >= 0; at = html.indexOf('<', at + 1)) {
    ALLOWED_TAG.lastIndex = at;
    const tag = ALLOWED_TAG.exec(html);
    if (!tag) problems.push(`unexpected markup: ${html.slice(at, at + 60)}`);
    else if (/\son[a-z]+\s*=/i.test(tag[0])) problems.push(`event handler: ${tag[0]}`);
    else if (tag[1] !== undefined && !ALLOWED_SCHEME.test(decodeAttribute(tag[1]))) problems.push(`href: ${tag[1]}`);
  }
  expect(problems).toEqual([]);
}

const XSS_CORPUS: readonly string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<scr<script>ipt>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC="javascript:alert(1)">',
  '<svg/onload=alert(1)>',
  '<a href="javascript:alert(1)">click</a>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
  '<!-- <script>alert(1)</script> -->',
  '<!--><script>alert(1)</script>-->',
  '<![CDATA[<script>alert(1)</script>]]>',
  '<p onclick="alert(1)">hi</p>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](  javascript:alert(1))',
  '[click](javascript&#58;alert(1))',
  '[click](&#106;avascript:alert(1))',
  '[click](&#x6A;avascript:alert(1))',
  '[click](java&#x09;script:alert(1))',
  '[click](java\tscript:alert(1))',
  '[click](java\u0000script:alert(1))',
  '[click](java\u200bscript:alert(1))',
  '[click](\u202ejavascript:alert(1))',
  '[click](ｊavascript:alert(1))',
  '[click](vbscript:msgbox(1))',
  '[click](VBScript:msgbox(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[click](DATA:text/html,<script>alert(1)</script>)',
  '[click](file:///etc/passwd)',
  '[click](//evil.example/)',
  '[click](/relative/path)',
  '[click](<javascript:alert(1)>)',
  '[click](http://ok.example/ "title" onclick="alert(1)")',
  '[click](http://ok.example/"onmouseover="alert(1))',
  "[click](http://ok.example/'onmouseover='alert(1))",
  '[click](http://ok.example/><script>alert(1)</script>)',
  '[a](http://ok.example/)](javascript:alert(1))',
  '[[a](http://ok.example/)](javascript:alert(1))',
  '[a [b](javascript:alert(1)) c](http://ok.example/)',
  '[a](javascript:alert(1) "t")',
  '![x](javascript:alert(1))',
  '![x" onerror="alert(1)](http://ok.example/x.png)',
  '<javascript:alert(1)>',
  '<JAVASCRIPT:alert(1)>',
  '<data:text/html,alert(1)>',
  '<vbscript:msgbox(1)>',
  '<http://ok.example/" onmouseover="alert(1)>',
  '<http://ok.example/<script>>',
  '<mailto:x@example.org?body=<script>>',
  '**<script>alert(1)</script>**',
  '*<img src=x onerror=alert(1)>*',
  '`<script>alert(1)</script>`',
  '```html\n<script>alert(1)</script>\n```',
  '# <script>alert(1)</script>',
  '- <img src=x onerror=alert(1)>\n- [x](javascript:alert(1))',
  '1. <svg onload=alert(1)>',
  '\\<script>alert(1)\\</script>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&#60;script&#62;alert(1)&#60;/script&#62;',
  '<scrіpt>alert(1)</scrіpt>',
  '＜script＞alert(1)＜/script＞',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  '[x](http://ok.example/)<script>alert(1)</script>',
  '<a href="http://ok.example/" onclick="alert(1)">x</a>',
  '<style>*{background:url(javascript:alert(1))}</style>',
  '<base href="javascript:alert(1)//">',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<object data="javascript:alert(1)"></object>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
];

describe('renderMarkdown', () => {
  it('renders the supported subset', () => {
    expect(renderMarkdown('# Title\n\nSome *emphasis*, **strong**, `code` and _more_.')).toBe(
      '<h1>Title</h1>\n<p>Some <em>emphasis</em>, <strong>strong</strong>, <code>code</code> and <em>more</em>.</p>',
    );
    expect(renderMarkdown('### Sub ###')).toBe('<h3>Sub</h3>');
    expect(renderMarkdown('- one\n- two\n  continued\n\n- three')).toBe('<ul>\n<li>one</li>\n<li>two\ncontinued</li>\n<li>three</li>\n</ul>');
    expect(renderMarkdown('1. first\n2) second')).toBe('<ol>\n<li>first</li>\n<li>second</li>\n</ol>');
    expect(renderMarkdown('```python\nif a < b:\n    pass\n```')).toBe('<pre><code>if a &lt; b:\n    pass\n</code></pre>');
    expect(renderMarkdown('See [the paper](https://arxiv.org/abs/1234.5678?x=1&y=2).')).toBe(
      '<p>See <a href="https://arxiv.org/abs/1234.5678?x=1&amp;y=2" rel="nofollow noopener noreferrer">the paper</a>.</p>',
    );
    expect(renderMarkdown('<https://lsst.org/> or <pz@example.org>')).toBe(
      '<p><a href="https://lsst.org/" rel="nofollow noopener noreferrer">https://lsst.org/</a> or <a href="mailto:pz@example.org" rel="nofollow noopener noreferrer">pz@example.org</a></p>',
    );
    expect(renderMarkdown('[Photo-z](https://en.wikipedia.org/wiki/Redshift_(astronomy))')).toBe(
      '<p><a href="https://en.wikipedia.org/wiki/Redshift_(astronomy)" rel="nofollow noopener noreferrer">Photo-z</a></p>',
    );
    expect(renderMarkdown('[**bold** link](mailto:a@b.org)')).toBe('<p><a href="mailto:a@b.org" rel="nofollow noopener noreferrer"><strong>bold</strong> link</a></p>');
    expect(renderMarkdown('snake_case_name and 2*3*4 and \\*not\\*')).toBe('<p>snake_case_name and 2<em>3</em>4 and *not*</p>');
    expect(renderMarkdown('line one\nline two\r\n\r\nnext')).toBe('<p>line one\nline two</p>\n<p>next</p>');
    expect(renderMarkdown('')).toBe('');
  });

  it('shows raw HTML as text, never as markup', () => {
    expect(renderMarkdown('a <b>bold</b> & "quoted" \'text\'')).toBe('<p>a &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#39;text&#39;</p>');
    expect(renderMarkdown('<!-- hidden -->')).toBe('<p>&lt;!-- hidden --&gt;</p>');
  });

  it('keeps the text of a link whose URL is not http, https or mailto, and drops the URL', () => {
    expect(renderMarkdown('[click](javascript:alert(1))')).toBe('<p>click</p>');
    expect(renderMarkdown('[click](vbscript:x)')).toBe('<p>click</p>');
    expect(renderMarkdown('<javascript:alert(1)>')).toBe('<p>&lt;javascript:alert(1)&gt;</p>');
  });

  it.each(XSS_CORPUS.map((input) => [input]))('writes no script, event handler or foreign URL scheme for %j', (input) => {
    expectSafe(renderMarkdown(input));
    expectSafe(renderMarkdown(`intro\n\n${input}\n\n- item ${input}\n\n**${input}**`));
  });

  it('refuses every URL but http, https and mailto, whatever the spelling', () => {
    for (const url of ['javascript:x', 'JAVASCRIPT:x', ' javascript:x', 'java\u200bscript:x', 'data:text/html,x', 'vbscript:x', 'file:///x', '//x.example', '/x', 'http:x', 'https:/x', 'http://\u202ex', 'mailto:/x']) {
      expect(safeHref(url), url).toBeNull();
    }
    for (const url of ['http://x.example', 'HTTPS://x.example/a?b#c', 'mailto:a@b.org']) expect(safeHref(url), url).toBe(url);
  });

  it('stays fast on hostile input (unclosed delimiters, deep brackets, long lines)', () => {
    const hostile = [
      '*a '.repeat(30_000),
      '**a '.repeat(25_000),
      '_a '.repeat(30_000),
      '`'.repeat(50_000),
      '` ``'.repeat(20_000),
      '['.repeat(50_000) + ']'.repeat(50_000),
      '[a](' .repeat(25_000),
      '[a](x'.repeat(20_000) + ' ',
      '<http://x'.repeat(10_000),
      `#${' '.repeat(99_000)}#x`,
      '*_'.repeat(50_000),
      '- a\n'.repeat(25_000),
    ];
    for (const input of hostile) {
      expectSafe(renderMarkdown(input));
      const started = performance.now();
      renderMarkdown(input);
      expect(performance.now() - started, input.slice(0, 20)).toBeLessThan(1500);
    }
  });
});
