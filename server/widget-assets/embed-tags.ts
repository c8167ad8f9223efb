// The embed tags a site pastes, in one place: `npm run release` prints them, the admin
// panel shows them (server/workspaces/snippets.service.ts), the README quotes them.

const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The rolling loader: always the server's current build. */
export function rollingTag(origin: string, publicId: string): string {
  return `<script src="${attr(`${origin}/widget.js`)}" data-workspace="${attr(publicId)}" async></script>`;
}

/** One published version, pinned by its SHA-384: the browser refuses any other bytes. */
export function pinnedTag(origin: string, version: string, integrity: string, publicId: string): string {
  return `<script src="${attr(`${origin}/widget/v${version}.js`)}" integrity="${attr(integrity)}" crossorigin="anonymous" data-workspace="${attr(publicId)}" async></script>`;
}
