/** A minimal browser: a cookie jar per origin and manual redirects, so tests see every hop. */
export class TestBrowser {
  readonly jar = new Map<string, Map<string, string>>();

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).host)?.get(name);
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = this.jar.get(target.host);
    const headers = new Headers(init.headers);
    if (cookies && cookies.size > 0) {
      headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && new Date(a.split('=')[1] ?? '') < new Date()),
      );
      const jar = this.jar.get(target.host) ?? new Map<string, string>();
      this.jar.set(target.host, jar);
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects until a non-redirect response, or until `stopAt` says so (that URL is not fetched). */
  async follow(url: string, stopAt?: (url: URL) => boolean): Promise<{ res: Response | undefined; url: URL }> {
    let current = new URL(url);
    for (let hop = 0; hop < 20; hop++) {
      if (stopAt?.(current)) return { res: undefined, url: current };
      const res = await this.fetch(current.href);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { res, url: current };
      await res.arrayBuffer();
      current = new URL(location, current);
    }
    throw new Error('too many redirects');
  }

  /** Fills and submits the dev IdP's sign-in form at `interactionUrl`; returns where it redirects. */
  async submitIdpLogin(interactionUrl: URL, email: string, password = 'demo'): Promise<URL> {
    const form = await this.fetch(interactionUrl.href);
    const html = await form.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no sign-in form at ${interactionUrl.href} (${form.status}): ${html.slice(0, 300)}`);
    const res = await this.fetch(new URL(action, interactionUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password }).toString(),
    });
    const location = res.headers.get('location');
    if (res.status !== 303 || !location) throw new Error(`the IdP refused the sign-in of ${email} (${res.status})`);
    return new URL(location, interactionUrl);
  }

  /**
   * Runs `/auth/login` up to the console's callback: the returned URL carries the IdP's `code`
   * and `state` and has not been requested yet.
   */
  async authorize(baseUrl: string, email: string, loginPath = '/auth/login'): Promise<URL> {
    const isCallback = (url: URL) => url.origin === new URL(baseUrl).origin && url.pathname === '/auth/callback';
    const toIdp = await this.follow(
      `${baseUrl}${loginPath}`,
      (url) => url.pathname.startsWith('/interaction/') || isCallback(url),
    );
    if (isCallback(toIdp.url)) return toIdp.url; // the IdP remembered the user
    const afterLogin = await this.submitIdpLogin(toIdp.url, email);
    const toCallback = await this.follow(afterLogin.href, isCallback);
    if (!isCallback(toCallback.url)) throw new Error(`ended at ${toCallback.url.href} instead of the callback`);
    return toCallback.url;
  }

  /** A complete sign-in; returns the callback's response (a redirect to where the user was going). */
  async signIn(baseUrl: string, email: string, loginPath = '/auth/login'): Promise<Response> {
    const callback = await this.authorize(baseUrl, email, loginPath);
    return this.fetch(callback.href);
  }
}
