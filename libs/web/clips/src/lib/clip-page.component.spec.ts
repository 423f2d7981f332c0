import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { provideRouter, Router } from '@angular/router';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';
import { of } from 'rxjs';

import { AuthService, createCache } from '@finserve/web/data-access';

import { ClipPageComponent } from './clip-page.component';

async function settle(fixture: { whenStable(): Promise<unknown> }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

const clip = (status: 'PROCESSING' | 'READY' | 'FAILED') => ({
  clip: {
    __typename: 'Clip',
    id: 'clip-1',
    title: 'Opening bell',
    durationSeconds: 15.2,
    status,
    thumbnailUrl: '/clips/clip-1.jpg?v=1',
    createdAt: '2026-11-28T10:00:00.000Z',
    url: status === 'READY' ? '/clips/clip-1.mp4' : null,
    startSeconds: 40,
    author: { __typename: 'User', id: 'author', username: 'ada', displayName: 'Ada' },
    stream: {
      __typename: 'Stream',
      id: 'stream-7',
      title: 'Markets open',
      streamer: { __typename: 'User', id: 'streamer', username: 'bob', displayName: 'Bob' },
    },
  },
});

describe('ClipPageComponent', () => {
  let controller: ApolloTestingController;
  const user = signal<{ id: string } | null>(null);
  const confirm = jest.fn(() => ({ afterClosed: () => of(true) }));

  beforeEach(() => {
    user.set(null);
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        provideRouter([]),
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: AuthService, useValue: { user, token: signal(null) } },
        { provide: MatDialog, useValue: { open: confirm } },
        { provide: MatSnackBar, useValue: { open: jest.fn() } },
      ],
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  afterEach(() => {
    jest.useRealTimers();
    controller.verify();
  });

  const render = async (status: 'PROCESSING' | 'READY' | 'FAILED') => {
    const fixture = TestBed.createComponent(ClipPageComponent);
    fixture.componentRef.setInput('id', 'clip-1');
    await settle(fixture);
    controller.expectOne('Clip').flushData(clip(status));
    await settle(fixture);
    const element = fixture.nativeElement as HTMLElement;
    const find = (testid: string) => element.querySelector(`[data-testid=${testid}]`);
    return { fixture, element, find };
  };

  it('plays a READY clip with its thumbnail as poster, and says what it was clipped from', async () => {
    const { find } = await render('READY');
    const video = find('clip-video') as HTMLVideoElement;
    expect(video.getAttribute('src')).toBe('/clips/clip-1.mp4');
    expect(video.getAttribute('poster')).toBe('/clips/clip-1.jpg?v=1');
    expect(video.hasAttribute('controls')).toBe(true);
    expect(find('clip-title')?.textContent).toBe('Opening bell');
    expect(find('clip-author')?.textContent).toContain('Clipped by Ada');
    expect(find('clip-length')?.textContent).toBe('0:15');
    expect(find('clip-stream-link')?.getAttribute('href')).toBe('/streams/stream-7');
    expect(find('clip-stream-link')?.textContent?.trim()).toBe('Markets open');
  });

  it('re-reads a PROCESSING clip until it is READY', async () => {
    const { fixture, find } = await render('PROCESSING');
    expect(find('clip-processing')?.textContent).toContain('Preparing the clip…');
    expect(find('clip-video')).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    controller.expectOne('Clip').flushData(clip('READY'));
    await settle(fixture);
    expect(find('clip-processing')).toBeNull();
    expect(find('clip-video')).not.toBeNull();
    // READY: no more polling.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    controller.expectNone('Clip');
  });

  it('says so when the clip could not be made', async () => {
    const { find } = await render('FAILED');
    expect(find('clip-failed')?.textContent).toContain('This clip could not be made.');
  });

  it('offers Delete to the author and the streamer, not to others', async () => {
    for (const [id, offered] of [
      ['author', true],
      ['streamer', true],
      ['someone', false],
    ] as const) {
      user.set({ id });
      const { find, fixture } = await render('READY');
      expect(find('clip-delete') !== null).toBe(offered);
      fixture.destroy();
    }
  });

  it('deletes after confirmation, then goes back to the stream', async () => {
    user.set({ id: 'author' });
    const router = TestBed.inject(Router);
    const navigate = jest.spyOn(router, 'navigate').mockResolvedValue(true);
    const { fixture, find } = await render('READY');
    (find('clip-delete') as HTMLButtonElement).click();
    await settle(fixture);
    expect(confirm).toHaveBeenCalled();
    const operation = controller.expectOne('DeleteClip');
    expect(operation.operation.variables).toEqual({ clipId: 'clip-1' });
    operation.flushData({ deleteClip: true });
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/streams', 'stream-7']);
    // Evicted from the cache: read again (here the page stays, the navigation being a stub).
    controller.expectOne('Clip').flushData({ clip: null });
    await settle(fixture);
    expect(find('clip-missing')?.textContent).toContain('This clip does not exist');
  });
});
