import { TestBed } from '@angular/core/testing';
import { jest } from '@jest/globals';

import { ReplayPlayerComponent } from './replay-player.component';

describe('ReplayPlayerComponent', () => {
  const render = async () => {
    const fixture = TestBed.createComponent(ReplayPlayerComponent);
    fixture.componentRef.setInput('url', '/recordings/r1.webm');
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    const video = element.querySelector<HTMLVideoElement>('[data-testid=replay-video]');
    if (!video) throw new Error('no video');
    return { fixture, element, video };
  };

  it('plays the recording URL and shows no error while it loads', async () => {
    const { element, video } = await render();
    expect(video.getAttribute('src')).toBe('/recordings/r1.webm');
    expect(element.querySelector('[data-testid=replay-error]')).toBeNull();
  });

  it('says the replay could not be loaded when the video fails (404, media error)', async () => {
    const { fixture, element, video } = await render();
    video.dispatchEvent(new Event('error'));
    await fixture.whenStable();
    expect(element.querySelector('[data-testid=replay-error]')?.textContent).toContain(
      'The replay could not be loaded.',
    );
  });

  it('tells where the viewer is in the replay (where a clip starts)', async () => {
    const { fixture, video } = await render();
    expect(fixture.componentInstance.currentTime()).toBe(0);
    Object.defineProperty(video, 'currentTime', { configurable: true, get: () => 42.5 });
    video.dispatchEvent(new Event('timeupdate'));
    expect(fixture.componentInstance.currentTime()).toBe(42.5);
  });

  it('tries again on request', async () => {
    const { fixture, element, video } = await render();
    const load = jest.spyOn(video, 'load').mockImplementation(() => undefined);
    video.dispatchEvent(new Event('error'));
    await fixture.whenStable();
    element.querySelector<HTMLButtonElement>('[data-testid=replay-error] button')?.click();
    await fixture.whenStable();
    expect(load).toHaveBeenCalled();
    expect(element.querySelector('[data-testid=replay-error]')).toBeNull();
  });
});
