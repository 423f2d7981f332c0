import { Injectable } from '@angular/core';

const KEY = 'finserve.accessToken';

/** Where the access token survives reloads (localStorage; tolerant of disabled storage). */
@Injectable({ providedIn: 'root' })
export class TokenStorage {
  read(): string | null {
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null;
    }
  }

  write(token: string | null): void {
    try {
      if (token) localStorage.setItem(KEY, token);
      else localStorage.removeItem(KEY);
    } catch {
      // Private mode without storage: the session lasts until the tab closes.
    }
  }
}
