import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';

import { ErrorCode } from '@finserve/shared';

import { AuthService } from './auth.service';
import { GraphqlSocket } from './graphql-socket';
import { createCache } from './graphql.provider';
import { TokenSession } from './token-session';

/** A JWT the client can read the times of (it never checks the signature). */
function jwt(subject: string, lifetimeSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = btoa(JSON.stringify({ sub: subject, iat: now, exp: now + lifetimeSeconds }));
  return `header.${payload.replace(/=+$/, '')}.signature`;
}

/** Lets Apollo and the router deliver what a test answered. */
const tick = () => new Promise((resolve) => setTimeout(resolve));

const ada = { __typename: 'User', id: 'u1', username: 'ada', displayName: 'Ada' };
const ACCESS_KEY = 'finserve.accessToken';
const REFRESH_KEY = 'finserve.refreshToken';

describe('AuthService', () => {
  let apollo: ApolloTestingController;
  const socket = { restart: jest.fn() };

  const setUp = (stored?: { accessToken: string; refreshToken: string }) => {
    localStorage.clear();
    if (stored) {
      localStorage.setItem(ACCESS_KEY, stored.accessToken);
      localStorage.setItem(REFRESH_KEY, stored.refreshToken);
    }
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        // Every URL is a page, so sign-out redirects can land somewhere.
        provideRouter([{ path: '**', children: [] }]),
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: GraphqlSocket, useValue: socket },
      ],
    });
    apollo = TestBed.inject(ApolloTestingController);
    return TestBed.inject(AuthService);
  };

  afterEach(() => {
    apollo.verify();
    TestBed.inject(HttpTestingController).verify();
    localStorage.clear();
  });

  const signIn = async (auth: AuthService, accessToken = jwt('u1')) => {
    const done = auth.signIn('ada', 'correct horse');
    await tick();
    const login = apollo.expectOne('Login');
    expect(login.operation.variables).toEqual({
      input: { username: 'ada', password: 'correct horse' },
    });
    login.flushData({
      login: { __typename: 'AuthPayload', accessToken, refreshToken: 'refresh-1', user: ada },
    });
    await done;
  };

  it('signs in: keeps both tokens, knows the user and reconnects the socket as them', async () => {
    const auth = setUp();
    expect(auth.signedIn()).toBe(false);
    const accessToken = jwt('u1');
    await signIn(auth, accessToken);

    expect(localStorage.getItem(ACCESS_KEY)).toBe(accessToken);
    expect(localStorage.getItem(REFRESH_KEY)).toBe('refresh-1');
    expect(auth.token()).toBe(accessToken);
    expect(auth.signedIn()).toBe(true);
    expect(auth.user()).toMatchObject({ id: 'u1', displayName: 'Ada' });
    expect(socket.restart).toHaveBeenCalledTimes(1);
  });

  it('stays signed out when the server refuses the password', async () => {
    const auth = setUp();
    const done = auth.signIn('ada', 'wrong');
    await tick();
    apollo
      .expectOne('Login')
      .graphqlErrors([
        { message: 'Invalid credentials', extensions: { code: ErrorCode.UNAUTHENTICATED } },
      ]);
    await expect(done).rejects.toThrow('Invalid credentials');
    expect(auth.signedIn()).toBe(false);
    expect(localStorage.getItem(ACCESS_KEY)).toBeNull();
  });

  it('signs out on the server with the access token, and forgets the tokens here', async () => {
    const auth = setUp();
    const accessToken = jwt('u1');
    await signIn(auth, accessToken);
    socket.restart.mockClear();

    const done = auth.signOut();
    await tick();
    // Cleared before the server answers: the user asked to leave.
    expect(auth.signedIn()).toBe(false);
    expect(localStorage.getItem(ACCESS_KEY)).toBeNull();
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull();
    const logout = apollo.expectOne('Logout');
    expect(logout.operation.getContext()['accessToken']).toBe(accessToken);
    logout.flushData({ logout: true });
    await done;
    expect(auth.token()).toBeNull();
    expect(socket.restart).toHaveBeenCalledTimes(1);
  });

  it('signs out here even when the logout call fails', async () => {
    const auth = setUp();
    await signIn(auth);
    const done = auth.signOut();
    await tick();
    apollo.expectOne('Logout').networkError(new Error('offline'));
    await expect(done).resolves.toBeUndefined();
    expect(auth.signedIn()).toBe(false);
    expect(auth.user()).toBeNull();
    expect(localStorage.getItem(ACCESS_KEY)).toBeNull();
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull();
  });

  it('signing out when anonymous calls nobody', async () => {
    const auth = setUp();
    await auth.signOut();
    apollo.expectNone('Logout');
    expect(auth.signedIn()).toBe(false);
  });

  describe('after a reload', () => {
    it('restores the user of a stored token', async () => {
      const auth = setUp({ accessToken: jwt('u1'), refreshToken: 'refresh-1' });
      const ready = auth.ready();
      await tick();
      apollo.expectOne('Me').flushData({ me: ada });
      await ready;
      expect(auth.signedIn()).toBe(true);
      expect(auth.user()?.username).toBe('ada');
    });

    it('forgets a token the server refuses', async () => {
      const auth = setUp({ accessToken: jwt('u1'), refreshToken: 'refresh-1' });
      const ready = auth.ready();
      await tick();
      apollo
        .expectOne('Me')
        .graphqlErrors([{ message: 'Revoked', extensions: { code: ErrorCode.UNAUTHENTICATED } }]);
      await ready;
      expect(auth.signedIn()).toBe(false);
      expect(localStorage.getItem(ACCESS_KEY)).toBeNull();
    });

    it('keeps the tokens when the server cannot be reached', async () => {
      const accessToken = jwt('u1');
      const auth = setUp({ accessToken, refreshToken: 'refresh-1' });
      const ready = auth.ready();
      await tick();
      apollo.expectOne('Me').networkError(new Error('offline'));
      await ready;
      expect(auth.signedIn()).toBe(false);
      expect(localStorage.getItem(ACCESS_KEY)).toBe(accessToken);
    });

    it('asks nobody without a stored token', async () => {
      const auth = setUp();
      await auth.ready();
      apollo.expectNone('Me');
      expect(auth.signedIn()).toBe(false);
    });
  });

  it('when the server refuses to renew the session, signs out and asks to sign in again', async () => {
    const auth = setUp();
    await signIn(auth);
    const router = TestBed.inject(Router);
    await router.navigateByUrl('/studio?tab=chat');

    const refreshed = TestBed.inject(TokenSession).refresh();
    const http = TestBed.inject(HttpTestingController);
    const request = http.expectOne('/graphql');
    expect(request.request.body).toMatchObject({
      operationName: 'RefreshToken',
      variables: { refreshToken: 'refresh-1' },
    });
    request.flush({
      data: null,
      errors: [{ message: 'Session revoked', extensions: { code: ErrorCode.UNAUTHENTICATED } }],
    });
    await expect(refreshed).resolves.toBeNull();
    await tick();
    await tick();

    expect(auth.signedIn()).toBe(false);
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull();
    expect(router.url).toBe('/signin?returnUrl=' + encodeURIComponent('/studio?tab=chat'));
  });
});
