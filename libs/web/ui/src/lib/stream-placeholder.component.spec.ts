import { TestBed } from '@angular/core/testing';

import { StreamPlaceholderComponent } from './stream-placeholder.component';

describe('StreamPlaceholderComponent', () => {
  it("shows the streamer's initials on a gradient seeded by the stream id", async () => {
    const fixture = TestBed.createComponent(StreamPlaceholderComponent);
    fixture.componentRef.setInput('seed', 'stream-42');
    fixture.componentRef.setInput('name', 'Grace Hopper');
    await fixture.whenStable();
    const host = fixture.nativeElement as HTMLElement;
    expect(host.textContent?.trim()).toBe('GH');
    expect(host.style.background).toContain('linear-gradient');
    expect(host.getAttribute('aria-hidden')).toBe('true');

    const other = TestBed.createComponent(StreamPlaceholderComponent);
    other.componentRef.setInput('seed', 'another-stream');
    other.componentRef.setInput('name', 'Grace Hopper');
    await other.whenStable();
    expect((other.nativeElement as HTMLElement).style.background).not.toBe(host.style.background);
  });

  it('never shows punctuation as an initial (a streamer named "Alice (demo)")', async () => {
    const fixture = TestBed.createComponent(StreamPlaceholderComponent);
    fixture.componentRef.setInput('seed', 'stream-7');
    fixture.componentRef.setInput('name', 'Alice (demo)');
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).textContent?.trim()).toBe('AD');
  });
});
