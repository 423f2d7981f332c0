import { TestBed } from '@angular/core/testing';
import { MatSnackBar } from '@angular/material/snack-bar';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';

import { createCache } from '@finserve/web/data-access';

import { DevelopersPageComponent } from './developers-page.component';
import {
  CreatePersonalAccessTokenDocument,
  MyPersonalAccessTokensDocument,
  RevokePersonalAccessTokenDocument,
} from './graphql.generated';

async function settle(fixture: { whenStable(): Promise<unknown> }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

const TOKEN = {
  __typename: 'PersonalAccessToken' as const,
  id: 't1',
  name: 'Old bot',
  scopes: ['profile:read'],
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUsedAt: null,
  expiresAt: null,
};

describe('DevelopersPageComponent', () => {
  let controller: ApolloTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: MatSnackBar, useValue: { open: jest.fn() } },
      ],
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  const q = (fixture: { nativeElement: HTMLElement }, id: string): HTMLElement | null =>
    fixture.nativeElement.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  const must = (fixture: { nativeElement: HTMLElement }, id: string): HTMLElement => {
    const element = q(fixture, id);
    if (!element) throw new Error(`no ${id}`);
    return element;
  };

  it('lists tokens, creates one with the checked scopes and shows its secret once, revokes', async () => {
    const fixture = TestBed.createComponent(DevelopersPageComponent);
    await settle(fixture);
    controller.expectOne(MyPersonalAccessTokensDocument).flush({
      data: { myPersonalAccessTokens: [TOKEN] },
    });
    await settle(fixture);
    expect(fixture.nativeElement.querySelectorAll('[data-testid=developers-token]').length).toBe(1);
    expect(q(fixture, 'developers-secret')).toBeNull();

    const name = must(fixture, 'developers-name') as HTMLInputElement;
    name.value = 'Chat bot';
    name.dispatchEvent(new Event('input'));
    (
      must(fixture, 'developers-scope-chat:write').querySelector('input') as HTMLInputElement
    ).click();
    const expiry = must(fixture, 'developers-expiry') as HTMLInputElement;
    expiry.value = '30';
    expiry.dispatchEvent(new Event('input'));
    (must(fixture, 'developers-create') as HTMLButtonElement).click();
    await settle(fixture);

    const op = controller.expectOne(CreatePersonalAccessTokenDocument);
    expect(op.operation.variables).toEqual({
      input: { name: 'Chat bot', scopes: ['chat:write'], expiresInDays: 30 },
    });
    op.flush({
      data: {
        createPersonalAccessToken: {
          __typename: 'PersonalAccessTokenCreated',
          secret: 'fsl_pat_secret',
          token: { ...TOKEN, id: 't2', name: 'Chat bot', scopes: ['chat:write'] },
        },
      },
    });
    await settle(fixture);
    expect(must(fixture, 'developers-secret').textContent).toBe('fsl_pat_secret');
    expect(fixture.nativeElement.querySelectorAll('[data-testid=developers-token]').length).toBe(2);

    (
      fixture.nativeElement.querySelectorAll(
        '[data-testid=developers-revoke]',
      )[0] as HTMLButtonElement
    ).click();
    await settle(fixture);
    const revoke = controller.expectOne(RevokePersonalAccessTokenDocument);
    expect(revoke.operation.variables).toEqual({ id: 't2' });
    revoke.flush({ data: { revokePersonalAccessToken: true } });
    await settle(fixture);
    expect(fixture.nativeElement.querySelectorAll('[data-testid=developers-token]').length).toBe(1);
    // The secret of a revoked token is not left on screen.
    expect(q(fixture, 'developers-secret')).toBeNull();
  });

  it('shows the empty state when the user has no tokens', async () => {
    const fixture = TestBed.createComponent(DevelopersPageComponent);
    await settle(fixture);
    controller.expectOne(MyPersonalAccessTokensDocument).flush({
      data: { myPersonalAccessTokens: [] },
    });
    await settle(fixture);
    expect(q(fixture, 'developers-empty')).not.toBeNull();
  });
});
