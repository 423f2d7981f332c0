import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { jest } from '@jest/globals';
import { NEVER } from 'rxjs';

import { MediaService } from '@finserve/web/media';

import type { Capture } from './capture';
import { PublishStats } from './publish-stats';
import { saveHlsChoice, StudioPublisher } from './studio-publisher';

describe('StudioPublisher', () => {
  const session = () => ({
    pc: Object.assign(new EventTarget(), { connectionState: 'new' }),
    sessionId: 'm1',
    dropped: NEVER,
    close: jest.fn(),
  });
  let sessions: ReturnType<typeof session>[] = [];
  const media = {
    publish: jest.fn((..._args: unknown[]) => {
      const created = session();
      sessions.push(created);
      return Promise.resolve(created);
    }),
  };
  const capture = {
    stream: {} as MediaStream,
    content: 'camera',
    stop: () => undefined,
  } as Capture;

  const publisher = (opened: Capture | null = capture) => {
    TestBed.configureTestingModule({
      providers: [StudioPublisher, PublishStats, { provide: MediaService, useValue: media }],
    });
    const created = TestBed.inject(StudioPublisher);
    created.bind({ live: signal(true), capture: () => Promise.resolve(opened ?? undefined) });
    return created;
  };

  afterEach(() => {
    localStorage.clear();
    media.publish.mockClear();
    sessions = [];
  });

  it('starts with the HLS choice this browser remembers, and remembers a new one', () => {
    saveHlsChoice(true);
    const first = publisher();
    expect(first.forHls()).toBe(true);
    first.setForHls(false);
    expect(localStorage.getItem('finserve.studio.hls')).toBe('false');
  });

  it('publishes the capture with the HLS choice; a new publish replaces the session', async () => {
    const sender = publisher();
    sender.setForHls(true);
    await sender.publish('s1');
    expect(media.publish).toHaveBeenLastCalledWith('s1', capture.stream, 'camera', true);
    expect(sender.publishing()).toBe(true);
    await sender.publish('s1');
    expect(sessions[0]?.close).toHaveBeenCalled();
    expect(sessions[1]?.close).not.toHaveBeenCalled();
    sender.stop();
    expect(sender.publishing()).toBe(false);
  });

  it('refuses to publish without a capture', async () => {
    await expect(publisher(null).publish('s1')).rejects.toThrow('No camera to publish');
    expect(media.publish).not.toHaveBeenCalled();
  });

  it('says the connection is idle, then its state, then that it is sent again', () => {
    const sender = publisher();
    expect(sender.connection()).toBe('idle');
    TestBed.inject(PublishStats).connectionChanged('connected');
    expect(sender.connection()).toBe('connected');
    sender.reconnecting.set(true);
    expect(sender.connection()).toBe('reconnecting');
  });
});
