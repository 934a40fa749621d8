import { ApiError, api, csrfToken, type LoggedUser } from './api';

/** Who is signed in, as the API says (GET /api/logged_user/); `loaded` once it has answered. */
export const session = $state<{ user: LoggedUser | null; loaded: boolean }>({ user: null, loaded: false });

export async function refreshSession(): Promise<void> {
  // Login sets the CSRF cookie beside the HttpOnly session cookie, with the same lifetime, and
  // logout clears both: without it there is no session to ask about (and no 401 in the console).
  if (csrfToken() === '') {
    session.user = null;
    session.loaded = true;
    return;
  }
  try {
    session.user = await api<LoggedUser>('logged_user/');
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) console.warn('could not read the session:', error);
    session.user = null;
  }
  session.loaded = true;
}

export async function logIn(username: string, password: string): Promise<void> {
  await api('auth/login/', { method: 'POST', body: { username, password } });
  await refreshSession();
}

export async function logOut(): Promise<void> {
  await api('auth/logout/', { method: 'POST' });
  session.user = null;
}
