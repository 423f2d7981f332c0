import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';

import { AuthService, createCache } from '@finserve/web/data-access';

import { ClipButtonComponent } from './clip-button.component';
import { ClipCreatedDialogComponent } from './clip-created-dialog.component';

async function settle(fixture: { whenStable(): Promise<unknown> }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

const created = {
  createClip: {
    __typename: 'Clip',
    id: 'clip-1',
    title: 'Opening bell',
    durationSeconds: 15,
    status: 'PROCESSING',
    thumbnailUrl: null,
    createdAt: '2026-11-28T10:00:00.000Z',
    url: null,
    startSeconds: 0,
    author: { __typename: 'User', id: 'u1', username: 'ada', displayName: 'Ada' },
    stream: {
      __typename: 'Stream',
      id: 'stream-7',
      title: 'Opening bell',
      streamer: { __typename: 'User', id: 's1', username: 'bob', displayName: 'Bob' },
    },
  },
};

describe('ClipButtonComponent', () => {
  let controller: ApolloTestingController;
  const signedIn = signal(true);
  const open = jest.fn();
  const snack = jest.fn();

  beforeEach(() => {
    signedIn.set(true);
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: AuthService, useValue: { signedIn } },
        { provide: MatDialog, useValue: { open } },
        { provide: MatSnackBar, useValue: { open: snack } },
      ],
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  afterEach(() => controller.verify());

  const render = async (inputs: Record<string, unknown>) => {
    const fixture = TestBed.createComponent(ClipButtonComponent);
    for (const [name, value] of Object.entries(inputs)) fixture.componentRef.setInput(name, value);
    await settle(fixture);
    const element = fixture.nativeElement as HTMLElement;
    const button = () => element.querySelector<HTMLButtonElement>('[data-testid=clip-create]');
    const click = async () => {
      button()?.click();
      await settle(fixture);
    };
    return { fixture, element, button, click };
  };

  it('is not offered to anonymous viewers', async () => {
    signedIn.set(false);
    const { button } = await render({ streamId: 'stream-7', live: true });
    expect(button()).toBeNull();
  });

  it('clips the last 30 s of a live stream by default, or the length picked', async () => {
    const { fixture, element, button, click } = await render({ streamId: 'stream-7', live: true });
    expect(button()?.textContent).toContain('Clip the last 30 s');
    element.querySelector<HTMLButtonElement>('[data-testid=clip-length]')?.click();
    await settle(fixture);
    const options = [...document.querySelectorAll('[data-testid^=clip-length-]')];
    expect(options.map((option) => option.textContent?.trim())).toEqual([
      expect.stringContaining('15 s'),
      expect.stringContaining('30 s'),
      expect.stringContaining('60 s'),
      expect.stringContaining('90 s'),
    ]);
    document.querySelector<HTMLButtonElement>('[data-testid=clip-length-15]')?.click();
    await settle(fixture);
    expect(button()?.textContent).toContain('Clip the last 15 s');

    await click();
    const operation = controller.expectOne('CreateClip');
    expect(operation.operation.variables).toEqual({
      input: { streamId: 'stream-7', durationSeconds: 15 },
    });
    operation.flushData(created);
    await settle(fixture);
    expect(open).toHaveBeenCalledWith(
      ClipCreatedDialogComponent,
      expect.objectContaining({
        data: { id: 'clip-1', title: 'Opening bell', durationSeconds: 15 },
      }),
    );
  });

  it('clips a replay from the player position, kept within the recording', async () => {
    const { click } = await render({
      streamId: 'stream-7',
      live: false,
      position: 95.42,
      recordingSeconds: 100,
    });
    await click();
    const operation = controller.expectOne('CreateClip');
    expect(operation.operation.variables).toEqual({
      input: { streamId: 'stream-7', startSeconds: 70, durationSeconds: 30 },
    });
    operation.flushData(created);
  });

  it('says when to try again when rate limited, and waits until then', async () => {
    // Only the countdown's interval is faked: Angular's scheduler keeps its real timers.
    jest.useFakeTimers({
      doNotFake: [
        'setTimeout',
        'clearTimeout',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'queueMicrotask',
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'Date',
        'performance',
      ],
    });
    try {
      const { fixture, button, click } = await render({ streamId: 'stream-7', live: true });
      await click();
      controller
        .expectOne('CreateClip')
        .graphqlErrors([
          { message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 12 } },
        ]);
      await settle(fixture);
      expect(snack).toHaveBeenCalledWith(
        'You can make 5 clips a minute: try again in 12 s.',
        'Dismiss',
        expect.anything(),
      );
      expect(button()?.disabled).toBe(true);
      expect(button()?.textContent).toContain('Clip again in 12 s');
      jest.advanceTimersByTime(12_000);
      await settle(fixture);
      expect(button()?.disabled).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });
});
