import { TestBed } from '@angular/core/testing';

import type { OutboundLayerRow } from '@finserve/web/media';

import { PublishLayersComponent } from './publish-layers.component';

const row = (extra: Partial<OutboundLayerRow>): OutboundLayerRow => ({
  rid: 'f',
  quality: 'HIGH',
  width: 1280,
  height: 720,
  fps: 30,
  bitrateKbps: 2400,
  limitedBy: null,
  active: true,
  ...extra,
});

describe('PublishLayersComponent', () => {
  it('shows each layer sent with its resolution, fps and bitrate, and what holds it back', async () => {
    const fixture = TestBed.createComponent(PublishLayersComponent);
    fixture.componentRef.setInput('rows', [
      row({ limitedBy: 'bandwidth', fps: 12, bitrateKbps: 1100 }),
      row({ rid: 'h', quality: 'MEDIUM', width: 640, height: 360, limitedBy: 'cpu' }),
      row({ rid: 'q', quality: 'LOW', width: 320, height: 180, bitrateKbps: 150 }),
    ]);
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    const rows = [...element.querySelectorAll('[data-testid=publish-layer]')].map((tr) =>
      [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent?.trim()),
    );
    expect(rows).toEqual([
      ['High', '1280×720', '12 fps', '1,100 kbps', 'Limited by the network'],
      ['Medium', '640×360', '30 fps', '2,400 kbps', 'Limited by the CPU'],
      ['Low', '320×180', '30 fps', '150 kbps', ''],
    ]);
    const held = [...element.querySelectorAll('tr.held')].map((tr) => tr.getAttribute('data-rid'));
    expect(held).toEqual(['f', 'h']);
  });

  it('shows a layer the browser paused as paused, without a resolution', async () => {
    const fixture = TestBed.createComponent(PublishLayersComponent);
    fixture.componentRef.setInput('rows', [
      row({ active: false, width: 0, height: 0, fps: 0, bitrateKbps: 0, limitedBy: 'bandwidth' }),
    ]);
    await fixture.whenStable();
    const cells = [...(fixture.nativeElement as HTMLElement).querySelectorAll('td')].map((cell) =>
      cell.textContent?.trim(),
    );
    expect(cells).toEqual(['–', '0 fps', '0 kbps', 'Paused']);
  });
});
