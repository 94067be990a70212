/** The one test of a webhook URL (config, `run --webhook`, the API, the delivery itself): http or https, with a host. */
export function isHttpUrl(s: string): boolean {
  if (!/^https?:\/\/[^\s/]/i.test(s) || !URL.canParse(s)) return false;
  const { protocol } = new URL(s);
  return protocol === 'http:' || protocol === 'https:';
}
