import { AppError } from '#shared/errors.ts';
import { IMPORT_COLUMNS, type ImportKind } from '#shared/imports/columns.ts';
import { getImport, type ImportJob, storedReport } from '#shared/imports/jobs.ts';
import { CSV_TYPE, createUpload, UploadRequest } from '#shared/objects.ts';
import { parseInput } from '#shared/validate.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import type { ImportWords } from '#shared/web/import-words.ts';
import { db } from '../lib/clients.ts';
import { getObjectStore } from '../lib/objects.ts';
import { STATUS_OF } from '../lib/status.ts';
import { csrfField, field, type PageRequest, type PageResult } from '../pages/kit.ts';

type Req = PageRequest<ImportWords>;

/** The kinds in the order a city is set up: each one names what the ones before it created. */
const KINDS: readonly ImportKind[] = ['communities', 'units', 'cadres', 'households', 'pairings', 'fund-ledger'];

const WHAT_IT_TAKES: Record<ImportKind, { zh: string; en: string }> = {
  communities: { zh: '社区名称，以及所属街道/乡镇和区/县', en: 'Community names, with township and district' },
  units: { zh: '帮扶单位名称（全市不重复）', en: 'Work unit names (unique city-wide)' },
  cadres: {
    zh: '干部姓名和所属单位（单位须已导入），可带编号和手机',
    en: 'Cadres by name and unit (imported first), with code and phone',
  },
  households: {
    zh: '户主姓名、身份证号、所属社区（须已导入）和家庭人口',
    en: 'Head of household, resident ID, community (imported first), members',
  },
  pairings: {
    zh: '按身份证号找家庭，按编号或单位内姓名找帮扶责任人，和年度',
    en: 'Households by resident ID, cadres by code or name within the unit, and the year',
  },
  'fund-ledger': {
    zh: '台账编号、身份证号、日期、帮扶目标（帮生活等）和金额（元）',
    en: 'Reference, resident ID, date, objective (in Chinese, as in the template) and amount in yuan',
  },
};

const ERRORS_SHOWN = 200;

/**
 * The upload: the browser asks this page for a presigned URL (a page's cookie is no bearer token for the API),
 * PUTs the file there, then posts the dry-run form with the key. Words the script shows ride in data attributes,
 * so the script itself is a constant.
 */
const UPLOAD_SCRIPT = `(()=>{const f=document.getElementById('import-upload');if(!f)return;const s=document.getElementById('upload-status');const b=f.querySelector('button[type=submit]');
const X='application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
f.addEventListener('submit',async(ev)=>{const file=f.elements.file.files[0];if(!file)return;ev.preventDefault();
const type=/\\.csv$/i.test(file.name)?'text/csv':/\\.xlsx$/i.test(file.name)?X:'';if(!type){s.textContent=f.dataset.wrongType;return;}
b.disabled=true;s.textContent=f.dataset.uploading;
try{const r=await fetch(f.dataset.uploads,{method:'POST',headers:{'content-type':'application/x-www-form-urlencoded'},body:new URLSearchParams({_csrf:f.elements._csrf.value,contentType:type,bytes:String(file.size)})});
const j=await r.json();if(!r.ok){s.textContent=j.message||f.dataset.failed;b.disabled=false;return;}
const h=Object.assign({},j.headers);delete h['content-length'];
const put=await fetch(j.url,{method:'PUT',headers:h,body:file});if(!put.ok){s.textContent=f.dataset.failed;b.disabled=false;return;}
f.elements.key.value=j.key;f.elements.file.disabled=true;s.textContent=f.dataset.checking;f.submit();}
catch(e){s.textContent=f.dataset.failed;b.disabled=false;}});})();`;

/**
 * Where the browser PUTs uploads, for the page's `connect-src`: the origin of a URL the store presigns (S3's
 * bucket endpoint on AWS, the local server here), so the policy names exactly the place the upload goes.
 */
async function uploadOrigin(req: Req): Promise<string | undefined> {
  const probe = await getObjectStore().presignPut('uploads/import/origin.csv', CSV_TYPE, 1, 60);
  // A relative URL (the local store behind this same server) is this page's origin: 'self' covers it.
  const origin = new URL(probe.url, req.origin).origin;
  return origin !== req.origin && /^https?:\/\/[\w.:-]+$/.test(origin) ? origin : undefined;
}

