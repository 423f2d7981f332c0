import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';
import { AsyncSubject } from 'rxjs';

import { createCache } from '@finserve/web/data-access';
import { MediaService, type MediaSessionHandle } from '@finserve/web/media';

import type { HlsReading } from './hls-controls';
import { HlsPlayback, type HlsAttachment } from './hls-playback';
import { LivePlayerComponent } from './live-player.component';

/** Lets Apollo deliver what a test flushed (it answers asynchronously), then renders. */
async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

const layers = {
  stream: {
    __typename: 'Stream',
    id: 's1',
    videoLayers: [
      [1280, 720, 'HIGH', 2400],
      [640, 360, 'MEDIUM', 600],
      [320, 180, 'LOW', 150],
    ].map(([width, height, quality, bitrateKbps]) => ({
      __typename: 'VideoLayer',
      quality,
      width,
      height,
      framesPerSecond: 30,
      bitrateKbps,
    })),
  },
};

/** What the browser reports for the received video: 720p, 1 % lost, 12 ms jitter, 42 ms RTT. */
const receivedStats = () =>
  new Map<string, Record<string, unknown>>([
    ['T', { type: 'transport', selectedCandidatePairId: 'P' }],
    ['P', { id: 'P', type: 'candidate-pair', currentRoundTripTime: 0.042 }],
    [
      'V',
      {
        type: 'inbound-rtp',
        kind: 'video',
        frameWidth: 1280,
        frameHeight: 720,
        bytesReceived: 1_000_000,
        framesDecoded: 300,
        packetsReceived: 990,
        packetsLost: 10,
        jitter: 0.012,
      },
    ],
  ]);

/**
 * A media session as MediaService.play gives it, its connection state and the server's drop
 * set by the test.
 */
