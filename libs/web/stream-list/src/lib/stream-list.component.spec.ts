import { signal } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';
import { Subject } from 'rxjs';

import { AuthService, createCache, GraphqlSocket } from '@finserve/web/data-access';

import { StreamListComponent } from './stream-list.component';

async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

const scheduled = {
  __typename: 'Stream',
  id: 's1',
  title: 'Weekly outlook',
  status: 'SCHEDULED',
  viewerCount: 0,
  scheduledFor: '2026-12-01T14:30:00.000Z',
  startedAt: null,
  thumbnailUrl: null,
  streamer: { __typename: 'User', id: 'u1', username: 'ada', displayName: 'Ada' },
};

describe('StreamListComponent', () => {
  let controller: ApolloTestingController;
  let connected: Subject<void>;

  beforeEach(() => {
    connected = new Subject<void>();
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        provideRouter([]),
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: AuthService, useValue: { user: signal(null) } },
        { provide: GraphqlSocket, useValue: { connected$: connected } },
      ],
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  const render = async (upcoming: unknown[]) => {
    const fixture = TestBed.createComponent(StreamListComponent);
    await settle(fixture);
    controller.expectOne('LiveStreams').flushData({ liveStreams: [] });
    controller.expectOne('UpcomingStreams').flushData({ upcomingStreams: upcoming });
    await settle(fixture);
    return fixture.nativeElement as HTMLElement;
  };

  it('says nothing is scheduled, without promising what the studio cannot do', async () => {
    const element = await render([]);
    const empty = element.querySelector('[data-testid=upcoming-empty]')?.textContent?.trim();
    expect(empty).toBe('Nothing is scheduled yet.');
    expect(empty).not.toMatch(/studio|announce/i);
  });

  it('shows a scheduled time with its time zone', async () => {
    const element = await render([scheduled]);
    const when = element.querySelector('time[data-testid=upcoming-when]');
    expect(when?.getAttribute('datetime')).toBe(scheduled.scheduledFor);
    expect(when?.textContent?.trim()).toBe('Tue, Dec 1, 02:30 PM UTC');
  });

  it('fetches the lists again after the socket connects, catching what it published before', async () => {
    const element = await render([]);
    expect(element.querySelector('[data-stream-id]')).toBeNull();
    connected.next();
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    const live = {
      ...scheduled,
      id: 's2',
      title: 'Opening bell',
      status: 'LIVE',
      scheduledFor: null,
    };
    controller
      .expectOne('LiveStreams')
      .flushData({ liveStreams: [{ ...live, tags: [], category: null }] });
    controller.expectOne('UpcomingStreams').flushData({ upcomingStreams: [] });
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    expect(element.querySelector('[data-stream-id=s2]')?.textContent).toContain('Opening bell');
  });
});