function columnNotes(req: Req, kind: ImportKind): Html {
  return html`<details><summary>${req.t.columns}</summary><table class="cols"><thead><tr><th>${req.t.column}</th><th></th><th>${req.t.whatItTakes}</th><th>${req.t.example}</th></tr></thead><tbody>${IMPORT_COLUMNS[
    kind
  ].map(
    (c) =>
      // The header and the example are what goes in the file, in Chinese whatever the page's language.
      html`<tr><td><span lang="zh-CN">${c.header}</span><br><code>${c.code}</code></td><td>${c.required ? req.t.required : req.t.optional}</td><td>${req.say(c.note)}</td><td lang="zh-CN">${c.example}</td></tr>`,
  )}</tbody></table></details>`;
}

/**
 * GET /app/admin/imports: each kind in the order a city is set up, with what it takes, its templates (XLSX with
 * a notes row, CSV without: the notes are here) and the upload form that starts a dry run.
 */
export async function importsPage(req: Req): Promise<PageResult> {
  const t = req.t;
  const chosen = req.query.get('kind') ?? '';
  const templates = (k: ImportKind) =>
    html`<a href="/app/downloads/imports/templates/${k}.xlsx" download>XLSX</a> · <a href="/app/downloads/imports/templates/${k}.csv" download>CSV</a>`;
  return {
    title: t.imports,
    connect: await uploadOrigin(req),
    body: html`<p>${t.importIntro}</p>
<div class="table-wrap"><table class="kinds"><thead><tr><th>${t.kind}</th><th>${t.whatItTakes}</th><th>${t.template}</th></tr></thead><tbody>${KINDS.map(
      (k, i) =>
        html`<tr id="kind-${k}"><td>${i + 1}. ${req.t.kinds[k]}<br><code>${k}</code></td><td>${WHAT_IT_TAKES[k][req.lang]}${columnNotes(req, k)}</td><td class="nowrap">${templates(k)}</td></tr>`,
    )}</tbody></table></div>
<section class="card"><h2>${t.uploadFile}</h2>
<noscript><div class="alert">${t.noScript}</div></noscript>
<form method="post" action="/app/admin/imports" id="import-upload" enctype="application/x-www-form-urlencoded" data-uploads="/app/admin/imports/uploads" data-uploading="${t.uploading}" data-checking="${t.checking}" data-failed="${t.uploadFailed}" data-wrong-type="${t.wrongType}">${csrfField(req)}
<input type="hidden" name="dryRun" value="1">
<div class="grid2">${field(
      'kind',
      t.kind,
      html`<select id="kind" name="kind">${KINDS.map(
        (k) => html`<option value="${k}"${k === chosen ? html` selected` : ''}>${req.t.kinds[k]}</option>`,
      )}</select>`,
    )}
${field('file', t.file, html`<input id="file" name="file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet">`)}</div>
<details><summary>${t.fileKey}</summary>${field('key', t.fileKey, html`<input id="key" name="key" maxlength="400" autocomplete="off">`)}</details>
<p id="upload-status" class="muted" role="status" aria-live="polite"></p>
<button type="submit">${t.checkFile}</button></form>
<script nonce="${req.nonce}">${raw(UPLOAD_SCRIPT)}</script></section>`,
  };
}

/**
 * POST /app/admin/imports/uploads: the presigned PUT the page's script uploads to (`createUpload`, purpose
 * import, the same command as `POST /uploads`), as JSON `{key, url, headers}`; a refusal is JSON too.
 */
export async function uploadUrlFromPage(req: Req): Promise<PageResult> {
  try {
    const body = parseInput(UploadRequest, {
      purpose: 'import',
      contentType: req.form.get('contentType') ?? '',
      bytes: Number(req.form.get('bytes') ?? ''),
    });
    const upload = await createUpload(getObjectStore(), body, req.caller!, req.now);
    return { status: 201, json: { key: upload.key, url: upload.url, headers: upload.headers } };
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return {
      status: STATUS_OF[e.kind],
      json: {
        code: e.code,
        message: req.say(e.message),
        issues: (e.issues ?? []).map((i) => ({ ...i, message: req.say(i.message) })),
      },
    };
  }
}

const count = (label: string, n: number) => html`<div><dt>${label}</dt><dd class="num">${n}</dd></div>`;

