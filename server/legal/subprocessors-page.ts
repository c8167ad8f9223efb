import type { LegalDocuments } from './legal.service.js';

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * The public sub-processor list as a plain HTML page: no script, no inline style, so
 * the server's strict Content-Security-Policy applies unchanged.
 */
export function subprocessorsPage(docs: Pick<LegalDocuments, 'operator' | 'subprocessors'>): string {
  const rows = docs.subprocessors
    .map(
      (s) => `      <tr>
        <th scope="row">${escape(s.name)}</th>
        <td>${escape(s.legalEntity)}</td>
        <td>${escape(s.location)}</td>
        <td>${escape(s.purpose)}</td>
        <td>${escape(s.data)}</td>
        <td>${escape(s.when)}</td>
      </tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sub-processors</title>
</head>
<body>
  <main>
    <h1>Sub-processors</h1>
    <p>This chat service runs on Parley, operated by ${escape(docs.operator.name)}. These are the third parties that may process personal data on its behalf. Questions: ${escape(docs.operator.contact)}.</p>
    <table>
      <thead>
        <tr><th scope="col">Sub-processor</th><th scope="col">Legal entity</th><th scope="col">Location</th><th scope="col">Purpose</th><th scope="col">Data</th><th scope="col">When</th></tr>
      </thead>
      <tbody>
${rows}
      </tbody>
    </table>
    <p>Machine-readable: <a href="/api/subprocessors">/api/subprocessors</a>.</p>
  </main>
</body>
</html>
`;
}
