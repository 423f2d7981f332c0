import { ChangeDetectionStrategy, Component } from '@angular/core';

/** The red LIVE badge. */
@Component({
  selector: 'fs-live-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="fs-live-badge" data-testid="live-badge"
    ><span class="dot" aria-hidden="true"></span
    ><ng-container i18n="@@ui.live">LIVE</ng-container></span
  >`,
  styles: `
    .dot {
      width: 6px;
      height: 6px;
      border-radius: 50%;
      background: #fff;
      animation: pulse 1.6s ease-in-out infinite;
    }
    @keyframes pulse {
      50% {
        opacity: 0.3;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .dot {
        animation: none;
      }
    }
  `,
})
export class LiveBadgeComponent {}
