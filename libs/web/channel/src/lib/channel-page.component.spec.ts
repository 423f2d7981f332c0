import { Component, input, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';

import { ClipListComponent } from '@finserve/web/clips';
import { AuthService, createCache } from '@finserve/web/data-access';
import { FollowButtonComponent } from '@finserve/web/social';
import { LivePlayerComponent } from '@finserve/web/viewer';

import { ChannelPageComponent } from './channel-page.component';

async function settle(fixture: { whenStable(): Promise<unknown> }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

/**
 * The clips list, the player and the follow button have their own specs: here only what the page
 * hands them.
 */
@Component({ selector: 'fs-follow-button', template: '' })
class FollowButtonStubComponent {
  readonly userId = input.required<string>();
  readonly followerCount = input<number | null>(null);
}
@Component({ selector: 'fs-clip-list', template: '' })
class ClipListStubComponent {
  readonly userId = input<string | null>(null);
}
@Component({ selector: 'fs-live-player', template: '<div data-testid="player"></div>' })
class LivePlayerStubComponent {
  readonly streamId = input.required<string>();
  readonly hlsUrl = input<string | null>(null);
  readonly active = input(true);
}

const stream = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  __typename: 'Stream',
  id,
  title: `Stream ${id}`,
  status,
  scheduledFor: null,
  startedAt: null,
  endedAt: null,
  durationSeconds: 0,
  thumbnailUrl: null,
  tags: [],
  category: null,
  ...extra,
});

const channel = (live: ReturnType<typeof stream> | null) => ({
  user: {
    __typename: 'User',
    id: 'u1',
    username: 'Anne',
    displayName: 'Anne Macro',
    bio: 'Rates and FX.\nParis.',
    followerCount: 12,
    liveStream: live,
    scheduledStreams: [
      stream('s1', 'SCHEDULED', {
        scheduledFor: '2031-01-20T14:30:00.000Z',
        category: { __typename: 'Category', slug: 'macro', name: 'Macro' },
      }),
    ],
    pastStreams: [
      stream('p1', 'ENDED', { endedAt: '2026-11-27T18:00:00.000Z', durationSeconds: 3725 }),
    ],
  },
});

describe('ChannelPageComponent', () => {
  let controller: ApolloTestingController;
  const user = signal<{ id: string } | null>(null);

  beforeEach(() => {
    user.set(null);
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        provideRouter([]),
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: AuthService, useValue: { user } },
      ],
    });
    TestBed.overrideComponent(ChannelPageComponent, {
      remove: { imports: [ClipListComponent, FollowButtonComponent, LivePlayerComponent] },
      add: { imports: [ClipListStubComponent, FollowButtonStubComponent, LivePlayerStubComponent] },
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  const render = async (data: unknown) => {
    const fixture = TestBed.createComponent(ChannelPageComponent);
    fixture.componentRef.setInput('username', 'anne');
    await settle(fixture);
    const op = controller.expectOne('Channel');
    expect(op.operation.variables).toEqual({ username: 'anne' });
    op.flushData(data as Record<string, unknown>);
    await settle(fixture);
    const element = fixture.nativeElement as HTMLElement;
    const text = (testid: string) =>
      element.querySelector(`[data-testid=${testid}]`)?.textContent?.replace(/\s+/g, ' ').trim();
    return { fixture, element, text };
  };

  it('shows an offline channel: name, bio, schedule with its time and category, past broadcasts, clips', async () => {
    const { element, text, fixture } = await render(channel(null));
    expect(text('channel-name')).toBe('Anne Macro');
    expect(element.querySelector('[data-testid=channel-bio]')?.textContent).toBe(
      'Rates and FX.\nParis.',
    );
    expect(text('channel-offline')).toContain('Anne Macro is offline.');
    expect(element.querySelector('[data-testid=player]')).toBeNull();
    const scheduled = text('channel-scheduled');
    expect(scheduled).toContain('Stream s1');
    expect(scheduled).toContain('Macro');
    expect(scheduled).toMatch(/Jan 20.*02:30\s*PM.*UTC/);
    const past = element.querySelector('[data-testid=replay-card][data-stream-id=p1]');
    expect(past?.getAttribute('href')).toBe('/streams/p1');
    expect(past?.textContent).toContain('1:02:05');
    const clips = fixture.debugElement.query(
      (node) => node.componentInstance instanceof ClipListStubComponent,
    );
    expect((clips.componentInstance as ClipListStubComponent).userId()).toBe('u1');
    const follow = fixture.debugElement.query(
      (node) => node.componentInstance instanceof FollowButtonStubComponent,
    ).componentInstance as FollowButtonStubComponent;
    expect([follow.userId(), follow.followerCount()]).toEqual(['u1', 12]);
    // someone else's channel: no edit link
    expect(element.querySelector('[data-testid=channel-edit]')).toBeNull();
  });

  it('plays the LIVE stream and offers its owner to edit the profile', async () => {
    user.set({ id: 'u1' });
    const live = stream('l1', 'LIVE', { hlsUrl: null, viewerCount: 3 });
    const { element, text, fixture } = await render(channel(live));
    expect(element.querySelector('[data-testid=channel-offline]')).toBeNull();
    const player = fixture.debugElement.query(
      (node) => node.componentInstance instanceof LivePlayerStubComponent,
    );
    expect((player.componentInstance as LivePlayerStubComponent).streamId()).toBe('l1');
    expect(text('channel-live')).toContain('Stream l1');
    expect(text('channel-live')).toContain('3 watching');
    expect(element.querySelector('[data-testid=channel-edit]')?.getAttribute('href')).toBe(
      '/settings',
    );
  });

  it('says so when there is no such channel', async () => {
    const { text } = await render({ user: null });
    expect(text('channel-missing')).toContain('There is no channel at this address.');
  });
});