function fakeSession(sessionId: string, connectionState: RTCPeerConnectionState = 'connected') {
  const pc: EventTarget & {
    connectionState: RTCPeerConnectionState;
    getStats(): Promise<Map<string, Record<string, unknown>>>;
  } = Object.assign(new EventTarget(), {
    connectionState,
    getStats: () => Promise.resolve(receivedStats()),
  });
  const dropped = new AsyncSubject<string>();
  const setState = (state: RTCPeerConnectionState) => {
    pc.connectionState = state;
    pc.dispatchEvent(new Event('connectionstatechange'));
  };
  const drop = () => {
    dropped.next('SESSION_CLOSED');
    dropped.complete();
  };
  return { pc, sessionId, dropped, close: jest.fn(), setState, drop };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LivePlayerComponent', () => {
  let controller: ApolloTestingController;
  let play: jest.SpiedFunction<MediaService['play']>;
  let sessions: ReturnType<typeof fakeSession>[];

  beforeEach(() => {
    sessions = [fakeSession('m1'), fakeSession('m2'), fakeSession('m3')];
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
        { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
      ],
    });
    controller = TestBed.inject(ApolloTestingController);
    // The real signaling (its mutations go through the testing controller), without WebRTC.
    let next = 0;
    play = jest
      .spyOn(TestBed.inject(MediaService), 'play')
      .mockImplementation(() => Promise.resolve(sessions[next++] as unknown as MediaSessionHandle));
  });

  afterEach(() => {
    document.querySelectorAll('.cdk-overlay-container').forEach((node) => node.remove());
    jest.restoreAllMocks();
  });

  const render = async (hlsUrl: string | null = null) => {
    const fixture = TestBed.createComponent(LivePlayerComponent);
    fixture.componentRef.setInput('streamId', 's1');
    fixture.componentRef.setInput('hlsUrl', hlsUrl);
    await settle(fixture);
    const element = fixture.nativeElement as HTMLElement;
    /** Opens the settings menu; it reads the layers again, answered here. */
    const openMenu = async () => {
      element.querySelector<HTMLButtonElement>('[data-testid=quality-button]')?.click();
      await settle(fixture);
      controller.match('StreamVideoLayers').forEach((query) => query.flushData(layers));
      await settle(fixture);
    };
    const options = () => [
      ...document.querySelectorAll<HTMLButtonElement>('[data-testid=quality-option]'),
    ];
    return { fixture, element, openMenu, options };
  };

  it('offers Auto and each layer by resolution; choosing one switches this session and the next', async () => {
    const { fixture, openMenu, options } = await render();
    expect(play).toHaveBeenCalledTimes(1);
    expect(play.mock.calls[0]?.[0]).toBe('s1');
    expect(play.mock.calls[0]?.[2]).toBe('AUTO');
    const first = controller.expectOne('StreamVideoLayers');
    expect(first.operation.variables).toEqual({ id: 's1' });
    first.flushData(layers);

    await openMenu();
    const label = (option: Element) =>
      option.querySelector('.mat-mdc-menu-item-text')?.textContent?.replace(/\s+/g, ' ').trim();
    expect(options().map(label)).toEqual(['Auto', '720p High', '360p Medium', '180p Low']);
    expect(options().map((option) => option.getAttribute('aria-checked'))).toEqual([
      'true',
      'false',
      'false',
      'false',
    ]);

    options()[2]?.click();
    await settle(fixture);
    const switching = controller.expectOne('SetPlaybackQuality');
    expect(switching.operation.variables).toEqual({ sessionId: 'm1', quality: 'MEDIUM' });
    switching.flushData({ setPlaybackQuality: true });

    await openMenu();
    expect(options().map((option) => option.getAttribute('aria-checked'))).toEqual([
      'false',
      'false',
      'true',
      'false',
    ]);

    // The connection fails: the player reconnects, asking for the layer chosen.
    const dropped = sessions[0];
    if (!dropped) throw new Error('no session');
    dropped.pc.connectionState = 'failed';
    dropped.pc.dispatchEvent(new Event('connectionstatechange'));
    await new Promise((resolve) => setTimeout(resolve, 700));
    await settle(fixture);
    expect(play).toHaveBeenCalledTimes(2);
    expect(play.mock.calls[1]?.[2]).toBe('MEDIUM');
    expect(controller.match('SetPlaybackQuality')).toHaveLength(0);
  });

  it('shows stats for nerds from the connection: resolution, layer, loss, jitter, round trip', async () => {
    const { fixture, element, openMenu } = await render();
    controller.expectOne('StreamVideoLayers').flushData(layers);
    await openMenu();
    const toggle = document.querySelector<HTMLButtonElement>('[data-testid=stats-toggle]');
    expect(toggle?.getAttribute('aria-checked')).toBe('false');
    toggle?.click();
    await settle(fixture);
    controller.match('StreamVideoLayers').forEach((query) => query.flushData(layers));
    await settle(fixture);

    const stat = (name: string) =>
      element.querySelector(`[data-stat=${name}]`)?.textContent?.replace(/\s+/g, ' ').trim();
    expect(stat('resolution')).toBe('1280×720');
    expect(stat('layer')).toBe('Auto → 720p (High)');
    expect(stat('loss')).toBe('1.0%');
    expect(stat('jitter')).toBe('12 ms');
    expect(stat('rtt')).toBe('42 ms');
    // The first reading has no earlier one to measure a rate against.
    expect(stat('fps')).toBe('0 fps');

    element.querySelector<HTMLButtonElement>('fs-playback-stats button')?.click();
    await settle(fixture);
    expect(element.querySelector('fs-playback-stats')).toBeNull();
  });

  it('opens the session again at once when the server drops it, keeping the quality chosen', async () => {
    const { fixture, element, openMenu, options } = await render();
    controller.expectOne('StreamVideoLayers').flushData(layers);
    await openMenu();
    options()[3]?.click();
    await settle(fixture);
    controller.expectOne('SetPlaybackQuality').flushData({ setPlaybackQuality: true });

    const [first] = sessions;
    first?.drop();
    fixture.detectChanges();
    expect(element.querySelector('[data-testid=player]')?.getAttribute('data-state')).toBe(
      'reconnecting',
    );
    await settle(fixture);
    expect(play).toHaveBeenCalledTimes(2);
    expect(play.mock.calls[1]?.[2]).toBe('LOW');
    expect(first?.close).toHaveBeenCalled();
    // The next session dropping too: opened again after a backoff, not at once.
    sessions[1]?.drop();
    await settle(fixture);
    expect(play).toHaveBeenCalledTimes(2);
    await wait(900);
    await settle(fixture);
    expect(play).toHaveBeenCalledTimes(3);
  });

  it('opens the session again when its connection stays disconnected for 2 s, not when it comes back', async () => {
    const { fixture, element } = await render();
    controller.expectOne('StreamVideoLayers').flushData(layers);
    const [first] = sessions;
    first?.setState('disconnected');
    await settle(fixture);
    expect(element.querySelector('[data-testid=player]')?.getAttribute('data-state')).toBe(
      'reconnecting',
    );
    await wait(1_000);
    first?.setState('connected');
    await wait(1_500);
    expect(play).toHaveBeenCalledTimes(1);

    first?.setState('disconnected');
    await wait(1_500);
    expect(play).toHaveBeenCalledTimes(1);
    await wait(700);
    await settle(fixture);
    expect(play).toHaveBeenCalledTimes(2);
    expect(first?.close).toHaveBeenCalled();
  }, 15_000);

  describe('the stable stream (HLS)', () => {
    const HLS_URL = '/hls/s1/index.m3u8';
    let attach: jest.SpiedFunction<HlsPlayback['attach']>;
    let attachments: { destroy: jest.Mock; read: jest.Mock; seek: jest.Mock }[];

    beforeEach(() => {
      // This browser plays HLS with hls.js; what it is given is recorded instead of played.
      attachments = [];
      const hls = TestBed.inject(HlsPlayback);
      jest.spyOn(hls, 'engine').mockReturnValue('hlsjs');
      attach = jest.spyOn(hls, 'attach').mockImplementation(() => {
        const attachment = { destroy: jest.fn(), read: jest.fn(() => null), seek: jest.fn() };
        attachments.push(attachment);
        return Promise.resolve(attachment as unknown as HlsAttachment);
      });
    });

    const mode = (element: HTMLElement) => {
      const note = element.querySelector('[data-testid=playback-mode]');
      return {
        mode: note?.getAttribute('data-mode'),
        reason: note?.getAttribute('data-reason') ?? null,
        // The words, not the icon's ligature.
        text: note?.querySelector('span')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      };
    };
    const stableOption = () =>
      document.querySelector<HTMLButtonElement>('[data-testid=quality-stable]');

    it('offers "Stable" only when the stream has HLS', async () => {
      const { openMenu } = await render(null);
      controller.expectOne('StreamVideoLayers').flushData(layers);
      await openMenu();
      expect(stableOption()).toBeNull();
    });

    it('plays HLS with hls.js when the viewer picks "Stable", says so, and goes back to WebRTC on Auto', async () => {
      const { fixture, element, openMenu, options } = await render(HLS_URL);
      controller.expectOne('StreamVideoLayers').flushData(layers);
      expect(mode(element)).toEqual({ mode: 'webrtc', reason: null, text: '' });
      await openMenu();
      expect(stableOption()?.textContent?.trim()).toContain('Stable (a few seconds behind)');
      expect(stableOption()?.getAttribute('aria-checked')).toBe('false');

      stableOption()?.click();
      await settle(fixture);
      expect(sessions[0]?.close).toHaveBeenCalled();
      expect(attach).toHaveBeenCalledTimes(1);
      expect(attach.mock.calls[0]?.[1]).toBe(HLS_URL);
      expect(attach.mock.calls[0]?.[2]).toBe('hlsjs');
      expect(attach.mock.calls[0]?.[0]).toBe(element.querySelector('video'));
      expect(mode(element)).toEqual({
        mode: 'hls',
        reason: 'chosen',
        text: 'Stable mode: a few seconds behind live',
      });
      await openMenu();
      expect(stableOption()?.getAttribute('aria-checked')).toBe('true');
      expect(options().map((option) => option.getAttribute('aria-checked'))).toEqual([
        'false',
        'false',
        'false',
        'false',
      ]);

      options()[0]?.click();
      await settle(fixture);
      expect(attachments[0]?.destroy).toHaveBeenCalled();
      expect(play).toHaveBeenCalledTimes(2);
      expect(play.mock.calls[1]?.[2]).toBe('AUTO');
      expect(mode(element)).toEqual({ mode: 'webrtc', reason: null, text: '' });
    });

    it('rewinds in the DVR window: the seek bar spans it, "Back to live" shows when behind and plays from live; the stats panel shows hls.js figures', async () => {
      const { fixture, element, openMenu } = await render(HLS_URL);
      controller.expectOne('StreamVideoLayers').flushData(layers);
      await openMenu();
      stableOption()?.click();
      await settle(fixture);
      const attachment = attachments[0];
      if (!attachment) throw new Error('HLS not attached');
      const reading = (current: number): HlsReading => ({
        start: 0,
        end: 122,
        live: 120,
        current,
        level: { index: 2, width: 1280, height: 720, bitrateKbps: 2500 },
        bufferSeconds: 1.25,
        latencySeconds: 120 - current + 2,
        droppedFrames: 3,
        totalFrames: 900,
      });
      const tick = async () => {
        await new Promise((resolve) => setTimeout(resolve, 1100));
        await settle(fixture);
      };
      const query = (selector: string) => element.querySelector<HTMLElement>(selector);

      // At live: the bar, a Live mark, no button.
      attachment.read.mockReturnValue(reading(119));
      await tick();
      const seek = query('[data-testid=dvr-seek]') as HTMLInputElement;
      expect(seek).not.toBeNull();
      expect(query('[data-testid=at-live]')?.textContent?.trim()).toBe('Live');
      expect(query('[data-testid=back-to-live]')).toBeNull();

      // Dragged back 60 s: played from there.
      seek.value = '60';
      seek.dispatchEvent(new Event('change'));
      expect(attachment.seek).toHaveBeenLastCalledWith(60);
      attachment.read.mockReturnValue(reading(60));
      await tick();
      expect(query('[data-testid=dvr-behind]')?.textContent?.trim()).toBe('-1:00');
      expect(query('[data-testid=at-live]')).toBeNull();

      // One click: back to the live point.
      query('[data-testid=back-to-live]')?.click();
      expect(attachment.seek).toHaveBeenLastCalledWith(120);
      attachment.read.mockReturnValue(reading(119.5));
      await tick();
      expect(query('[data-testid=back-to-live]')).toBeNull();

      // Stats for nerds: HLS figures.
      await openMenu();
      document.querySelector<HTMLButtonElement>('[data-testid=stats-toggle]')?.click();
      await tick();
      const stat = (name: string) =>
        query(`[data-stat=${name}]`)?.textContent?.replace(/\s+/g, ' ').trim();
      expect(query('[data-testid=playback-stats]')?.getAttribute('data-mode')).toBe('hls');
      expect(stat('hls-level')).toBe('1280×720');
      expect(stat('hls-bitrate')).toBe('2,500 kbps');
      expect(stat('hls-buffer')).toBe('1.3 s');
      expect(stat('hls-latency')).toBe('2.5 s');
      expect(stat('hls-dropped')).toBe('3 of 900');
    }, 15_000);

    it('falls back to HLS when every media node is full (RATE_LIMITED), saying why', async () => {
      play.mockImplementationOnce(() =>
        Promise.reject(
          new CombinedGraphQLErrors({
            errors: [{ message: 'Every media node is full', extensions: { code: 'RATE_LIMITED' } }],
          }),
        ),
      );
      const { fixture, element } = await render(HLS_URL);
      await settle(fixture);
      expect(attach).toHaveBeenCalledTimes(1);
      expect(attach.mock.calls[0]?.[1]).toBe(HLS_URL);
      expect(mode(element)).toEqual({
        mode: 'hls',
        reason: 'fallback',
        text: 'Live video could not connect: playing the stable stream a few seconds behind',
      });
      expect(play).toHaveBeenCalledTimes(1);
      fixture.destroy();
      expect(attachments[0]?.destroy).toHaveBeenCalled();
    });

    it('falls back to HLS when the WebRTC connection fails before it ever connected', async () => {
      sessions[0] = fakeSession('m1', 'connecting');
      const { fixture, element } = await render(HLS_URL);
      controller.expectOne('StreamVideoLayers').flushData(layers);
      expect(mode(element).mode).toBe('webrtc');
      sessions[0]?.setState('failed');
      await settle(fixture);
      expect(sessions[0]?.close).toHaveBeenCalled();
      expect(attach).toHaveBeenCalledTimes(1);
      expect(mode(element)).toMatchObject({ mode: 'hls', reason: 'fallback' });
    });

    it('keeps trying WebRTC when the stream has no HLS', async () => {
      play.mockImplementationOnce(() =>
        Promise.reject(
          new CombinedGraphQLErrors({
            errors: [{ message: 'Every media node is full', extensions: { code: 'RATE_LIMITED' } }],
          }),
        ),
      );
      const { fixture, element } = await render(null);
      await settle(fixture);
      // The stream's HLS is asked for again, for the next failure.
      controller.match('StreamVideoLayers').forEach((query) => query.flushData(layers));
      await settle(fixture);
      expect(attach).not.toHaveBeenCalled();
      expect(play).toHaveBeenCalledTimes(2);
      expect(mode(element).mode).toBe('webrtc');
    });
  });
});
