import { ChangeDetectionStrategy, Component, input, linkedSignal } from '@angular/core';

import { StreamPlaceholderComponent } from '@finserve/web/ui';

/**
 * A stream card's picture: the latest frame the streamer's console uploaded, or the generated
 * placeholder when there is none or it fails to load (a new URL gets a new chance).
 */
@Component({
  selector: 'fs-stream-thumbnail',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [StreamPlaceholderComponent],
  template: `
    @if (url() && !failed()) {
      <img
        data-testid="stream-thumbnail"
        loading="lazy"
        [src]="url()"
        [alt]="title()"
        (error)="failed.set(true)"
      />
    } @else {
      <fs-stream-placeholder [seed]="seed()" [name]="name()" />
    }
  `,
  styles: `
    :host {
      display: block;
      width: 100%;
      height: 100%;
    }
    img {
      display: block;
      width: 100%;
      height: 100%;
      object-fit: cover;
    }
  `,
})
export class StreamThumbnailComponent {
  readonly url = input<string | null | undefined>(null);
  readonly title = input.required<string>();
  readonly seed = input.required<string>();
  readonly name = input.required<string>();

  /** The current URL failed to load; reset whenever the URL changes. */
  protected readonly failed = linkedSignal({ source: this.url, computation: () => false });
}
