/** Who is making a request, as the routes see it. */
export type RequestCaller =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'user';
      readonly userId: number;
      readonly username: string;
      readonly isAdmin: boolean;
      /** How the request authenticated: a personal token, or the portal's session cookie. */
      readonly via: 'token' | 'session';
      readonly tokenId?: string;
    };

export const ANONYMOUS: RequestCaller = { kind: 'anonymous' };
