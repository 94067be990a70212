import { parseDuration } from '../core/duration.js';
import { checkEnvObject } from '../core/job-env.js';
import { jobsList } from '../actions/jobs-list.js';
import { jobsShow } from '../actions/jobs-show.js';
import type { Ctx } from '../actions/types.js';
import { agentSummary, type Config } from '../core/config.js';
import { agentFor, providerInfo } from '../core/providers.js';
import { cancelJob } from '../core/control.js';
import { displayStatus, JOB_STATUSES, type Job } from '../core/job.js';
import { checkName } from '../core/paths.js';
import { PRIORITY_MAX, PRIORITY_MIN } from '../core/queue.js';
import type { JobStore } from '../core/store.js';
import { resume, submit } from '../core/submit.js';
import { badRequest, Fields, readJsonBody, sendJson } from './http.js';
import type { Request } from './router.js';
import type { EventStreams } from './sse.js';
import { isHttpUrl } from '../core/url.js';

export interface ApiContext {
  store: JobStore;
  /** The config, read afresh for each submission (edits to herdctl.yaml apply without a restart). */
  config: () => Config;
  streams: EventStreams;
}

/** Request state the diagnostic log reads: the job a request was about. */
export type ApiRequest = Request & { jobId?: string };

const MAX_LIST = 10_000;
const MAX_CANCEL_WAIT_MS = 120_000;

/** The actions the CLI runs, on the server's state dir: they print nothing, they return data. */
const actx = (home: string): Ctx => ({ home });

/** job.json plus what a reader shows: `displayStatus` is `stopping` for a running job being stopped after a cancel. */
function withDisplay(j: unknown): unknown {
  const job = j as Job;
  return job && typeof job === 'object' && job.status !== ('unreadable' as string) ? { ...job, displayStatus: displayStatus(job) } : j;
}

/** A job id or unique prefix from the path, resolved like the CLI does (404 unknown, 400 ambiguous). */
function jobId(ctx: ApiContext, r: ApiRequest, input: string): string {
  const id = ctx.store.resolve(input);
  r.jobId = id;
  return id;
}

/** Newest first; ?offset= pages, ?q= searches prompt, tags and error (case-insensitive) among the newest SEARCH_SCAN jobs the other filters keep. */
export function listJobs(ctx: ApiContext, r: ApiRequest): void {
  const q = onlyParams(r.query, ['status', 'agent', 'since', 'limit', 'offset', 'q']);
  const status = q.get('status') || undefined;
  if (status && !(JOB_STATUSES as readonly string[]).includes(status)) throw badRequest(`status must be one of ${JOB_STATUSES.join(', ')}`);
  const limit = limitParam(q, 20);
  const offsetText = q.get('offset') || '0';
  const offset = /^\d{1,7}$/.test(offsetText) ? Number(offsetText) : -1;
  if (offset < 0) throw badRequest('offset must be a non-negative integer');
  const text = (q.get('q') ?? '').trim().toLowerCase();
  const scan = text ? SEARCH_SCAN : Math.min(offset + limit + 1, SEARCH_SCAN + limit + 1);
  // json: the API answers JSON, so no "N more" count for people is made
  const { data } = jobsList({ status, agent: q.get('agent') || undefined, since: q.get('since') || undefined, limit: scan, json: true }, actx(ctx.store.paths.home), 'empty');
  let rows = (data ?? []) as Record<string, unknown>[];
  if (text) rows = rows.filter((j) => matches(j, text));
  sendJson(r.res, 200, { jobs: rows.slice(offset, offset + limit).map(withDisplay), offset, more: rows.length > offset + limit });
}

/** How far back a search looks: the dashboard's search is for recent work, and each job read costs. */
const SEARCH_SCAN = 5000;

const matches = (j: Record<string, unknown>, text: string): boolean =>
  [j.id, j.prompt, j.error, j.cancelReason, ...(Array.isArray(j.tags) ? j.tags : [])].some((v) => typeof v === 'string' && v.toLowerCase().includes(text));

export function showJob(ctx: ApiContext, r: ApiRequest): void {
  sendJson(r.res, 200, withDisplay(jobsShow(jobId(ctx, r, r.params.id), actx(ctx.store.paths.home)).data));
}

