import { TestBed } from '@angular/core/testing';

import { StreamThumbnailComponent } from './stream-thumbnail.component';

describe('StreamThumbnailComponent', () => {
  const create = async (url: string | null) => {
    const fixture = TestBed.createComponent(StreamThumbnailComponent);
    fixture.componentRef.setInput('url', url);
    fixture.componentRef.setInput('title', 'Gold breakout');
    fixture.componentRef.setInput('seed', 'stream-1');
    fixture.componentRef.setInput('name', 'Grace Hopper');
    await fixture.whenStable();
    return fixture;
  };

  it('shows the uploaded frame as a lazy image titled like the stream when there is a URL', async () => {
    const fixture = await create('/thumbnails/stream-1.jpg?v=1');
    const host = fixture.nativeElement as HTMLElement;
    const img = host.querySelector('img');
    expect(img?.getAttribute('src')).toBe('/thumbnails/stream-1.jpg?v=1');
    expect(img?.getAttribute('alt')).toBe('Gold breakout');
    expect(img?.getAttribute('loading')).toBe('lazy');
    expect(host.querySelector('fs-stream-placeholder')).toBeNull();
  });

  it('shows the placeholder without a URL', async () => {
    const host = (await create(null)).nativeElement as HTMLElement;
    expect(host.querySelector('img')).toBeNull();
    expect(host.querySelector('fs-stream-placeholder')?.textContent?.trim()).toBe('GH');
  });

  it('falls back to the placeholder when the image fails to load, and retries a new URL', async () => {
    const fixture = await create('/thumbnails/stream-1.jpg?v=1');
    const host = fixture.nativeElement as HTMLElement;
    host.querySelector('img')?.dispatchEvent(new Event('error'));
    await fixture.whenStable();
    expect(host.querySelector('img')).toBeNull();
    expect(host.querySelector('fs-stream-placeholder')).not.toBeNull();

    fixture.componentRef.setInput('url', '/thumbnails/stream-1.jpg?v=2');
    await fixture.whenStable();
    expect(host.querySelector('img')?.getAttribute('src')).toBe('/thumbnails/stream-1.jpg?v=2');
  });
});
