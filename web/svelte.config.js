import adapter from '@sveltejs/adapter-node';

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
        'style-src': ['self'],
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
