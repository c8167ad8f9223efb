/** A panel path that leads nowhere. */
export function NotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/admin/workspaces">Go to your workspaces</a>.
      </p>
    </>
  );
}