export async function createJob(ctx: ApiContext, r: ApiRequest): Promise<void> {
  const f = new Fields(await readJsonBody(r.req), [
    'task',
    'prompt',
    'agent',
    'provider',
    'model',
    'priority',
    'tags',
    'webhook_url',
    'quota_bucket',
    'after',
    'after_any',
    'worktree',
    'base',
    'retries',
    'max_budget_usd',
    'workspace',
    'timeout',
    'env',
  ]);
  const task = f.string('task');
  const promptField = f.string('prompt');
  if (task !== undefined && promptField !== undefined && task !== promptField) throw badRequest('give "task" or "prompt" (the same thing), not both');
  const prompt = task ?? promptField;
  if (prompt !== undefined && prompt.trim() === '') throw badRequest("the task is empty; leave it out to use the agent's default prompt");
  const model = f.string('model');
  if (model !== undefined && model.trim() === '') throw badRequest('"model" is empty; leave it out to use the agent\'s model');
  const workspace = f.string('workspace');
  const timeout = f.string('timeout');
  const timeoutMs = timeout === undefined ? undefined : (parseDuration(timeout) ?? undefined);
  if (timeout !== undefined && !timeoutMs) throw badRequest('"timeout" must be a duration above 0, like "30m" or "1h30m"');
  const env = f.stringMap('env');
  const { config, agent } = agentFor(ctx.config(), f.string('agent'), f.string('provider'), workspace);
  const webhookUrl = f.string('webhook_url');
  if (webhookUrl !== undefined && !isHttpUrl(webhookUrl)) throw badRequest('"webhook_url" must be an http(s) URL');
  const quotaBucket = f.string('quota_bucket');
  if (quotaBucket !== undefined) checkName(quotaBucket, 'quota bucket');
  const job = submit(ctx.store, config, {
    agent,
    prompt,
    model,
    priority: f.integer('priority', PRIORITY_MIN, PRIORITY_MAX),
    tags: f.strings('tags'),
    webhookUrl,
    quotaBucket,
    // workflow options (docs/workflows.md), as `herdctl run` takes them
    after: f.strings('after'),
    afterAny: f.boolean('after_any'),
    worktree: f.boolean('worktree'),
    base: f.string('base'),
    retries: f.integer('retries', 0, 100),
    maxBudgetUsd: f.positive('max_budget_usd'),
    // per-job overrides, as `herdctl run --workspace/--timeout/--env` takes them
    workspace,
    timeoutMs,
    env: env && checkEnvObject(env),
  });
  r.jobId = job.id;
  sendJson(r.res, 201, { session_id: job.id }, { Location: `/jobs/${job.id}` });
}

/** 200 when the job ended (or had already), 202 when the request is recorded and the agent is still stopping. */
export async function cancel(ctx: ApiContext, r: ApiRequest): Promise<void> {
  const f = new Fields(await readJsonBody(r.req), ['reason', 'wait_ms']);
  const id = jobId(ctx, r, r.params.id);
  const out = await cancelJob(ctx.store, id, f.string('reason') ?? null, f.integer('wait_ms', 0, MAX_CANCEL_WAIT_MS) ?? 0);
  sendJson(r.res, out.result === 'requested' ? 202 : 200, out);
}

export async function resumeJob(ctx: ApiContext, r: ApiRequest): Promise<void> {
  const f = new Fields(await readJsonBody(r.req), ['kind', 'from_subject_id', 'recap_id', 'prompt', 'model']);
  const kind = f.string('kind');
  const from = f.string('from_subject_id');
  const recap = f.string('recap_id');
  if (from !== undefined && recap !== undefined) throw badRequest('give "from_subject_id" (continue a job) or "recap_id" (start afresh from its recap), not both');
  // a recap is identified by its job: recap_id is a job id (or a unique prefix)
  if (recap === undefined) {
    if (kind !== 'job') throw badRequest('"kind" must be "job"');
    if (!from) throw badRequest('"from_subject_id" is required: the id (or a unique prefix) of the job to continue (or "recap_id")');
  } else if (kind !== undefined && kind !== 'job' && kind !== 'recap') throw badRequest('"kind" must be "job" or "recap"');
  const prompt = f.string('prompt');
  const parent = ctx.store.read(jobId(ctx, r, (recap ?? from)!));
  const model = f.string('model');
  if (model !== undefined && model.trim() === '') throw badRequest('"model" is empty; leave it out to keep the parent job\'s model');
  const job = resume(ctx.store, parent, prompt?.trim() ? prompt : undefined, model, { fromRecap: recap !== undefined });
  r.jobId = job.id;
  sendJson(r.res, 201, { session_id: job.id, parent_id: parent.id, ...(recap !== undefined ? { recap_id: parent.id } : {}) }, { Location: `/jobs/${job.id}` });
}

