import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

import { hueOf, initialsOf } from './format';

/** A generated thumbnail: a gradient seeded by the stream id and the streamer's initials. */
@Component({
  selector: 'fs-stream-placeholder',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[style.background]': 'background()', 'aria-hidden': 'true' },
  template: `<span class="initials">{{ initials() }}</span>`,
  styles: `
    :host {
      display: flex;
      align-items: center;
      justify-content: center;
      width: 100%;
      height: 100%;
    }
    .initials {
      font-size: 40px;
      font-weight: 500;
      color: rgb(255 255 255 / 0.9);
      letter-spacing: 0.05em;
    }
  `,
})
export class StreamPlaceholderComponent {
  readonly seed = input.required<string>();
  readonly name = input.required<string>();

  protected readonly initials = computed(() => initialsOf(this.name()));
  protected readonly background = computed(() => {
    const hue = hueOf(this.seed());
    return `linear-gradient(135deg, hsl(${hue} 60% 38%), hsl(${(hue + 50) % 360} 70% 22%))`;
  });
}
