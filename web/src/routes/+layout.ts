// Rendered in the browser: every page reads the public API with the visitor's own session.
export const ssr = false;
export const prerender = false;
