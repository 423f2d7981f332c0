import { InteractivityChecker } from '@angular/cdk/a11y';
import { ApplicationRef, Component, input, signal } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { provideRouter } from '@angular/router';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';
import { AsyncSubject, NEVER, type Observable } from 'rxjs';

import { ChatPanelComponent } from '@finserve/web/chat';
import { AuthService, createCache } from '@finserve/web/data-access';
import { MediaService } from '@finserve/web/media';

import type { StudioStreamFragment } from './graphql.generated';
import { StudioPageComponent } from './studio-page.component';

/** Lets Apollo deliver what a test flushed (it answers asynchronously), then renders. */
async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

/** The chat has its own spec: here only what the console hands it. */
@Component({ selector: 'fs-chat-panel', template: '' })
class ChatPanelStubComponent {
  readonly streamId = input.required<string>();
  readonly moderator = input(false);
}

// jsdom has no media devices: tracks and streams just carry what the page reads from them.
class FakeTrack {
  readonly stop = jest.fn();
  contentHint = '';
  constructor(
    readonly kind: 'audio' | 'video',
    private readonly deviceId: string,
  ) {}
  getSettings(): { deviceId: string } {
    return { deviceId: this.deviceId };
  }
}

class FakeMediaStream {
  constructor(private readonly tracks: FakeTrack[] = []) {}
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((track) => track.kind === 'video');
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((track) => track.kind === 'audio');
  }
}

type Constraints = { video?: unknown; audio?: unknown };

const grantDevices = (constraints: Constraints) =>
  Promise.resolve(
    constraints.video
      ? new FakeMediaStream([new FakeTrack('video', 'cam-1')])
      : new FakeMediaStream([new FakeTrack('audio', 'mic-1')]),
  );

const mediaDevices = {
  getUserMedia: jest.fn(grantDevices),
  getDisplayMedia: jest.fn(() =>
    Promise.resolve(new FakeMediaStream([new FakeTrack('video', 'screen')])),
  ),
  enumerateDevices: jest.fn(() =>
    Promise.resolve([
      { kind: 'videoinput', deviceId: 'cam-1', label: 'Front camera' },
      { kind: 'videoinput', deviceId: 'cam-2', label: '' },
      { kind: 'audioinput', deviceId: 'mic-1', label: 'Headset' },
    ]),
  ),
};

const user = { id: 'u1', username: 'ada', displayName: 'Ada' };

function studioStream(extra: Partial<StudioStreamFragment> = {}) {
  return {
    __typename: 'Stream',
    id: 's1',
    title: 'Morning market',
    description: null,
    status: 'LIVE',
    viewerCount: 42,
    peakViewers: 57,
    startedAt: new Date(Date.now() - 65_000).toISOString(),
    scheduledFor: null,
    ...extra,
  } satisfies StudioStreamFragment & { __typename: string };
}

const money = (amountCents: number) => ({ __typename: 'MoneyTotal', amountCents, currency: 'USD' });

