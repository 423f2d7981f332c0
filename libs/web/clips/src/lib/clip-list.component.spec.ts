import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';

import { createCache } from '@finserve/web/data-access';

import { ClipListComponent } from './clip-list.component';

async function settle(fixture: { whenStable(): Promise<unknown> }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

const card = (
  id: string,
  status: 'PROCESSING' | 'READY' | 'FAILED',
  thumbnailUrl: string | null,
) => ({
  __typename: 'Clip',
  id,
  title: `Clip ${id}`,
  durationSeconds: 15.4,
  status,
  thumbnailUrl,
  createdAt: '2026-11-28T10:00:00.000Z',
  author: { __typename: 'User', id: 'u1', displayName: 'Ada' },
});

describe('ClipListComponent', () => {
  let controller: ApolloTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [provideRouter([]), { provide: APOLLO_TESTING_CACHE, useFactory: createCache }],
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  afterEach(() => controller.verify());

  const render = async (inputs: Record<string, unknown>) => {
    const fixture = TestBed.createComponent(ClipListComponent);
    for (const [name, value] of Object.entries(inputs)) fixture.componentRef.setInput(name, value);
    await settle(fixture);
    return { fixture, element: fixture.nativeElement as HTMLElement };
  };

  it("lists a stream's clips as links to their pages, with thumbnails and durations", async () => {
    const { fixture, element } = await render({ streamId: 'stream-7' });
    const operation = controller.expectOne('Clips');
    expect(operation.operation.variables).toEqual({
      streamId: 'stream-7',
      userId: null,
      limit: 24,
    });
    operation.flushData({
      clips: [card('c2', 'READY', '/clips/c2.jpg?v=1'), card('c1', 'FAILED', null)],
    });
    await settle(fixture);
    const cards = [...element.querySelectorAll<HTMLAnchorElement>('[data-testid=clip-card]')];
    expect(cards.map((a) => a.getAttribute('href'))).toEqual(['/clips/c2', '/clips/c1']);
    expect(cards[0]?.querySelector('img')?.getAttribute('src')).toBe('/clips/c2.jpg?v=1');
    expect(cards[0]?.querySelector('[data-testid=clip-duration]')?.textContent?.trim()).toBe(
      '0:15',
    );
    expect(cards[0]?.textContent).toContain('by Ada');
    // No thumbnail: the generated placeholder; a failed clip says so.
    expect(cards[1]?.querySelector('fs-stream-placeholder')).not.toBeNull();
    expect(cards[1]?.textContent).toContain('Failed');
  });

  it('lists a channel by its user id, and says when there are no clips', async () => {
    const { fixture, element } = await render({ userId: 'user-3', limit: 6 });
    const operation = controller.expectOne('Clips');
    expect(operation.operation.variables).toEqual({ streamId: null, userId: 'user-3', limit: 6 });
    operation.flushData({ clips: [] });
    await settle(fixture);
    expect(element.querySelector('[data-testid=clip-list-empty]')?.textContent).toContain(
      'No clips yet.',
    );
  });

  it('re-reads the list while a clip is PROCESSING, and stops once it is READY', async () => {
    const { fixture, element } = await render({ streamId: 'stream-7' });
    controller.expectOne('Clips').flushData({ clips: [card('c1', 'PROCESSING', null)] });
    await settle(fixture);
    expect(element.querySelector('[data-testid=clip-card]')?.textContent).toContain('Processing…');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    controller.expectOne('Clips').flushData({ clips: [card('c1', 'READY', null)] });
    await settle(fixture);
    expect(element.querySelector('[data-testid=clip-duration]')?.textContent?.trim()).toBe('0:15');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    controller.expectNone('Clips');
  });
});
