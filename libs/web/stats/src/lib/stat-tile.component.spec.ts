import { TestBed } from '@angular/core/testing';

import { StatTileComponent } from './stat-tile.component';

describe('StatTileComponent', () => {
  it('shows its label and value, and follows a new value', async () => {
    const fixture = TestBed.createComponent(StatTileComponent);
    fixture.componentRef.setInput('label', 'Peak viewers');
    fixture.componentRef.setInput('value', 1200);
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    expect(element.querySelector('.label')?.textContent).toBe('Peak viewers');
    expect(element.querySelector('.value')?.textContent).toBe('1200');

    fixture.componentRef.setInput('value', '$12.50');
    await fixture.whenStable();
    expect(element.querySelector('.value')?.textContent).toBe('$12.50');
  });
});
