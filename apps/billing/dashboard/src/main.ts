import { h, replace } from './dom';
import { mountOps } from './ops-view';
import { mountPortal } from './portal-view';

/** One bundle for both views; the path picks the view. */
function start(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const path = window.location.pathname.replace(/\/+$/, '');
  if (path.endsWith('/portal')) {
    document.title = 'Usage — keymeter';
    void mountPortal(root);
  } else if (path.endsWith('/ops')) {
    document.title = 'Finance and operations — keymeter';
    void mountOps(root);
  } else {
    root.dataset.state = 'ready';
    replace(
      root,
      h('h1', {}, 'keymeter dashboard'),
      h('p', {}, h('a', { href: '/dashboard/ops' }, 'Finance and operations'), ' — with an admin token.'),
      h('p', {}, 'Customers open their usage view from a portal link (POST /v1/customers/:id/portal-links).'),
    );
  }
}

start();
