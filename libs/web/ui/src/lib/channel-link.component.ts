import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { RouterLink } from '@angular/router';

/** A streamer's or author's name, leading to their channel page `/c/<username>`. */
@Component({
  selector: 'fs-channel-link',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `<a
    class="channel-link"
    [routerLink]="['/c', username()]"
    data-testid="channel-link"
    [attr.data-username]="username()"
    (click)="$event.stopPropagation()"
    >{{ name() }}</a
  >`,
  styles: `
    .channel-link {
      color: inherit;
      font-weight: 500;
      text-decoration: none;
    }
    .channel-link:hover,
    .channel-link:focus-visible {
      text-decoration: underline;
    }
  `,
})
export class ChannelLinkComponent {
  readonly username = input.required<string>();
  readonly name = input.required<string>();
}