function errorsTable(req: Req, job: ImportJob, errors: ImportJob['errors'], total: number): Html {
  if (!total) return html``;
  const shown = errors.slice(0, ERRORS_SHOWN);
  const caption = req.t.errorsShown.replace('{n}', String(shown.length)).replace('{total}', String(total));
  return html`<h2>${caption}</h2>
<p>${req.t.downloadErrors}${req.t.colon}<a href="/app/downloads/imports/${job.id}/errors.xlsx" download>XLSX</a> · <a href="/app/downloads/imports/${job.id}/errors.csv" download>CSV</a></p>
<div class="table-wrap"><table class="errors"><thead><tr><th class="num">${req.t.row}</th><th>${req.t.column}</th><th>${req.t.message}</th></tr></thead><tbody>${shown.map(
    (e) => html`<tr><td class="num">${e.row}</td><td>${e.column}</td><td>${req.say(e.message)}</td></tr>`,
  )}</tbody></table></div>`;
}

/** The commit buttons of a dry run: the same kind and file, all rows (only without errors) or the valid ones. */
function commitForms(req: Req, job: ImportJob, valid: number, errorRows: number): Html {
  const form = (label: string, skipInvalid: boolean, secondary = false) =>
    html`<form method="post" action="/app/admin/imports" class="inline">${csrfField(req)}<input type="hidden" name="kind" value="${job.kind}"><input type="hidden" name="key" value="${job.key}"><input type="hidden" name="dryRun" value="0">${
      skipInvalid ? html`<input type="hidden" name="skipInvalid" value="1">` : ''
    }<button type="submit"${secondary ? html` class="secondary"` : ''}>${label}</button></form> `;
  if (!errorRows) return html`<p class="ok">${req.t.noErrors}</p>${form(req.t.importAll, false)}`;
  if (!valid) return html`<div class="alert">${req.t.allInvalid}</div>`;
  return form(`${req.t.importValid}${req.t.openParen}${valid}${req.t.closeParen}`, true);
}

function dryRunView(req: Req, job: ImportJob, errors: ImportJob['errors']): Html {
  const errorRows = new Set(errors.map((e) => e.row)).size;
  const valid = job.rowsTotal - errorRows;
  return html`<p>${req.t.kinds[job.kind]} · <code>${job.key.split('/').pop()}</code></p>
<dl class="counts">${count(req.t.rows, job.rowsTotal)}${count(req.t.validRows, valid)}${count(req.t.errorRows, errorRows)}</dl>
<div class="actions">${commitForms(req, job, valid, errorRows)}<a href="/app/admin/imports?kind=${job.kind}">${req.t.uploadAgain}</a></div>
${errorsTable(req, job, errors, errors.length)}`;
}

const STATUS_WORD = { running: 'statusRunning', done: 'statusDone', failed: 'statusFailed' } as const;

function commitView(req: Req, job: ImportJob): Html {
  const t = req.t;
  return html`<p>${req.t.kinds[job.kind]} · <span class="tag ${job.status}" data-status="${job.status}">${t[STATUS_WORD[job.status]]}</span></p>
<label for="progress">${t.progress}${t.colon}${job.rowsDone} / ${job.rowsTotal}</label>
<progress id="progress" value="${job.rowsDone}" max="${Math.max(job.rowsTotal, 1)}">${job.rowsDone} / ${job.rowsTotal}</progress>
${job.status === 'running' ? html`<p class="muted">${t.refreshing}</p>` : ''}
${job.failure ? html`<div class="alert" role="alert">${t.failure}${t.colon}${job.failure}</div>` : ''}
<dl class="counts">${count(t.created, job.created)}${count(t.updated, job.updated)}${count(t.unchanged, job.unchanged)}${count(t.skipped, job.skipped)}</dl>
${errorsTable(req, job, job.errors, job.errorCount)}
<p><a href="/app/admin/imports">${t.imports}</a></p>`;
}

/**
 * GET /app/admin/imports/{id}: a dry run's report (rows, valid, the errors, the commit buttons), or a commit's
 * progress bar, reloaded every 2 s while it runs, then its counts and errors.
 */
export async function importPage(req: Req, m: RegExpExecArray): Promise<PageResult> {
  const job = await getImport(db, m[1]!);
  if (job.dryRun) {
    const report = await storedReport(getObjectStore(), job.id);
    return { title: req.t.dryRun, body: dryRunView(req, job, report.errors) };
  }
  return {
    title: req.t.importJob,
    body: commitView(req, job),
    ...(job.status === 'running' ? { refresh: { seconds: 2, url: `/app/admin/imports/${job.id}` } } : {}),
  };
}
