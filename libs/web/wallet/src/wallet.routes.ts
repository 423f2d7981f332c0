import type { Routes } from '@angular/router';

/** The signed-in user's money: balance, withdrawable earnings, history, Add funds, Withdraw. */
export const walletRoutes: Routes = [
  {
    path: '',
    title: 'Wallet · finserve live',
    loadComponent: () => import('./lib/wallet-page.component').then((m) => m.WalletPageComponent),
  },
];
