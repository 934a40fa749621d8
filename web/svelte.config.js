import { createHash } from 'node:crypto';
import adapter from '@sveltejs/adapter-node';

/**
 * SvelteKit's route announcer (a visually hidden live region) carries this style attribute
 * (@sveltejs/kit/src/core/sync/write_root.js): allowed by its hash alone, not by 'unsafe-inline'.
 * Should kit change it, the browser tests see the CSP refusal in the console.
 */
const ANNOUNCER_STYLE = 'position: absolute; left: 0; top: 0; clip: rect(0 0 0 0); clip-path: inset(50%); overflow: hidden; white-space: nowrap; width: 1px; height: 1px';
const announcerHash = `sha256-${createHash('sha256').update(ANNOUNCER_STYLE).digest('base64')}`;

/**
 * The portal is rendered in the browser (ssr = false in the root layout) and talks to the server
 * only through the public /api. The page shell's one inline script gets a nonce; nothing else
 * inline runs, and the page may only frame our own files (which the API serves sandboxed).
 * @type {import('@sveltejs/kit').Config}
 */
const config = {
  kit: {
    adapter: adapter({ out: 'build', precompress: true }),
    csp: {
      mode: 'nonce',
      directives: {
        'default-src': ['none'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-hashes', announcerHash],
        'img-src': ['self', 'data:'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'frame-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};

export default config;