describe('StudioPageComponent', () => {
  let controller: ApolloTestingController;
  const snackBar = { open: jest.fn() };
  const session = {
    pc: Object.assign(new EventTarget(), {
      connectionState: 'connected',
      getStats: () => Promise.resolve(new Map()),
    }),
    sessionId: 'm1',
    dropped: NEVER as Observable<string>,
    close: jest.fn(),
  };
  const media = { publish: jest.fn(() => Promise.resolve(session)) };

  beforeAll(() => {
    Object.defineProperty(navigator, 'mediaDevices', { value: mediaDevices, configurable: true });
    (globalThis as { MediaStream?: unknown }).MediaStream = FakeMediaStream;
  });

  afterAll(() => {
    delete (navigator as { mediaDevices?: unknown }).mediaDevices;
    delete (globalThis as { MediaStream?: unknown }).MediaStream;
  });

  beforeEach(() => {
    mediaDevices.getUserMedia.mockImplementation(grantDevices);
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        provideRouter([]),
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
        // jsdom has no layout: let the dialog's focus trap see its buttons as focusable.
        {
          provide: InteractivityChecker,
          useValue: {
            isDisabled: (element: Element) => element.hasAttribute('disabled'),
            isVisible: () => true,
            isFocusable: () => true,
            isTabbable: () => true,
          },
        },
        { provide: AuthService, useValue: { user: signal(user) } },
        { provide: MediaService, useValue: media },
        { provide: MatSnackBar, useValue: snackBar },
      ],
    });
    TestBed.overrideComponent(StudioPageComponent, {
      remove: { imports: [ChatPanelComponent] },
      add: { imports: [ChatPanelStubComponent] },
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  afterEach(() => {
    TestBed.inject(MatDialog).closeAll();
    jest.restoreAllMocks();
  });

  /** The console with the user's streams answered. */
  const render = async (streams: ReturnType<typeof studioStream>[]) => {
    const fixture = TestBed.createComponent(StudioPageComponent);
    await settle(fixture);
    const mine = controller.expectOne('MyStudioStreams');
    expect(mine.operation.variables).toEqual({ userId: 'u1' });
    mine.flushData({ userStreams: streams });
    controller.expectOne('StudioEarnings').flushData({
      myWallets: [
        { __typename: 'Wallet', currency: 'USD', balanceCents: 12_00, withdrawableCents: 9_50 },
      ],
    });
    await settle(fixture);
    const element = fixture.nativeElement as HTMLElement;
    const text = (testid: string) =>
      element.querySelector(`[data-testid=${testid}]`)?.textContent?.replace(/\s+/g, ' ').trim();
    const click = async (selector: string) => {
      const target = element.querySelector<HTMLElement>(selector);
      if (!target) throw new Error(`${selector} not rendered`);
      target.click();
      await settle(fixture);
    };
    return { fixture, element, text, click };
  };

  it('shows the withdrawable earnings with Withdraw, a link to the wallet', async () => {
    const { element, text } = await render([]);
    expect(text('studio-withdrawable')).toBe('Withdrawable: $9.50');
    expect(element.querySelector('[data-testid=studio-withdraw]')?.getAttribute('href')).toBe(
      '/wallet',
    );
  });

  it('previews the camera and lists the cameras and microphones', async () => {
    const { element } = await render([]);
    expect(mediaDevices.getUserMedia).toHaveBeenCalledWith({
      video: { width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
    const video = element.querySelector<HTMLVideoElement>('[data-testid=preview]');
    expect(video?.srcObject).toBeInstanceOf(FakeMediaStream);
    expect((video?.srcObject as unknown as FakeMediaStream).getTracks().map((t) => t.kind)).toEqual(
      ['video', 'audio'],
    );
    expect(element.querySelector('.overlay')).toBeNull();
    // The devices the browser picked are shown as chosen.
    const selects = [...element.querySelectorAll('.devices mat-select')].map((select) =>
      select.textContent?.trim(),
    );
    expect(selects).toEqual(['Front camera', 'Headset']);
  });

  it('says when camera access was refused, and cannot go live without a preview', async () => {
    mediaDevices.getUserMedia.mockImplementation((constraints: Constraints) =>
      constraints.video
        ? Promise.reject(Object.assign(new Error('denied'), { name: 'NotAllowedError' }))
        : Promise.resolve(new FakeMediaStream([new FakeTrack('audio', 'mic-1')])),
    );
    const { element } = await render([]);
    expect(element.querySelector('.overlay p')?.textContent).toBe(
      'Camera or screen access was refused. Allow it in the browser and try again.',
    );
    expect(element.querySelector('.overlay button')?.textContent?.trim()).toBe('Try again');
    expect(element.querySelector<HTMLButtonElement>('[data-testid=go-live]')?.disabled).toBe(true);
  });

  it('shows the live figures of the LIVE stream: viewers, peak, duration, messages and tips', async () => {
    const { fixture, element, text } = await render([
      studioStream({ id: 's0', status: 'SCHEDULED', title: 'Later' }),
      studioStream(),
    ]);
    expect(text('studio-title')).toBe('Morning market');
    expect(element.querySelector('[data-testid=studio]')?.getAttribute('data-live')).toBe('true');
    expect(element.querySelector('[data-testid=live-badge]')).not.toBeNull();

    const stats = controller.expectOne('StudioStats');
    expect(stats.operation.variables).toEqual({ id: 's1' });
    stats.flushData({
      stream: {
        __typename: 'Stream',
        id: 's1',
        stats: {
          __typename: 'StreamStats',
          messageCount: 12,
          tipCount: 2,
          tipTotals: [money(30_00)],
          tipNetTotals: [money(27_00)],
        },
      },
    });
    await settle(fixture);

    const figures = Object.fromEntries(
      [...element.querySelectorAll('.figures .stat')].map((stat) => [
        stat.querySelector('.label')?.textContent,
        stat.querySelector('.value')?.textContent?.trim(),
      ]),
    );
    expect(figures).toMatchObject({
      Viewers: '42',
      Peak: '57',
      Messages: '12',
      Tips: '$30.00',
    });
    expect(figures['Duration']).toMatch(/^1:0[5-9]$/);
    expect(text('studio-tips-net')).toBe('net $27.00');
    // The chat of the live stream, with the moderation actions.
    const chat = fixture.debugElement.query((node) => node.name === 'fs-chat-panel');
    const panel = chat.componentInstance as ChatPanelStubComponent;
    expect([panel.streamId(), panel.moderator()]).toEqual(['s1', true]);
  });

  it('shows each tip once as it arrives, with the net amount and the message', async () => {
    const { fixture, element } = await render([studioStream()]);
    const tips = controller.expectOne('TipReceived');
    expect(tips.operation.variables).toEqual({ streamId: 's1' });
    expect(element.querySelector('[data-testid=tip-list]')?.textContent?.trim()).toBe(
      'No tips yet.',
    );
    const tip = {
      __typename: 'Tip',
      id: 't1',
      amountCents: 25_00,
      netCents: 23_75,
      platformFeeCents: 1_25,
      currency: 'USD',
      message: '<b>thanks</b>',
      createdAt: new Date().toISOString(),
      from: { __typename: 'User', id: 'u2', username: 'bob', displayName: 'Bob' },
    };
    tips.flushData({ tipReceived: tip });
    await settle(fixture);
    tips.flushData({ tipReceived: tip });
    await settle(fixture);

    const items = [...element.querySelectorAll('[data-testid=tip-item]')];
    expect(items).toHaveLength(1);
    expect(items[0]?.textContent?.replace(/\s+/g, ' ').trim()).toMatch(
      /^\$25\.00 from Bob \(net \$23\.75\)/,
    );
    // The message is text, not markup.
    expect(items[0]?.querySelector('.tip-message')?.textContent).toBe('<b>thanks</b>');
    expect(items[0]?.querySelector('b')).toBeNull();
    expect(snackBar.open).toHaveBeenCalledTimes(1);
    expect(snackBar.open).toHaveBeenCalledWith('Bob tipped $25.00 (you get $23.75)', 'OK', {
      duration: 6000,
    });
  });

  it('ends the stream only once the streamer confirms', async () => {
    const { fixture, click } = await render([studioStream()]);
    const dialogs = () => document.querySelectorAll('fs-confirm-dialog');

    await click('[data-testid=end-stream]');
    expect(dialogs()).toHaveLength(1);
    expect(dialogs()[0]?.querySelector('h2')?.textContent).toBe('End the stream?');
    [...document.querySelectorAll<HTMLButtonElement>('fs-confirm-dialog button')]
      .find((button) => button.textContent?.trim() === 'Cancel')
      ?.click();
    await settle(fixture);
    await TestBed.inject(ApplicationRef).whenStable();
    expect(controller.match('EndStream')).toHaveLength(0);

    await click('[data-testid=end-stream]');
    document.querySelector<HTMLButtonElement>('fs-confirm-dialog [data-testid=confirm]')?.click();
    await settle(fixture);
    const ending = controller.expectOne('EndStream');
    expect(ending.operation.variables).toEqual({ id: 's1' });
    ending.flushData({ endStream: studioStream({ status: 'ENDED' }) });
    await settle(fixture);
    // The console reads the user's streams again and leaves the live state.
    controller.expectOne('MyStudioStreams').flushData({
      userStreams: [studioStream({ status: 'ENDED' })],
    });
    await settle(fixture);
    expect(snackBar.open).toHaveBeenCalledWith('The stream has ended', undefined, {
      duration: 3000,
    });
    expect(fixture.nativeElement.querySelector('[data-testid=end-stream]')).toBeNull();
    // Not the empty form at once: the ended stream's summary, then "New stream" for the form.
    const summary = fixture.nativeElement.querySelector('[data-testid=stream-summary]');
    expect(summary?.getAttribute('data-stream-id')).toBe('s1');
    expect(fixture.nativeElement.querySelector('[data-testid=stream-title]')).toBeNull();
    controller.expectOne('StreamSummary').flushData({
      stream: {
        __typename: 'Stream',
        id: 's1',
        title: 'Morning session',
        status: 'ENDED',
        startedAt: '2026-01-01T09:00:00Z',
        endedAt: '2026-01-01T10:01:05Z',
        durationSeconds: 3665,
        newFollowerCount: 4,
        stats: {
          __typename: 'StreamStats',
          uniqueViewers: 12,
          peakViewers: 7,
          messageCount: 31,
          tipCount: 2,
          tipTotals: [{ __typename: 'MoneyTotal', amountCents: 1500, currency: 'USD' }],
          tipNetTotals: [{ __typename: 'MoneyTotal', amountCents: 1425, currency: 'USD' }],
        },
      },
    });
    await settle(fixture);
    const text = (id: string) =>
      fixture.nativeElement.querySelector(`[data-testid=${id}]`)?.textContent?.trim();
    expect(text('summary-peak')).toBe('7');
    expect(text('summary-unique')).toBe('12');
    expect(text('summary-messages')).toBe('31');
    expect(text('summary-tips-gross')).toBe('$15.00');
    expect(text('summary-tips-net')).toBe('$14.25');
    expect(text('summary-new-followers')).toBe('4');
    expect(
      fixture.nativeElement.querySelector('[data-testid=summary-stats]')?.getAttribute('href'),
    ).toBe('/streams/s1/stats');
    await click('[data-testid=summary-done]');
    expect(fixture.nativeElement.querySelector('[data-testid=stream-summary]')).toBeNull();
    expect(fixture.nativeElement.querySelector('[data-testid=stream-title]')).not.toBeNull();
  });

  it('goes live with a new stream: title required, then created and published', async () => {
    const { fixture, element, click } = await render([]);
    await click('button[data-testid=go-live]');
    expect(controller.match('CreateStream')).toHaveLength(0);
    expect(element.querySelector('mat-error')?.textContent).toBe('A title is required');

    const title = element.querySelector<HTMLInputElement>('[data-testid=stream-title]');
    if (!title) throw new Error('no title field');
    title.value = '  Opening bell  ';
    title.dispatchEvent(new Event('input'));
    await click('button[data-testid=go-live]');

    const create = controller.expectOne('CreateStream');
    expect(create.operation.variables).toEqual({
      input: { title: 'Opening bell', description: null, categorySlug: null, tags: [] },
    });
    const created = studioStream({ id: 's9', title: 'Opening bell' });
    create.flushData({ createStream: created });
    await settle(fixture);
    controller.expectOne('MyStudioStreams').flushData({ userStreams: [created] });
    await settle(fixture);

    expect(media.publish).toHaveBeenCalledTimes(1);
    const [streamId, published, content] = media.publish.mock.calls[0] as unknown as [
      string,
      unknown,
      string,
    ];
    expect(streamId).toBe('s9');
    expect(content).toBe('camera');
    expect(published).toBe(
      element.querySelector<HTMLVideoElement>('[data-testid=preview]')?.srcObject,
    );
  });

  it('says Go live (not "Resume broadcast") while a first broadcast is starting', async () => {
    let published: (value: typeof session) => void = () => undefined;
    media.publish.mockImplementationOnce(() => new Promise((resolve) => (published = resolve)));
    const { fixture, element, click } = await render([]);
    const title = element.querySelector<HTMLInputElement>('[data-testid=stream-title]');
    if (!title) throw new Error('no title field');
    title.value = 'First bell';
    title.dispatchEvent(new Event('input'));
    await click('button[data-testid=go-live]');
    const created = studioStream({ id: 's9', title: 'First bell' });
    controller.expectOne('CreateStream').flushData({ createStream: created });
    await settle(fixture);
    controller.expectOne('MyStudioStreams').flushData({ userStreams: [created] });
    await settle(fixture);
    // LIVE now, the publish still under way: the button is the Go live being pressed.
    expect(media.publish).toHaveBeenCalledTimes(1);
    const button = element.querySelector<HTMLButtonElement>('button[data-testid=go-live]');
    expect(button?.textContent).toContain('Go live');
    expect(button?.textContent).not.toContain('Resume');
    published(session);
    await settle(fixture);
    expect(element.querySelector('button[data-testid=go-live]')).toBeNull();
  });

  it('offers to resume a LIVE stream this console is not sending (reopened or dropped)', async () => {
    const { element } = await render([studioStream()]);
    const button = element.querySelector<HTMLButtonElement>('button[data-testid=go-live]');
    expect(button?.textContent).toContain('Resume broadcast');
  });

  it('switches the preview to the shared screen', async () => {
    // Screen plus camera in the corner draws into a canvas, which jsdom does not implement (it
    // reports that on the console); the screen-only preview below is what this test checks.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { fixture, element } = await render([]);
    const screen = [
      ...element.querySelectorAll<HTMLButtonElement>('mat-button-toggle button'),
    ].find((button) => button.textContent?.includes('Screen'));
    screen?.click();
    await settle(fixture);
    expect(mediaDevices.getDisplayMedia).toHaveBeenCalledWith({ video: true, audio: true });
    const corner = element.querySelector<HTMLInputElement>('mat-checkbox input');
    expect(corner?.checked).toBe(true);

    // Screen only: the preview is the screen's track plus the microphone.
    corner?.click();
    await settle(fixture);
    const video = element.querySelector<HTMLVideoElement>('[data-testid=preview]');
    const tracks = (video?.srcObject as unknown as FakeMediaStream).getTracks();
    expect(tracks.map((track) => track.getSettings().deviceId)).toEqual(['screen', 'mic-1']);
    expect(element.querySelector('.overlay')).toBeNull();
  });

  it("shares the screen's own sound when the user gives it, and marks the screen as detail", async () => {
    const screenVideo = new FakeTrack('video', 'screen');
    mediaDevices.getDisplayMedia.mockImplementationOnce(() =>
      Promise.resolve(new FakeMediaStream([screenVideo, new FakeTrack('audio', 'tab-audio')])),
    );
    const { fixture, element } = await render([]);
    // Screen only (no camera in the corner), so no canvas is needed in jsdom.
    fixture.componentInstance['capture'].withCamera.set(false);
    const screen = [
      ...element.querySelectorAll<HTMLButtonElement>('mat-button-toggle button'),
    ].find((button) => button.textContent?.includes('Screen'));
    screen?.click();
    await settle(fixture);
    const video = element.querySelector<HTMLVideoElement>('[data-testid=preview]');
    const tracks = (video?.srcObject as unknown as FakeMediaStream).getTracks();
    // jsdom has no Web Audio to mix it with the microphone: the screen's sound is taken.
    expect(tracks.map((track) => track.getSettings().deviceId)).toEqual(['screen', 'tab-audio']);
    expect(screenVideo.contentHint).toBe('detail');
  });

  it("mixes the microphone with the screen's sound into one track, released with the capture", async () => {
    const mixed = new FakeTrack('audio', 'mixed');
    const sources: string[] = [];
    const close = jest.fn(() => Promise.resolve());
    class FakeAudioContext {
      readonly close = close;
      resume = () => Promise.resolve();
      createMediaStreamDestination = () => ({ stream: new FakeMediaStream([mixed]) });
      createMediaStreamSource = (stream: FakeMediaStream) => {
        sources.push(stream.getTracks()[0]?.getSettings().deviceId ?? '');
        return { connect: () => undefined };
      };
    }
    (globalThis as { AudioContext?: unknown }).AudioContext = FakeAudioContext;
    mediaDevices.getDisplayMedia.mockImplementationOnce(() =>
      Promise.resolve(
        new FakeMediaStream([
          new FakeTrack('video', 'screen'),
          new FakeTrack('audio', 'tab-audio'),
        ]),
      ),
    );
    try {
      const { fixture, element } = await render([]);
      fixture.componentInstance['capture'].withCamera.set(false);
      fixture.componentInstance['setSource']('screen');
      await settle(fixture);
      const video = element.querySelector<HTMLVideoElement>('[data-testid=preview]');
      const tracks = (video?.srcObject as unknown as FakeMediaStream).getTracks();
      expect(tracks.map((track) => track.getSettings().deviceId)).toEqual(['screen', 'mixed']);
      expect(sources).toEqual(['mic-1', 'tab-audio']);
      expect(close).not.toHaveBeenCalled();
      // Back to the camera: the screen's capture, its mixer included, is released.
      fixture.componentInstance['setSource']('camera');
      await settle(fixture);
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      delete (globalThis as { AudioContext?: unknown }).AudioContext;
    }
  });

  it('lists each simulcast layer sent while live, highest first, and what holds one back', async () => {
    // Each reading (every 2 s) finds 40 more frames in every layer: 20 fps each.
    let readings = 0;
    const layer = (rid: string, width: number, height: number, reason: string) => [
      rid,
      {
        type: 'outbound-rtp',
        kind: 'video',
        rid,
        frameWidth: width,
        frameHeight: height,
        qualityLimitationReason: reason,
        framesEncoded: 40 * readings,
        bytesSent: 100_000 * readings,
      },
    ];
    const original = session.pc.getStats;
    session.pc.getStats = () => {
      readings++;
      return Promise.resolve(
        new Map([
          layer('q', 320, 180, 'none'),
          layer('f', 1280, 720, 'bandwidth'),
          layer('h', 640, 360, 'cpu'),
        ] as [string, unknown][]),
      );
    };
    try {
      const { fixture, element, click } = await render([studioStream()]);
      expect(element.querySelector('fs-publish-layers')).toBeNull();
      await click('button[data-testid=go-live]');
      controller.expectOne('MyStudioStreams').flushData({ userStreams: [studioStream()] });
      await settle(fixture);
      expect(media.publish).toHaveBeenCalled();
      // The console reads its connection's statistics every 2 s.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await settle(fixture);
      const rows = [...element.querySelectorAll('[data-testid=publish-layer]')].map((row) =>
        [row.querySelector('th'), ...row.querySelectorAll('td')]
          .filter((_, i) => i !== 2 && i !== 3) // fps and kbps need two readings
          .map((cell) => cell?.textContent?.trim()),
      );
      expect(rows).toEqual([
        ['High', '1280×720', 'Limited by the network'],
        ['Medium', '640×360', 'Limited by the CPU'],
        ['Low', '320×180', ''],
      ]);
      // A second reading: the health tile's frame rate is a layer's, not the three added up.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await settle(fixture);
      expect(element.querySelector('[data-testid=health] .value')?.textContent).toMatch(
        / · 20 fps$/,
      );
      expect(
        element.querySelector('[data-testid=publish-layer] td:nth-of-type(2)')?.textContent,
      ).toBe('20 fps');
    } finally {
      session.pc.getStats = original;
    }
  });

  describe('a lost broadcast', () => {
    /** A publisher session whose connection state and the server's drop the test drives. */
    const lostSession = (sessionId: string) => {
      const dropped = new AsyncSubject<string>();
      const pc: EventTarget & {
        connectionState: RTCPeerConnectionState;
        getStats(): Promise<Map<string, unknown>>;
      } = Object.assign(new EventTarget(), {
        connectionState: 'connecting' as const,
        getStats: () => Promise.resolve(new Map<string, unknown>()),
      });
      return {
        pc,
        sessionId,
        dropped,
        close: jest.fn(),
        setState: (state: RTCPeerConnectionState) => {
          pc.connectionState = state;
          pc.dispatchEvent(new Event('connectionstatechange'));
        },
        drop: () => {
          dropped.next('PUBLISHER_GONE');
          dropped.complete();
        },
      };
    };
    let sessions: ReturnType<typeof lostSession>[];

    beforeEach(() => {
      sessions = ['p1', 'p2', 'p3'].map(lostSession);
      let next = 0;
      media.publish.mockImplementation(() =>
        Promise.resolve(sessions[next++] as unknown as typeof session),
      );
    });
    afterEach(() => media.publish.mockImplementation(() => Promise.resolve(session)));

    /** The console resumes the LIVE stream; its first session connects. */
    const resumed = async () => {
      const rendered = await render([studioStream()]);
      await rendered.click('button[data-testid=go-live]');
      controller.expectOne('MyStudioStreams').flushData({ userStreams: [studioStream()] });
      await settle(rendered.fixture);
      expect(media.publish).toHaveBeenCalledTimes(1);
      sessions[0]?.setState('connected');
      await settle(rendered.fixture);
      const connection = () => ({
        state: rendered.element
          .querySelector('[data-testid=health]')
          ?.getAttribute('data-connection'),
        label: rendered.text('health-connection'),
      });
      expect(connection()).toEqual({ state: 'connected', label: 'connected' });
      return { ...rendered, connection };
    };

    it('publishes again at once when the server drops it, saying Reconnecting… until connected', async () => {
      const { fixture, connection } = await resumed();
      sessions[0]?.drop();
      await settle(fixture);
      expect(media.publish).toHaveBeenCalledTimes(2);
      expect((media.publish.mock.calls[1] as unknown as [string] | undefined)?.[0]).toBe('s1');
      expect(sessions[0]?.close).toHaveBeenCalled();
      expect(connection()).toEqual({ state: 'reconnecting', label: 'Reconnecting…' });
      // Not the "Resume broadcast" of a console that stopped sending.
      expect(fixture.nativeElement.querySelector('button[data-testid=go-live]')).toBeNull();
      sessions[1]?.setState('connected');
      await settle(fixture);
      expect(connection()).toEqual({ state: 'connected', label: 'connected' });
    });

    it('publishes again when the connection stays disconnected for 2 s or fails', async () => {
      const { fixture, connection } = await resumed();
      sessions[0]?.setState('disconnected');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(media.publish).toHaveBeenCalledTimes(1);
      await new Promise((resolve) => setTimeout(resolve, 700));
      await settle(fixture);
      expect(media.publish).toHaveBeenCalledTimes(2);
      expect(connection().state).toBe('reconnecting');
      sessions[1]?.setState('connected');
      sessions[1]?.setState('failed');
      await settle(fixture);
      expect(media.publish).toHaveBeenCalledTimes(3);
    }, 15_000);

    it('does not publish again after the streamer ends the stream', async () => {
      const { fixture, click } = await resumed();
      await click('[data-testid=end-stream]');
      document.querySelector<HTMLButtonElement>('fs-confirm-dialog [data-testid=confirm]')?.click();
      await settle(fixture);
      controller.expectOne('EndStream').flushData({ endStream: studioStream({ status: 'ENDED' }) });
      await settle(fixture);
      // The server answers the close of the publisher's session with PUBLISHER_GONE.
      sessions[0]?.drop();
      sessions[0]?.setState('closed');
      await settle(fixture);
      expect(media.publish).toHaveBeenCalledTimes(1);
    });
  });
});