/** Server-Sent Events: the stored lines with seq > since (or Last-Event-ID), history then live, ending after `complete`. */
export async function events(ctx: ApiContext, r: ApiRequest): Promise<void> {
  const id = jobId(ctx, r, r.params.id);
  ctx.store.read(id); // an unreadable job.json is an error now, not an empty stream
  const after = Math.max(seqParam('since', r.query.get('since')), seqParam('Last-Event-ID', r.req.headers['last-event-id'] as string | undefined));
  r.res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  });
  r.res.flushHeaders();
  await ctx.streams.follow(id, r.res, after);
}

function seqParam(name: string, v: string | null | undefined): number {
  if (v === null || v === undefined || v === '') return -1;
  if (!/^\d{1,15}$/.test(v.trim())) throw badRequest(`${name} must be an event seq (a non-negative integer)`);
  return Number(v);
}

export function agents(ctx: ApiContext, r: ApiRequest): void {
  const config = ctx.config();
  sendJson(r.res, 200, { config: config.file, agents: Object.values(config.agents).map((a) => ({ ...agentSummary(a), prompt: a.prompt })) });
}

export function health(ctx: ApiContext, r: ApiRequest, version: string): void {
  sendJson(r.res, 200, {
    status: 'ok',
    version,
    providers: providerInfo().map((p) => ({ name: p.name, program: p.program, available: p.available })),
    features: {
      background_jobs: {
        available: true,
        transport: 'sse',
        routes_prefix: '/jobs',
        metrics_route: '/v1/metrics/jobs',
        store_path: ctx.store.paths.home,
      },
    },
  });
}

/** The `jobs stats --json` counters; ?agent= and ?since= as there. */
export async function metrics(ctx: ApiContext, r: ApiRequest): Promise<void> {
  const q = onlyParams(r.query, ['agent', 'since']);
  const [{ jobsStats }, { seedMetrics }] = await Promise.all([import('../actions/stats.js'), import('../core/stats.js')]); // loaded when first asked for, like the webhook modules below
  const stats = jobsStats({ agent: q.get('agent') || undefined, since: q.get('since') || undefined }, actx(ctx.store.paths.home)).data!;
  sendJson(r.res, 200, { ...seedMetrics(stats), ...stats });
}

/** POST /v1/jobs/quota/reset {bucket}: as `herdctl quotas reset <bucket>`. */
export async function quotaReset(ctx: ApiContext, r: ApiRequest): Promise<void> {
  const f = new Fields(await readJsonBody(r.req), ['bucket']);
  const bucket = f.string('bucket');
  if (!bucket) throw badRequest('"bucket" is required: the name of a quota bucket (GET /v1/quotas)');
  const { resetKnownBucket } = await import('../core/quota.js');
  sendJson(r.res, 200, resetKnownBucket(ctx.store.paths, ctx.config().quotas, bucket));
}

export async function deadLetters(ctx: ApiContext, r: ApiRequest): Promise<void> {
  const limit = limitParam(onlyParams(r.query, ['limit']), 100);
  const { webhooksList } = await import('../actions/webhooks.js');
  sendJson(r.res, 200, { dead_letters: webhooksList({ dead: true, limit }, actx(ctx.store.paths.home)).data });
}

/** Back to pending with its attempts reset, then one attempt now: the record says how that went (status delivered, pending or dead). */
export async function redeliver(ctx: ApiContext, r: ApiRequest): Promise<void> {
  const { webhooksRedeliver } = await import('../actions/webhooks.js');
  const { data } = await webhooksRedeliver(r.params.id, actx(ctx.store.paths.home));
  r.jobId = data?.jobId;
  sendJson(r.res, 200, data);
}

function onlyParams(q: URLSearchParams, allowed: string[]): URLSearchParams {
  for (const k of q.keys()) if (!allowed.includes(k)) throw badRequest(`unknown query parameter "${k}"; allowed: ${allowed.join(', ')}`);
  return q;
}

function limitParam(q: URLSearchParams, fallback: number): number {
  const text = q.get('limit') || String(fallback);
  const limit = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIST)) throw badRequest(`limit must be an integer from 1 to ${MAX_LIST}`);
  return limit;
}
