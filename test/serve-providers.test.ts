// POST /jobs with the seed's body (task, provider, model) and GET /health's providers, against the fakes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './support/cli.js';
import { call, serve, waitJob } from './support/serve.js';
import { parseConfig } from '../src/core/config.js';
import { HerdError } from '../src/core/errors.js';
import { providerAgent } from '../src/core/providers.js';
import { Herd } from '../src/sdk/index.js';

const bin = (name: string) => join(ROOT, 'fixtures', 'bin', name);

describe('providers over HTTP', () => {
  it("GET /health lists the providers and whether each CLI is found; POST /jobs runs a provider's built-in agent with a model", async (t) => {
    const s = await serve(t, { env: { HERDCTL_CODEX_BIN: bin('codex'), HERDCTL_GEMINI_BIN: bin('gemini'), HERDCTL_CLAUDE_BIN: '/nonexistent/claude' } });
    const h = await call(s, 'GET', '/health', { token: null });
    assert.deepEqual(h.body.providers, [
      { name: 'claude', program: '/nonexistent/claude', available: false },
      { name: 'codex', program: bin('codex'), available: true },
      { name: 'gemini', program: bin('gemini'), available: true },
    ]);
    for (const [provider, model] of [
      ['codex', 'gpt-5.5'],
      ['gemini', 'gemini-3.8-flash'],
    ]) {
      const r = await call(s, 'POST', '/jobs', { body: { task: 'notool', provider, model } });
      assert.equal(r.status, 201, r.text);
      const job = await waitJob(s, r.body.session_id, (j) => ['completed', 'failed', 'cancelled'].includes(j.status as string), 30_000);
      assert.equal(job.status, 'completed', String(job.error));
      assert.equal(job.agent, provider);
      assert.equal(job.model, model);
      assert.equal((job.settings as { runtime: string }).runtime, provider);
      assert.equal(job.workspace, s.dir, "the built-in agent works in the config's directory");
      for (const [given, want] of [
        [undefined, model],
        ['other-model', 'other-model'],
      ]) {
        const res = await call(s, 'POST', '/v1/resume', { body: { kind: 'job', from_subject_id: job.id, ...(given ? { model: given } : {}) } });
        assert.equal(res.status, 201, res.text);
        const next = await waitJob(s, res.body.session_id, (j) => ['completed', 'failed', 'cancelled'].includes(j.status as string), 30_000);
        assert.equal(next.model, want, 'a resume keeps the model unless given one');
        assert.equal(next.status, 'completed', String(next.error));
        assert.equal(next.sessionId, job.sessionId);
      }
    }
    const viaSdk = await new Herd({ url: s.url, token: s.token }).submit({ provider: 'codex', model: 'gpt-5', prompt: 'notool' });
    assert.equal(viaSdk.agent, 'codex');
    assert.equal(viaSdk.model, 'gpt-5');
    const local = await new Herd({ home: s.home, config: join(s.dir, 'herdctl.yaml') }).submit({ provider: 'gemini', model: 'gemini-3.8-flash', prompt: 'notool' });
    assert.equal(local.agent, 'gemini');
    assert.equal(local.model, 'gemini-3.8-flash');
    for (const id of [viaSdk.id, local.id]) await waitJob(s, id, (j) => ['completed', 'failed', 'cancelled'].includes(j.status as string), 30_000);
  });

  it('refuses an unknown provider, and an agent whose runtime is not the provider named', async (t) => {
    const s = await serve(t);
    for (const [body, re] of [
      [{ task: 'x', provider: 'cursor' }, /"provider" must be one of claude, codex, gemini/],
      [{ task: 'x', provider: 'codex', agent: 'coder' }, /agent "coder" runs runtime claude, not provider codex/],
      [{ task: 'x', agent: 'coder', model: ' ' }, /"model" is empty/],
    ] as const) {
      const r = await call(s, 'POST', '/jobs', { body });
      assert.equal(r.status, 400, r.text);
      assert.match(r.body.message, re);
    }
  });

  it('a built-in agent needs a config file for its workspace; a config agent named like the provider is used', () => {
    const none = parseConfig('', 'herdctl.yaml');
    assert.throws(
      () => providerAgent({ ...none, file: null }, 'codex'),
      (e: unknown) => e instanceof HerdError && e.code === 'usage' && /no workspace for the built-in codex agent/.test(e.message),
    );
    const c = parseConfig('agents:\n  codex: { runtime: codex, workspace: /srv/x, model: gpt-5.5 }\n  gemini: { runtime: claude }\n', '/etc/herdctl.yaml');
    assert.equal(providerAgent(c, 'codex').model, 'gpt-5.5');
    assert.throws(() => providerAgent(c, 'gemini'), /runs runtime claude, not gemini/);
    assert.equal(providerAgent(c, 'claude').workspace, '/etc');
  });
});
