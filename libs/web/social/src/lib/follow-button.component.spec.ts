import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatSnackBar } from '@angular/material/snack-bar';
import { provideRouter } from '@angular/router';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';

import { AuthService, createCache } from '@finserve/web/data-access';

import { FollowButtonComponent } from './follow-button.component';
import { FollowDocument, FollowStateDocument, UnfollowDocument } from './graphql.generated';
import { WebPushService } from './web-push.service';

async function settle(fixture: { whenStable(): Promise<unknown> }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

describe('FollowButtonComponent', () => {
  let controller: ApolloTestingController;
  const user = signal<{ id: string } | null>({ id: 'me' });
  const offer = jest.fn(() => Promise.resolve());

  beforeEach(() => {
    user.set({ id: 'me' });
    offer.mockClear();
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        provideRouter([]),
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: AuthService, useValue: { user, signedIn: () => user() !== null } },
        { provide: MatSnackBar, useValue: { open: jest.fn() } },
        { provide: WebPushService, useValue: { offerAfterFollow: offer } },
      ],
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  const create = async (userId = 'streamer', followerCount = 4) => {
    const fixture = TestBed.createComponent(FollowButtonComponent);
    fixture.componentRef.setInput('userId', userId);
    fixture.componentRef.setInput('followerCount', followerCount);
    await settle(fixture);
    return fixture;
  };
  const button = (fixture: { nativeElement: HTMLElement }) =>
    fixture.nativeElement.querySelector('[data-testid=follow-button]') as HTMLButtonElement;
  const count = (fixture: { nativeElement: HTMLElement }) =>
    fixture.nativeElement.querySelector('[data-testid=follower-count]')?.textContent?.trim();

  it('follows, shows Following and the new count, then offers push; unfollows back', async () => {
    const fixture = await create();
    controller.expectOne(FollowStateDocument).flush({ data: { isFollowing: false } });
    await settle(fixture);
    expect(button(fixture).textContent).toContain('Follow');
    expect(count(fixture)).toBe('4 followers');

    button(fixture).click();
    controller
      .expectOne(FollowDocument)
      .flush({ data: { follow: { __typename: 'User', id: 'streamer', followerCount: 5 } } });
    await settle(fixture);
    expect(button(fixture).textContent).toContain('Following');
    expect(button(fixture).getAttribute('aria-pressed')).toBe('true');
    expect(count(fixture)).toBe('5 followers');
    expect(offer).toHaveBeenCalledTimes(1);

    button(fixture).click();
    controller
      .expectOne(UnfollowDocument)
      .flush({ data: { unfollow: { __typename: 'User', id: 'streamer', followerCount: 1 } } });
    await settle(fixture);
    expect(button(fixture).textContent).toContain('Follow');
    expect(count(fixture)).toBe('1 follower');
    expect(offer).toHaveBeenCalledTimes(1);
  });

  it('on one’s own channel shows the count only', async () => {
    const fixture = await create('me', 2);
    controller.expectOne(FollowStateDocument).flush({ data: { isFollowing: false } });
    await settle(fixture);
    expect(button(fixture)).toBeNull();
    expect(count(fixture)).toBe('2 followers');
  });

  it('signed out, leads to sign-in and asks the server nothing', async () => {
    user.set(null);
    const fixture = await create();
    controller.expectNone(FollowStateDocument);
    expect(button(fixture).getAttribute('href')).toBe('/signin');
  });
});
