import { Injectable } from '@angular/core';

const ACCESS_KEY = 'finserve.accessToken';
const REFRESH_KEY = 'finserve.refreshToken';

/** The access token and the (single-use) refresh token that renews it. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

/** Where the tokens survive reloads (localStorage; tolerant of disabled storage). */
@Injectable({ providedIn: 'root' })
export class TokenStorage {
  /** Without storage (private mode) the session lasts until the tab closes. */
  private memory: TokenPair | null = null;

  read(): TokenPair | null {
    try {
      const accessToken = localStorage.getItem(ACCESS_KEY);
      const refreshToken = localStorage.getItem(REFRESH_KEY);
      // A lone access token (stored before refresh tokens existed) cannot be renewed: drop it.
      return accessToken && refreshToken ? { accessToken, refreshToken } : null;
    } catch {
      return this.memory;
    }
  }

  write(pair: TokenPair | null): void {
    this.memory = pair;
    try {
      if (pair) {
        localStorage.setItem(ACCESS_KEY, pair.accessToken);
        localStorage.setItem(REFRESH_KEY, pair.refreshToken);
      } else {
        localStorage.removeItem(ACCESS_KEY);
        localStorage.removeItem(REFRESH_KEY);
      }
    } catch {
      // Kept in memory only.
    }
  }
}
