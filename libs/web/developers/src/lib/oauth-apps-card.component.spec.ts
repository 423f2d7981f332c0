import { TestBed } from '@angular/core/testing';
import { MatSnackBar } from '@angular/material/snack-bar';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';

import { createCache } from '@finserve/web/data-access';

import {
  CreateOAuthAppDocument,
  DeleteOAuthAppDocument,
  MyOAuthAppsDocument,
} from './graphql.generated';
import { OAuthAppsCardComponent, redirectUrisOf } from './oauth-apps-card.component';

async function settle(fixture: { whenStable(): Promise<unknown> }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

const APP = {
  __typename: 'OAuthApp' as const,
  id: 'a1',
  clientId: 'fsl_app_old',
  name: 'Old app',
  redirectUris: ['https://old.example.com/cb'],
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('redirectUrisOf', () => {
  it('takes one URI per line, trimmed, without blank lines', () => {
    expect(redirectUrisOf(' https://a.example/cb \n\n http://localhost:8080/cb\n')).toEqual([
      'https://a.example/cb',
      'http://localhost:8080/cb',
    ]);
  });
});

describe('OAuthAppsCardComponent', () => {
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
  const type = (element: HTMLElement, value: string) => {
    (element as HTMLInputElement).value = value;
    element.dispatchEvent(new Event('input'));
  };

  it('lists apps, creates one with its redirect URIs and shows the client secret once, deletes', async () => {
    const fixture = TestBed.createComponent(OAuthAppsCardComponent);
    await settle(fixture);
    controller.expectOne(MyOAuthAppsDocument).flush({ data: { myOAuthApps: [APP] } });
    await settle(fixture);
    expect(fixture.nativeElement.querySelectorAll('[data-testid=oauth-app]').length).toBe(1);
    expect(q(fixture, 'oauth-app-secret')).toBeNull();

    type(must(fixture, 'oauth-app-name'), 'Chart Bot');
    type(
      must(fixture, 'oauth-app-redirect-uris'),
      'https://bot.example.com/cb\nhttp://127.0.0.1:8080/cb\n',
    );
    (must(fixture, 'oauth-app-create') as HTMLButtonElement).click();
    await settle(fixture);
    const op = controller.expectOne(CreateOAuthAppDocument);
    expect(op.operation.variables).toEqual({
      input: {
        name: 'Chart Bot',
        redirectUris: ['https://bot.example.com/cb', 'http://127.0.0.1:8080/cb'],
      },
    });
    op.flush({
      data: {
        createOAuthApp: {
          __typename: 'OAuthAppCreated',
          clientSecret: 'fsl_ocs_secret',
          app: { ...APP, id: 'a2', clientId: 'fsl_app_new', name: 'Chart Bot' },
        },
      },
    });
    await settle(fixture);
    expect(must(fixture, 'oauth-app-secret').textContent).toBe('fsl_ocs_secret');
    expect(must(fixture, 'oauth-app-client-id').textContent).toBe('fsl_app_new');
    expect(fixture.nativeElement.querySelectorAll('[data-testid=oauth-app]').length).toBe(2);

    (
      fixture.nativeElement.querySelectorAll(
        '[data-testid=oauth-app-delete]',
      )[0] as HTMLButtonElement
    ).click();
    await settle(fixture);
    const deleted = controller.expectOne(DeleteOAuthAppDocument);
    expect(deleted.operation.variables).toEqual({ id: 'a2' });
    deleted.flush({ data: { deleteOAuthApp: true } });
    await settle(fixture);
    expect(fixture.nativeElement.querySelectorAll('[data-testid=oauth-app]').length).toBe(1);
    expect(q(fixture, 'oauth-app-secret')).toBeNull();
  });

  it('does not send a form without a redirect URI', async () => {
    const fixture = TestBed.createComponent(OAuthAppsCardComponent);
    await settle(fixture);
    controller.expectOne(MyOAuthAppsDocument).flush({ data: { myOAuthApps: [] } });
    await settle(fixture);
    expect(q(fixture, 'oauth-app-empty')).not.toBeNull();
    type(must(fixture, 'oauth-app-name'), 'No redirect');
    type(must(fixture, 'oauth-app-redirect-uris'), '  \n ');
    (must(fixture, 'oauth-app-create') as HTMLButtonElement).click();
    await settle(fixture);
    controller.expectNone(CreateOAuthAppDocument);
  });
});
