/* global document, fetch, setTimeout, clearTimeout, localStorage, confirm */
// The operator console page: polls the API about once a second and updates the tables in place (rows keyed by
// scope or order), so focus, selection and scroll survive the refresh. Everything is set as text, never as
// HTML, because scopes, reasons and operator names come from outside.

const POLL_MS = 1000;
const DROPS_SHOWN = 25;
const STATUSES = ['ACTIVE', 'WARNING', 'MARGIN_CALL', 'RESTRICTED', 'LIQUIDATING'];
const $ = (id) => document.getElementById(id);
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });

/** A new element with a class and text children (strings become text nodes, never markup). */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) node.append(child);
  return node;
}

function utc(ts) {
  return typeof ts === 'number' ? new Date(ts).toISOString().replace('T', ' ').slice(0, 19) : '—';
}

function usd(n) {
  return typeof n === 'number' ? money.format(n) : '—';
}

function label(status) {
  return status.replace('_', ' ');
}

/** Puts one row per item in `tbody`, in order, reusing the row already there for an item's key. */
function syncRows(tbody, items, keyOf, create, update) {
  const existing = new Map(Array.from(tbody.rows, (row) => [row.dataset.key, row]));
  let cursor = tbody.firstElementChild;
  for (const item of items) {
    const key = keyOf(item);
    let row = existing.get(key);
    if (row === undefined) {
      row = create(item);
      row.dataset.key = key;
    }
    existing.delete(key);
    update(row, item);
    if (row === cursor) cursor = cursor.nextElementSibling;
    else tbody.insertBefore(row, cursor);
  }
  for (const row of existing.values()) row.remove();
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

// ---- kill switches --------------------------------------------------------------------------------------

function renderKillSwitches(states) {
  const killed = states.filter((s) => s.status === 'KILLED');
  setText($('killed-count'), String(killed.length));
  setText($('active-count'), String(states.length - killed.length));
  $('global-banner').hidden = !killed.some((s) => s.scope === 'GLOBAL');
  $('killswitch-empty').hidden = states.length > 0;
  syncRows(
    $('killswitch-table').tBodies[0],
    states,
    (s) => s.scope,
    (s) => {
      const row = el('tr', '', el('td', 'mono'), el('td'), el('td'), el('td'), el('td', 'mono'), el('td', 'action'));
      row.cells[0].textContent = s.scope;
      const button = el('button');
      button.type = 'button';
      button.addEventListener('click', () => sendCommand(button.dataset.action, s.scope, button));
      row.cells[5].append(button);
      return row;
    },
    (row, s) => {
      const killedNow = s.status === 'KILLED';
      row.className = killedNow ? 'killed' : '';
      const badge = row.cells[1].firstElementChild ?? row.cells[1].appendChild(el('span'));
      badge.className = `badge ${s.status}`;
      setText(badge, s.status);
      setText(row.cells[2], s.reason);
      setText(row.cells[3], s.updated_by);
      setText(row.cells[4], utc(s.updated_ts));
      const button = row.cells[5].firstElementChild;
      button.dataset.action = killedNow ? 'unkill' : 'kill';
      button.className = killedNow ? 'release' : 'danger';
      setText(button, killedNow ? 'Unkill' : 'Kill');
      button.setAttribute('aria-label', `${killedNow ? 'Unkill' : 'Kill'} ${s.scope}`);
    },
  );
}

function report(text, ok) {
  const out = $('command-result');
  out.className = `command-result ${ok ? 'ok' : 'error'}`;
  out.textContent = text;
}

/** Sends a kill or unkill; what the page shows changes only when the aggregator has applied it. */
async function sendCommand(action, scope, button) {
  const operator = $('operator').value.trim();
  const token = $('token').value;
  const reason = $('reason').value.trim();
  const missing = !token ? ['token', 'Enter the console token first.'] : !operator ? ['operator', 'Enter your name first.'] : !reason ? ['reason', 'Enter a reason first.'] : null;
  if (missing !== null) {
    report(missing[1], false);
    $(missing[0]).focus();
    return false;
  }
  if (action === 'kill' && scope === 'GLOBAL' && !confirm('Kill GLOBAL? Every order will be dropped until someone unkills it.')) return false;
  if (button) button.disabled = true;
  try {
    const response = await fetch(`/api/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ scope, reason, operator }),
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 202) {
      report(`${action === 'kill' ? 'Kill' : 'Unkill'} of ${scope} sent (command ${body.command.cmd_id.slice(0, 8)}…); the table shows it once the aggregator applies it.`, true);
      refreshSoon();
      return true;
    }
    report(response.status === 401 ? 'The console token was refused.' : `Refused: ${body.error ?? `HTTP ${response.status}`}`, false);
    if (response.status === 401) $('token').focus();
    return false;
  } catch (error) {
    report(`Could not reach the console: ${error.message}`, false);
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- drops ---------------------------------------------------------------------------------------------

function renderDrops(drops) {
  $('drops-empty').hidden = drops.length > 0;
  syncRows(
    $('drops-table').tBodies[0],
    drops,
    (d) => d.order_id,
    (d) => {
      const matches = el('td');
      for (const scope of d.scope_matches) matches.append(el('span', 'scope-chip', scope));
      return el('tr', '', el('td', 'mono', utc(d.ts)), el('td', 'mono', d.order_id), el('td', 'mono', d.account_id), el('td', 'mono', d.symbol), matches, el('td', '', d.reason));
    },
    () => {},
  );
}

// ---- accounts -------------------------------------------------------------------------------------------

let selectedAccount = null;

function renderAccounts(groups) {
  const counts = STATUSES.map((s) => (groups[s] ?? []).length);
  const total = counts.reduce((a, b) => a + b, 0);
  const bar = $('status-bar');
  const summary = STATUSES.map((s, i) => `${counts[i]} ${label(s)}`).join(', ');
  if (bar.dataset.summary !== summary) {
    bar.dataset.summary = summary;
    bar.setAttribute('aria-label', total === 0 ? 'No accounts yet' : `Accounts by status: ${summary}`);
    bar.replaceChildren(
      ...STATUSES.filter((_, i) => counts[i] > 0).map((s) => {
        const segment = el('div', `segment ${s}-color`);
        segment.style.flexGrow = String(counts[STATUSES.indexOf(s)]);
        segment.title = `${label(s)}: ${counts[STATUSES.indexOf(s)]}`;
        return segment;
      }),
    );
  }
  const container = $('status-groups');
  for (const status of STATUSES) {
    let group = container.querySelector(`[data-status="${status}"]`);
    if (group === null) {
      group = el('section', `status-group ${status}`, el('h3', '', el('span', '', label(status)), el('span', 'count')), el('ul'));
      group.dataset.status = status;
      group.setAttribute('aria-label', `${label(status)} accounts`);
      container.append(group);
    }
    const accounts = groups[status] ?? [];
    const signature = JSON.stringify(accounts);
    if (group.dataset.signature === signature) continue;
    group.dataset.signature = signature;
    setText(group.querySelector('.count'), String(accounts.length));
    const list = group.querySelector('ul');
    list.replaceChildren(
      ...(accounts.length === 0
        ? [el('li', 'none', 'none')]
        : accounts.map((a) => {
            const chip = el('button', 'chip', el('span', 'mono', a.account_id), el('span', `excess${a.excess !== null && a.excess < 0 ? ' negative' : ''}`, usd(a.excess)));
            chip.type = 'button';
            chip.setAttribute('aria-label', `Account ${a.account_id}, excess ${usd(a.excess)}: show details`);
            chip.addEventListener('click', () => {
              selectedAccount = a.account_id;
              void showAccount(true);
            });
            return el('li', '', chip);
          })),
    );
  }
  if (selectedAccount !== null) void showAccount(false);
}

async function showAccount(focus) {
  const id = selectedAccount;
  const panel = $('account-detail');
  const response = await fetch(`/api/accounts/${encodeURIComponent(id)}`);
  if (id !== selectedAccount) return;
  if (!response.ok) {
    panel.replaceChildren(el('p', 'empty', `No record for account ${id}.`));
    panel.hidden = false;
    return;
  }
  const a = await response.json();
  const signature = JSON.stringify(a);
  if (panel.dataset.signature !== signature) {
    panel.dataset.signature = signature;
    const m = a.margin ?? {};
    const e = a.enforcement;
    const figures = [
      ['Equity', usd(m.equity)],
      ['Excess', usd(m.excess)],
      ['Maintenance requirement', usd(m.maintenance_req)],
      ['Cash', usd(m.cash)],
      ['Market value', usd(m.market_value)],
      ['Long / short MV', `${usd(m.long_mv)} / ${usd(m.short_mv)}`],
      ['Beta-weighted exposure', usd(m.beta_weighted_exposure)],
      ['Margin as of (UTC)', utc(m.ts)],
      ['Enforcement status', e ? label(e.status) : '—'],
      ['Close-only', e ? (e.restricted ? 'yes' : 'no') : '—'],
      ['Open margin call', e?.open_call ? `${usd(e.open_call.deficiency)} since ${utc(e.open_call.ts)}` : 'none'],
      ['Underwater in', e && e.underwater_scenarios.length > 0 ? e.underwater_scenarios.map((s) => `SPY ${(s * 100).toFixed(1)}%`).join(', ') : 'no severe scenario'],
    ];
    const dl = el('dl', 'figures');
    for (const [name, value] of figures) dl.append(el('div', '', el('dt', '', name), el('dd', '', value)));
    const positions = el('table', '', el('caption', 'visually-hidden', `Positions of account ${a.account_id}`), el('thead', '', el('tr', '', el('th', '', 'Symbol'), el('th', '', 'Quantity'))));
    const body = el('tbody');
    for (const p of a.positions) body.append(el('tr', '', el('td', 'mono', p.symbol), el('td', 'mono', String(p.qty))));
    if (a.positions.length === 0) body.append(el('tr', '', el('td', 'empty', 'no open position'), el('td')));
    positions.append(body);
    panel.replaceChildren(el('h3', '', `Account ${a.account_id}`), dl, el('h4', '', 'Positions'), positions);
  }
  panel.hidden = false;
  if (focus) panel.focus();
}

// ---- polling --------------------------------------------------------------------------------------------

let timer;
let inFlight = false;
let again = false;

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function poll() {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  clearTimeout(timer);
  const connection = $('connection');
  try {
    const [killswitch, drops, accounts] = await Promise.all([getJson('/api/killswitch'), getJson(`/api/drops?limit=${DROPS_SHOWN}`), getJson('/api/accounts')]);
    renderKillSwitches(killswitch.states);
    renderDrops(drops.drops);
    renderAccounts(accounts);
    connection.className = 'connection live';
    connection.textContent = `Live · updated ${utc(Date.now()).slice(11)} UTC`;
  } catch (error) {
    connection.className = 'connection down';
    connection.textContent = `Disconnected: ${error.message}`;
  } finally {
    inFlight = false;
    timer = setTimeout(poll, again ? 0 : POLL_MS);
    again = false;
  }
}

function refreshSoon() {
  void poll();
}

$('kill-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('new-scope');
  const scope = input.value.trim();
  if (!/^(GLOBAL|ACCOUNT:\S+|SYMBOL:\S+)$/.test(scope)) {
    report('Scope must be GLOBAL, ACCOUNT:<account_id> or SYMBOL:<symbol>.', false);
    input.focus();
    return;
  }
  if (await sendCommand('kill', scope, event.submitter)) input.value = '';
});

const operator = $('operator');
operator.value = localStorage.getItem('console.operator') ?? '';
operator.addEventListener('change', () => localStorage.setItem('console.operator', operator.value.trim()));

void poll();
