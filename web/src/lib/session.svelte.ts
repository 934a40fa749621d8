import { ApiError, api, type LoggedUser } from './api';

/** Who is signed in, as the API says (GET /api/logged_user/); `loaded` once it has answered. */
export const session = $state<{ user: LoggedUser | null; loaded: boolean }>({ user: null, loaded: false });

export async function refreshSession(): Promise<void> {
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
