/**
 * What every online report screen shares: its stylesheet, fetching a report, its "Download CSV"
 * link, and what it says when the report cannot be shown.
 *
 * - `useStylesheet()` adds <link rel=stylesheet href=/online/reports.css> to the page once.
 * - `reportPath(name, filters, format)`: `/api/reports/<name>?<filters that have a value>`.
 * - `fetchReport(name, filters)` resolves with the report's JSON; throws the API's `ApiError`.
 * - `problem(error, nothingHere)`: the words for a failure: offline (status 0) is the connection
 *   sentence, 404 (not this person's report) `nothingHere`, anything else the server's message.
 */
import { get } from '../api.js';
import { NEEDS_CONNECTION, h } from '../ui.js';

const STYLESHEET = '/online/reports.css';

export function useStylesheet() {
  if (document.querySelector(`link[href="${STYLESHEET}"]`)) return;
  document.head.append(h('link', { rel: 'stylesheet', href: STYLESHEET }));
}

export function reportPath(name, filters = {}, format = null) {
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value));
  if (format) query.set('format', format);
  const text = query.toString();
  return `/api/reports/${name}${text ? `?${text}` : ''}`;
}

export function fetchReport(name, filters) {
  return get(reportPath(name, filters));
}

export function csvLink(name, filters) {
  return h('a', { class: 'button secondary', href: reportPath(name, filters, 'csv'), download: '' }, 'Download CSV');
}

export function problem(error, nothingHere) {
  if (error && error.status === 0) return h('p', { class: 'message', role: 'alert' }, NEEDS_CONNECTION);
  if (error && error.status === 404) {
    return h('p', { class: 'message', role: 'alert' }, nothingHere);
  }
  return h('p', { class: 'message', role: 'alert' }, `The figures could not be shown: ${error.message}`);
}
