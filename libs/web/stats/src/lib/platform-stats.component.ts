import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'fs-stub',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: 'todo',
})
export class PlatformStatsComponent {}
