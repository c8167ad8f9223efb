// Which URLs count as "the same site" as a sitemap. Decided: same scheme and same port exactly
// (an https sitemap does not bring in http pages, nor :8080 ones); host names equal once a
// leading "www." is set aside, because sites list example.com pages in www.example.com's sitemap
// and the other way round all the time, and both names are the same owner's. Other subdomains
// (docs.example.com) are other sites: add them as their own source.

export function sameSite(site: URL, candidate: URL): boolean {
  return site.protocol === candidate.protocol && site.port === candidate.port && bareHost(site) === bareHost(candidate);
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^www\./, '');
}
