'use strict';

// The NIfTI import UI in a real browser (Debian's Chromium, headless, driven
// by playwright-core) against a real Orthanc with the plugin:
//  - the "Import NIfTI" dialog of Orthanc Explorer (study and patient pages):
//    header summary, import, landing on the new series, server errors, cancel
//  - the page of the plugin, /nifti/app/: search, pick, drop, import, link
//  - the options of the new series: output type (Parametric map with units,
//    what an RGB file allows), reference series, bval/bvec, and the warnings
//    of the answer
//  - segmentations: a label table dropped beside the label map or the
//    FreeSurfer preset, previewed as the server reads it; RT Structure Set
//    (needs the reference series); probabilities (SegmentationType)
//  - a file larger than a part goes as an upload in parts, which survives a
//    part cut off on its way (network errors simulated by route interception);
//    it resumes from what the server has when the same file is picked again
//    after a reload, and with "Resume" after an outage longer than the retries
// Screenshots go to UnitTests/Browser/screenshots/.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { chromium } = require('playwright-core');
const { Orthanc, sleep } = require('../lib/orthanc');
const { makeNifti, gzip } = require('../lib/nifti');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PARENT_DICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm';
const SCREENSHOTS = path.join(__dirname, '..', 'screenshots');

// Instances whose SeriesDescription contains "slow" take 50 ms each to store:
// time enough to watch the progress and to cancel
const SLOW_FILTER = `
function ReceivedInstanceFilter(dicom, origin, info)
  if dicom.SeriesDescription ~= nil and string.find(dicom.SeriesDescription, 'slow', 1, true) then
    local t = os.clock()
    while os.clock() - t < 0.05 do end
  end
  return true
end
`;

let orthanc;
let context;
let page;
let studyId;
let patientId;
let parentSeriesId;
let pageErrors = [];

async function screenshot(name, fullPage = false) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage });
}

async function studySeries() {
  return orthanc.get(`/studies/${studyId}/series`);
}

async function countInstances() {
  return (await orthanc.get('/statistics')).CountInstances;
}

// Bytes that look like nothing: not NIfTI (no 348 / magic), not gzip, not JSON
function randomBytes(size) {
  const buffer = Buffer.alloc(size);
  let x = 12345;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    buffer[i] = x >> 16;
  }
  buffer.write('RANDOM', 0, 'latin1');
  return buffer;
}

async function openStudyDialog() {
  await page.goto(`${orthanc.url}/app/explorer.html#study?uuid=${studyId}`);
  // The study page is the current one (not a series page still being shown)
  await page.waitForFunction((id) => window.$ && $.mobile && $.mobile.pageData && $.mobile.pageData.uuid === id &&
                                     $.mobile.activePage && $.mobile.activePage.attr('id') === 'study', studyId);
  await page.locator('#nifti-import-study').click();
  const dialog = page.locator('#nifti-import-dialog');
  await dialog.waitFor({ state: 'visible' });
  // The study line is filled in once the study is known
  await dialog.locator('.nifti-study strong').waitFor();
  return dialog;
}

function nifti(name, buffer) {
  return { name, mimeType: 'application/octet-stream', buffer };
}

// The final state of a job (the UI polls it too)
async function waitForJob(id) {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const job = await orthanc.get(`/jobs/${id}`);
    if (job.State === 'Success' || job.State === 'Failure') {
      return job;
    }
    await sleep(100);
  }
  throw new Error(`The job ${id} did not end`);
}

// The tags of the instances of a series, simplified (keywords, nested sequences)
async function seriesTags(seriesId) {
  const instances = await orthanc.get(`/series/${seriesId}/instances`);
  return Promise.all(instances.map((instance) => orthanc.get(`/instances/${instance.ID}/tags?simplify`)));
}

// Imports from the page or the dialog: clicks "Import", answers the request's body and the ended job
async function clickImport(scope) {
  const started = page.waitForResponse((r) => r.url().endsWith('/nifti/import'));
  await scope.locator('button.nifti-import').click();
  const response = await started;
  const body = JSON.parse(response.request().postData());
  assert.equal(response.status(), 200, await response.text());
  const job = await waitForJob((await response.json()).ID);
  assert.equal(job.State, 'Success', JSON.stringify(job.Content));
  return { body, job, content: job.Content };
}

// Files dropped on the panel's drop zone, as a user drags them from a file manager
async function dropFiles(files) {
  const dataTransfer = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const file of list) {
      const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], file.name, { type: 'application/octet-stream' }));
    }
    return transfer;
  }, files.map((file) => ({ name: file.name, base64: Buffer.from(file.buffer).toString('base64') })));
  const drop = page.locator('.nifti-drop');
  await drop.dispatchEvent('dragover', { dataTransfer });
  await drop.dispatchEvent('drop', { dataTransfer });
}

async function openAppWithStudy() {
  await page.goto(`${orthanc.url}/nifti/app/?study=${studyId}`);
  await page.locator('#nifti-chosen').getByText('Into the study').waitFor();
}

async function waitForUploadsGone(ids) {
  const deadline = Date.now() + 5000;
  let left = ids;
  while (Date.now() < deadline) {
    const uploads = await orthanc.get('/nifti/uploads');
    left = ids.filter((id) => uploads.includes(id));
    if (left.length === 0) {
      return;
    }
    await sleep(100);
  }
  assert.deepEqual(left, [], 'uploads left on the server');
}

describe('NIfTI import in a real browser', () => {
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);

    orthanc = new Orthanc({
      luaScripts: { 'slow-filter.lua': SLOW_FILTER },
      configure: (config, server) => {
        // Orthanc itself as a DICOM destination, so that "Send to" really sends;
        // and a peer nobody listens to, to have both kinds of check boxes
        config.DicomModalities = { SELF: ['NIFTIBROWSER', '127.0.0.1', server.dicomPort] };
        config.OrthancPeers = { nobody: [`http://127.0.0.1:${server.dicomPort}/`] };
        // Parts of 1 MB: a file of a few MB is an upload in parts
        config.NiftiToDicom = Object.assign({}, config.NiftiToDicom, { MaximumPartSize: 1 });
      },
    });
    await orthanc.start();

    const parent = await orthanc.post('/instances', fs.readFileSync(PARENT_DICOM));
    studyId = parent.ParentStudy;
    patientId = parent.ParentPatient;
    parentSeriesId = parent.ParentSeries;

    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-nifti-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    context.setDefaultTimeout(20000);
    page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    context.userDataDir = userDataDir;
  });

  after(async () => {
    if (context) {
      await context.close();
      fs.rmSync(context.userDataDir, { recursive: true, force: true });
    }
    if (orthanc) {
      await orthanc.stop();
      orthanc.cleanup();
    }
  });

  afterEach(async () => {
    const errors = pageErrors;
    pageErrors = [];
    // A dialog left open (a test that failed half-way) would hide the next test's page: start afresh
    if (await page.locator('#nifti-import-dialog').count() > 0) {
      await page.goto('about:blank');
    }
    assert.deepEqual(errors, [], 'JavaScript errors in the page');
  });

  it('serves the page, its files and the Explorer extension', async () => {
    const index = await fetch(`${orthanc.url}/nifti/app/`, { redirect: 'manual' });
    assert.equal(index.status, 301);
    assert.equal(index.headers.get('location'), '/nifti/app/index.html');
    const withStudy = await fetch(`${orthanc.url}/nifti/app?study=${studyId}`, { redirect: 'manual' });
    assert.equal(withStudy.headers.get('location'), `/nifti/app/index.html?study=${studyId}`);

    const types = {
      'index.html': 'text/html', 'app.js': 'application/javascript', 'import-core.js': 'application/javascript',
      'import.css': 'text/css', 'icon.svg': 'image/svg+xml',
    };
    for (const [name, type] of Object.entries(types)) {
      const answer = await fetch(`${orthanc.url}/nifti/app/${name}`);
      assert.equal(answer.status, 200, name);
      assert.ok(answer.headers.get('content-type').startsWith(type), `${name}: ${answer.headers.get('content-type')}`);
    }
    const missing = await orthanc.request('GET', '/nifti/app/missing.js');
    assert.equal(missing.status, 404);
    assert.match(missing.json.Message, /has no file "missing\.js"/);
    const post = await orthanc.request('POST', '/nifti/app/index.html', '{}');
    assert.equal(post.status, 405);

    const explorer = await (await fetch(`${orthanc.url}/plugins/explorer.js`)).text();
    assert.match(explorer, /NiftiToDicomImport/);
    assert.match(explorer, /nifti-import-study/);
  });

  it('Explorer study page: pick a file, see its header, import, land on the new series', async () => {
    const seriesBefore = (await studySeries()).length;
    const dialog = await openStudyDialog();
    await dialog.locator('.nifti-file-input').setInputFiles(
      nifti('t1_brain.nii', makeNifti({ dims: [16, 16, 6], spacing: [0.9, 0.9, 1.5] })));

    // The header summary, before anything is converted
    await dialog.locator('.nifti-row-dimensions td').waitFor();
    assert.equal(await dialog.locator('.nifti-row-dimensions td').textContent(), '16 \u00d7 16 \u00d7 6');
    assert.equal(await dialog.locator('.nifti-row-voxel td').textContent(), '0.9 \u00d7 0.9 \u00d7 1.5 mm');
    assert.equal(await dialog.locator('.nifti-row-datatype td').textContent(), 'INT16');
    assert.equal(await dialog.locator('.nifti-row-orientation td').textContent(), 'RAS (from the sform)');
    assert.equal(await dialog.locator('.nifti-description').inputValue(), 't1_brain');
    assert.equal(await dialog.locator('.nifti-check').count(), 2, 'the modality SELF and the peer nobody');
    assert.equal((await studySeries()).length, seriesBefore, 'nothing converted before "Import"');

    await dialog.locator('.nifti-description').fill('Browser import T1');
    await screenshot('explorer-dialog-summary.png');

    await dialog.locator('button.nifti-import').click();
    await waitForSeriesPage();
    const seriesId = /uuid=([^&]+)/.exec(page.url())[1];
    await page.locator('#series-info').getByText('Browser import T1').waitFor();
    assert.equal(await page.locator('#nifti-import-dialog').count(), 0, 'the dialog is closed');
    await screenshot('explorer-series-page.png');

    const series = await orthanc.get(`/series/${seriesId}`);
    assert.equal(series.ParentStudy, studyId);
    assert.equal(series.Instances.length, 6);
    assert.equal(series.MainDicomTags.SeriesDescription, 'Browser import T1');
    assert.equal(series.MainDicomTags.Modality, 'MR');
    assert.equal((await studySeries()).length, seriesBefore + 1);
  });

  it('Explorer: a file that is not NIfTI shows the server\'s message and stores nothing', async () => {
    const seriesBefore = (await studySeries()).length;
    const instancesBefore = await countInstances();
    const dialog = await openStudyDialog();

    // Random bytes named x.nii: uploaded (type Other), refused by the import
    const uploaded = page.waitForResponse((r) => r.url().endsWith('/nifti/uploads') && r.request().method() === 'POST');
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('x.nii', randomBytes(5000)));
    const upload = await (await uploaded).json();
    assert.equal(upload.Type, 'Other');
    await dialog.locator('.nifti-message.nifti-warning').getByText('does not recognise x.nii').waitFor();

    const refused = page.waitForResponse((r) => r.url().endsWith('/nifti/import'));
    await dialog.locator('button.nifti-import').click();
    const answer = await refused;
    assert.equal(answer.status(), 400);
    const message = (await answer.json()).Message;
    const shown = dialog.locator('.nifti-message.nifti-error .nifti-message-text');
    await shown.waitFor();
    assert.equal(await shown.textContent(), message, 'the server\'s Message, verbatim');
    await screenshot('explorer-dialog-error.png');

    // A file that starts like a NIfTI but whose header is wrong: refused by the upload
    const broken = makeNifti({ dims: [16, 16, 6] });
    broken.writeInt16LE(9, 40);   // dim[0] = 9: more than 7 dimensions
    const refusedUpload = page.waitForResponse((r) => r.url().endsWith('/nifti/uploads') &&
                                                      r.request().method() === 'POST');
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('broken.nii', broken));
    const uploadAnswer = await refusedUpload;
    assert.equal(uploadAnswer.status(), 400);
    const uploadMessage = (await uploadAnswer.json()).Message;
    await dialog.locator('.nifti-message.nifti-error .nifti-message-text').getByText(uploadMessage, { exact: true })
      .waitFor();
    assert.equal(await dialog.locator('button.nifti-import').isDisabled(), true);

    // Closing the dialog removes what it uploaded
    await dialog.locator('.nifti-close').click();
    assert.equal(await page.locator('#nifti-import-dialog').count(), 0);
    await waitForUploadsGone([upload.ID]);

    assert.equal((await studySeries()).length, seriesBefore);
    assert.equal(await countInstances(), instancesBefore);
  });

  it('Explorer: an import that fails in its job shows the job\'s error and stores nothing', async () => {
    const seriesBefore = (await studySeries()).length;
    const instancesBefore = await countInstances();
    const dialog = await openStudyDialog();
    // A sheared sform: the header is fine, the conversion refuses it
    const sheared = makeNifti({ dims: [16, 16, 4], rows: [[1, 0.5, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] });
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('sheared.nii', sheared));
    await dialog.locator('.nifti-row-dimensions td').waitFor();

    const started = page.waitForResponse((r) => r.url().endsWith('/nifti/import'));
    await dialog.locator('button.nifti-import').click();
    const answer = await started;
    assert.equal(answer.status(), 200, 'checked in the job, not before');
    const job = await answer.json();
    const shown = dialog.locator('.nifti-message.nifti-error .nifti-message-text');
    await shown.waitFor();
    const state = await orthanc.get(`/jobs/${job.ID}`);
    assert.equal(state.State, 'Failure');
    assert.ok(state.Content.Error, 'the job says why');
    assert.equal(await shown.textContent(), state.Content.Error, 'the job\'s Error, verbatim');
    assert.equal(await dialog.locator('button.nifti-import').isEnabled(), true, 'the user may change and retry');

    await dialog.locator('.nifti-close').click();
    assert.equal((await studySeries()).length, seriesBefore);
    assert.equal(await countInstances(), instancesBefore);
  });

  it('Explorer: "Cancel" stops an import under way and leaves nothing behind', async () => {
    const seriesBefore = (await studySeries()).length;
    const instancesBefore = await countInstances();
    const dialog = await openStudyDialog();
    const uploaded = page.waitForResponse((r) => r.url().endsWith('/nifti/uploads') && r.request().method() === 'POST');
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('slow.nii', makeNifti({ dims: [32, 32, 120] })));
    const upload = await (await uploaded).json();
    await dialog.locator('.nifti-row-dimensions td').waitFor();
    await dialog.locator('.nifti-description').fill('slow import, cancelled');

    const started = page.waitForResponse((r) => r.url().endsWith('/nifti/import'));
    await dialog.locator('button.nifti-import').click();
    const job = await (await started).json();
    await dialog.locator('.nifti-progress-text').getByText(/Converting: [1-9]\d* of 120 instances stored/).waitFor();
    assert.equal(await dialog.locator('.nifti-close').isDisabled(), true, 'no closing while the import runs');
    await screenshot('explorer-dialog-progress.png');

    await dialog.locator('button.nifti-cancel').click();
    await dialog.locator('.nifti-message.nifti-info').getByText('Import cancelled: nothing was stored.').waitFor();

    const state = await orthanc.get(`/jobs/${job.ID}`);
    assert.equal(state.State, 'Failure');
    assert.equal(state.ErrorCode, 37, 'a cancelled job');
    await waitForUploadsGone([upload.ID]);
    assert.equal((await studySeries()).length, seriesBefore);
    assert.equal(await countInstances(), instancesBefore);
    await dialog.locator('.nifti-close').click();
  });

  it('Explorer: a file larger than a part goes in parts and resumes after a part is cut off', async () => {
    const MB = 1024 * 1024;
    const buffer = makeNifti({ dims: [128, 128, 112], spacing: [1, 1, 1.2] });
    const sha256 = crypto.createHash('sha256').update(buffer).digest('hex');
    const puts = [];
    let cuts = 0;
    const parts = /\/nifti\/uploads\/sessions\/[0-9a-f]{32}$/;
    await page.route(parts, async (route) => {
      const request = route.request();
      if (request.method() !== 'PUT') {
        return route.continue();
      }
      const offset = Number(request.headers()['x-part-offset']);
      puts.push(offset);
      if (offset === MB && cuts === 0) {
        cuts++;
        return route.abort('connectionreset');        // lost on its way
      }
      if (offset === 2 * MB && cuts === 1) {
        cuts++;
        await route.fetch();                          // arrived, but its answer is lost
        return route.abort('connectionreset');
      }
      return route.continue();
    });

    try {
      const dialog = await openStudyDialog();
      // The UI's own SHA-256 (for plain http, where crypto.subtle is missing) against the browser's, at the
      // lengths where padding changes, fed whole and in uneven pieces
      const mismatches = await page.evaluate(async () => {
        const hex = (digest) => Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
        const wrong = [];
        for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100003]) {
          const bytes = new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24);
          const expected = hex(await crypto.subtle.digest('SHA-256', bytes));
          const pieces = new NiftiToDicomImport.Sha256();
          for (let i = 0; i < size; i += 37) {
            pieces.update(bytes.subarray(i, i + 37));
          }
          if (NiftiToDicomImport.sha256Hex(bytes) !== expected || pieces.hex() !== expected) {
            wrong.push(size);
          }
        }
        return wrong;
      });
      assert.deepEqual(mismatches, []);

      const finished = page.waitForResponse((r) => r.url().endsWith('/finish'));
      const retryShown = dialog.locator('.nifti-progress-text', { hasText: 'Connection lost' })
        .waitFor({ timeout: 15000 });
      await dialog.locator('.nifti-file-input').setInputFiles(nifti('big_t1.nii', buffer));
      await retryShown;
      const finish = await finished;
      assert.equal(finish.status(), 200, await finish.text());
      const upload = await finish.json();
      assert.equal(upload.Size, buffer.length);
      assert.equal(upload.SHA256, sha256, 'the file arrived whole and in order');
      assert.equal(JSON.parse(finish.request().postData()).SHA256, sha256, 'the browser hashed the whole file');

      await dialog.locator('.nifti-row-dimensions td').waitFor();
      assert.equal(await dialog.locator('.nifti-row-dimensions td').textContent(), '128 \u00d7 128 \u00d7 112');
      assert.equal(cuts, 2);
      // The cut part again; the part whose answer was lost not again (the session said it had it)
      assert.deepEqual(puts, [0, MB, MB, 2 * MB, 3 * MB]);
      assert.deepEqual(await orthanc.get('/nifti/uploads/sessions'), [], 'no session left');
      await screenshot('explorer-upload-in-parts.png');

      assert.equal(await importFromDialog(dialog), 112);
    } finally {
      await page.unroute(parts);
    }
  });

  // The Explorer's page of the new series. On a timeout, the error says what the UI showed then and where the page
  // was: a slow import, a failed one, or a navigation that did not happen
  async function waitForSeriesPage() {
    try {
      await page.waitForURL(/#series\?uuid=/);
    } catch (error) {
      const said = await page.evaluate(() => Array.from(
        document.querySelectorAll('.nifti-message, .nifti-progress-text'), (element) => element.textContent.trim())
        .filter((text) => text).join(' | '));
      const jobs = await orthanc.get('/jobs?expand');
      throw new Error(`${error.message}\nURL: ${page.url()}\nThe UI showed: ${said || '(nothing)'}\nLast job: ` +
                      JSON.stringify(jobs[jobs.length - 1] || null));
    }
  }

  // Clicks "Import" in the dialog; answers the number of instances of the series the page then shows
  async function importFromDialog(dialog) {
    await dialog.locator('button.nifti-import').click();
    await waitForSeriesPage();
    const seriesId = /uuid=([^&]+)/.exec(page.url())[1];
    return (await orthanc.get(`/series/${seriesId}`)).Instances.length;
  }

  // Resuming an upload in parts later: the file is on disk (as a user picks it), so that picking it again gives the
  // browser the same name, size and modification time
  function writeTempFile(name, buffer) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nifti-resume-'));
    const file = path.join(dir, name);
    fs.writeFileSync(file, buffer);
    return file;
  }

  // The entries the UI keeps in localStorage for uploads to resume
  async function resumeEntries() {
    return page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('NiftiToDicom.upload:'))
      .map((key) => JSON.parse(localStorage.getItem(key)).ID));
  }

  // Records the requests of uploads in parts: sessions created, offsets of the parts that went through;
  // control.handle(route, offset) may answer a PUT itself (return true)
  async function watchParts(control) {
    const seen = { creates: 0, puts: [] };
    const pattern = /\/nifti\/uploads\/sessions(\/[0-9a-f]{32})?$/;
    await page.route(pattern, async (route) => {
      const request = route.request();
      if (control.down) {
        return route.abort('internetdisconnected');
      }
      if (request.method() === 'POST') {
        seen.creates++;
      }
      if (request.method() !== 'PUT') {
        return route.continue();
      }
      const offset = Number(request.headers()['x-part-offset']);
      if (control.handle && await control.handle(route, offset)) {
        return undefined;
      }
      seen.puts.push(offset);
      return route.continue();
    });
    seen.stop = () => page.unroute(pattern);
    return seen;
  }

  // A control for watchParts that cuts off every part whose offset "cut" accepts (the connection is reset);
  // control.reached resolves when the first one is cut
  function cutParts(cut) {
    let reached;
    const control = { reached: new Promise((resolve) => { reached = resolve; }) };
    control.handle = async (route, offset) => {
      if (!cut(offset)) {
        return false;
      }
      reached();
      await route.abort('connectionreset');
      return true;
    };
    return control;
  }

  it('Explorer: an upload in parts cut by a page reload resumes from the server\'s Received when the same file ' +
     'is picked again, and imports', async () => {
    const MB = 1024 * 1024;
    const buffer = makeNifti({ dims: [128, 128, 160], spacing: [1, 1, 1.2], value: (i) => (i * 7) % 3001 });
    const sha256 = crypto.createHash('sha256').update(buffer).digest('hex');
    const file = writeTempFile('bold_resume.nii', buffer);
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    // First page: the parts from 3 MB on never arrive (the page is reloaded meanwhile)
    const control = cutParts((offset) => offset >= 3 * MB);
    const seen = await watchParts(control);
    try {
      let dialog = await openStudyDialog();
      await dialog.locator('.nifti-file-input').setInputFiles(file);
      await control.reached;
      const sessions = await orthanc.get('/nifti/uploads/sessions');
      assert.equal(sessions.length, 1);
      const before = await orthanc.get(`/nifti/uploads/sessions/${sessions[0]}`);
      assert.equal(before.Received, 3 * MB);
      assert.deepEqual(seen.puts, [0, MB, 2 * MB]);
      assert.deepEqual(await resumeEntries(), [sessions[0]], 'the browser remembers the session');

      // The page is reloaded (or the tab closed and opened again): the same file picked again
      await page.reload();
      seen.puts = [];
      control.handle = async (route, offset) => {
        await released;          // held until the UI has said where it resumes
        return false;
      };
      const finished = page.waitForResponse((r) => r.url().endsWith('/finish'));
      dialog = await openStudyDialog();
      await dialog.locator('.nifti-file-input').setInputFiles(file);
      await dialog.locator('.nifti-message', { hasText: 'Resuming bold_resume.nii at 3.0 MB of 5.0 MB' }).waitFor();
      await screenshot('explorer-upload-resumed.png');
      release();

      const finish = await finished;
      assert.equal(finish.status(), 200, await finish.text());
      const upload = await finish.json();
      assert.equal(upload.ID, sessions[0], 'the same session, finished');
      assert.equal(upload.Size, buffer.length);
      assert.equal(upload.SHA256, sha256, 'the file arrived whole and in order');
      // The browser hashed the whole file, the first 3 MB read again locally, not sent again
      assert.equal(JSON.parse(finish.request().postData()).SHA256, sha256);
      assert.deepEqual(seen.puts, [3 * MB, 4 * MB, 5 * MB], 'only the parts the server did not have');
      assert.equal(seen.creates, 1, 'no second session');
      assert.deepEqual(await orthanc.get('/nifti/uploads/sessions'), []);
      await dialog.locator('.nifti-row-dimensions td').waitFor();
      assert.deepEqual(await resumeEntries(), [], 'forgotten once finished');

      assert.equal(await importFromDialog(dialog), 160);
    } finally {
      release();
      await seen.stop();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('Explorer: a network down longer than the retries shows "Resume", which continues the same session',
     async () => {
    const MB = 1024 * 1024;
    const buffer = makeNifti({ dims: [128, 128, 96], spacing: [1, 1, 1.5], value: (i) => (i * 13) % 2001 });
    const sha256 = crypto.createHash('sha256').update(buffer).digest('hex');
    const file = writeTempFile('dwi_outage.nii', buffer);
    const control = {
      // The network goes down as the part at 2 MB leaves, and stays down
      handle: async (route, offset) => {
        if (offset === 2 * MB && !control.wentDown) {
          control.wentDown = true;
          control.down = true;
          await route.abort('internetdisconnected');
          return true;
        }
        return false;
      },
    };
    const seen = await watchParts(control);
    try {
      const dialog = await openStudyDialog();
      // Retries of 0.1, 0.2 s instead of 15 s in all, the same logic
      await page.evaluate(() => {
        if (NiftiToDicomImport.retryPolicy) {
          NiftiToDicomImport.retryPolicy.attempts = 3;
          NiftiToDicomImport.retryPolicy.delayMs = 100;
        }
      });
      await dialog.locator('.nifti-file-input').setInputFiles(file);
      const resume = dialog.locator('button.nifti-resume');
      await resume.waitFor({ state: 'visible', timeout: 30000 });
      const message = await dialog.locator('.nifti-message').textContent();
      assert.match(message, /The upload of dwi_outage\.nii stopped: Orthanc did not answer after 3 attempts/);
      assert.match(message, /The 2\.0 MB received are kept on the server/);
      assert.equal(await dialog.locator('.nifti-progress-text').textContent(), 'Interrupted at 2.0 MB of 3.0 MB');
      // Nothing to choose yet: the options and "Import" come with the header, once the file is there
      assert.equal(await dialog.locator('.nifti-options').isVisible(), false);
      assert.equal(await dialog.locator('button.nifti-import').isVisible(), false);
      assert.equal(await dialog.locator('button.nifti-cancel').isEnabled(), true);
      await screenshot('explorer-upload-interrupted.png');

      const sessions = await orthanc.get('/nifti/uploads/sessions');
      assert.equal(sessions.length, 1, 'the session is kept');
      assert.equal((await orthanc.get(`/nifti/uploads/sessions/${sessions[0]}`)).Received, 2 * MB);
      assert.deepEqual(seen.puts, [0, MB]);

      // The network is back
      control.down = false;
      const finished = page.waitForResponse((r) => r.url().endsWith('/finish'));
      await resume.click();
      const finish = await finished;
      assert.equal(finish.status(), 200, await finish.text());
      const upload = await finish.json();
      assert.equal(upload.ID, sessions[0]);
      assert.equal(upload.SHA256, sha256);
      assert.deepEqual(seen.puts, [0, MB, 2 * MB, 3 * MB], 'continued at 2 MB, not from zero');
      assert.equal(seen.creates, 1);
      await dialog.locator('.nifti-row-dimensions td').waitFor();
      assert.equal(await resume.isVisible(), false);
      assert.deepEqual(await resumeEntries(), []);

      assert.equal(await importFromDialog(dialog), 96);
    } finally {
      await seen.stop();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('/nifti/app/: a remembered session that is gone from the server starts over cleanly', async () => {
    const MB = 1024 * 1024;
    const buffer = makeNifti({ dims: [128, 128, 40], value: (i) => (i * 3) % 1001 });   // 1.25 MB: 2 parts
    const sha256 = crypto.createHash('sha256').update(buffer).digest('hex');
    const file = writeTempFile('gone.nii', buffer);
    const control = cutParts((offset) => offset === MB);
    const seen = await watchParts(control);
    try {
      await openAppWithStudy();
      await page.locator('.nifti-file-input').setInputFiles(file);
      await control.reached;
      await page.goto('about:blank');     // the tab is closed
      const [old] = await orthanc.get('/nifti/uploads/sessions');
      assert.equal((await orthanc.request('DELETE', `/nifti/uploads/sessions/${old}`)).status, 200);   // expired

      seen.puts = [];
      control.handle = null;
      await openAppWithStudy();
      assert.deepEqual(await resumeEntries(), [old], 'still remembered');
      const finished = page.waitForResponse((r) => r.url().endsWith('/finish'));
      await page.locator('.nifti-file-input').setInputFiles(file);
      await page.locator('.nifti-message', { hasText: 'The earlier upload of gone.nii is no longer on the server' })
        .waitFor();
      const finish = await finished;
      assert.equal(finish.status(), 200, await finish.text());
      const upload = await finish.json();
      assert.notEqual(upload.ID, old);
      assert.equal(upload.SHA256, sha256);
      assert.deepEqual(seen.puts, [0, MB], 'the whole file, from the start');
      assert.equal(seen.creates, 2);
      await page.locator('.nifti-row-dimensions td').waitFor();
      assert.deepEqual(await resumeEntries(), []);
      await page.locator('button.nifti-cancel').click();   // "Discard": nothing imported
    } finally {
      await seen.stop();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('Explorer: the answer to the finish lost, then the page reloaded: the file already on the server is not sent ' +
     'again', async () => {
    const MB = 1024 * 1024;
    const buffer = makeNifti({ dims: [128, 128, 80], spacing: [1, 1, 1.5], value: (i) => (i * 11) % 2501 });
    const sha256 = crypto.createHash('sha256').update(buffer).digest('hex');
    const file = writeTempFile('finish_lost.nii', buffer);
    const finishPattern = /\/nifti\/uploads\/sessions\/[0-9a-f]{32}\/finish$/;
    let finishedOnServer;
    const finishedOnce = new Promise((resolve) => { finishedOnServer = resolve; });
    let finishes = 0;
    // The server finishes the upload, its answer never reaches the page, nor do the retries
    await page.route(finishPattern, async (route) => {
      finishes++;
      if (finishes === 1) {
        const answer = await route.fetch();
        assert.equal(answer.status(), 200, await answer.text());
        finishedOnServer();
      }
      return route.abort('connectionreset');
    });
    const seen = await watchParts({});
    let routed = true;
    try {
      let dialog = await openStudyDialog();
      await page.evaluate(() => {
        NiftiToDicomImport.retryPolicy.attempts = 2;
        NiftiToDicomImport.retryPolicy.delayMs = 100;
      });
      await dialog.locator('.nifti-file-input').setInputFiles(file);
      await finishedOnce;
      await dialog.locator('button.nifti-resume').waitFor({ state: 'visible', timeout: 30000 });
      assert.deepEqual(seen.puts, [0, MB, 2 * MB]);
      const [id] = await resumeEntries();
      assert.equal((await orthanc.get(`/nifti/uploads/${id}`)).SHA256, sha256, 'finished on the server');
      assert.deepEqual(await orthanc.get('/nifti/uploads/sessions'), []);
      await page.unroute(finishPattern);
      routed = false;

      // The user reloads and picks the same file: the UI asks the server, hashes the file locally, finds it there
      await page.reload();
      seen.puts = [];
      seen.creates = 0;
      dialog = await openStudyDialog();
      // The message is replaced as soon as the header is shown: every text it takes is recorded
      await page.evaluate(() => {
        window.niftiMessages = [];
        new MutationObserver(() => {
          document.querySelectorAll('#nifti-import-dialog .nifti-message').forEach((element) => {
            window.niftiMessages.push(element.textContent);
          });
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      await dialog.locator('.nifti-file-input').setInputFiles(file);
      await dialog.locator('.nifti-row-dimensions td').waitFor();
      assert.deepEqual(seen.puts, [], 'no part sent again');
      assert.equal(seen.creates, 0, 'no new session');
      const messages = await page.evaluate(() => window.niftiMessages);
      assert.ok(messages.some((text) => text.includes('finish_lost.nii is already on the server')),
                messages.join(' | '));
      assert.deepEqual(await resumeEntries(), [], 'forgotten once found');

      assert.equal(await importFromDialog(dialog), 80);
    } finally {
      if (routed) {
        await page.unroute(finishPattern);
      }
      await seen.stop();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('Explorer: "Cancel" during the upload stops it and keeps nothing', async () => {
    const dialog = await openStudyDialog();
    const uploadsBefore = await orthanc.get('/nifti/uploads');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024,
    });
    try {
      await dialog.locator('.nifti-file-input').setInputFiles(
        nifti('big.nii', makeNifti({ dims: [128, 128, 64] })));   // 2 MB: 8 s at 256 KB/s
      await dialog.locator('.nifti-progress-text').getByText(/Uploading big\.nii: [1-9]/).waitFor();
      await dialog.locator('button.nifti-cancel').click();
      await dialog.locator('.nifti-message.nifti-info').getByText('Upload cancelled.').waitFor();
    } finally {
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
      });
      await cdp.detach();
    }
    await sleep(500);
    assert.deepEqual(await orthanc.get('/nifti/uploads'), uploadsBefore);
    assert.deepEqual(await orthanc.get('/nifti/uploads/sessions'), [], 'the parts received are removed');
    assert.equal(await dialog.locator('.nifti-row-dimensions').count(), 0);
    await dialog.locator('.nifti-close').click();
  });

  it('Explorer patient page: choose one of the patient\'s studies and import', async () => {
    await page.goto(`${orthanc.url}/app/explorer.html#patient?uuid=${patientId}`);
    await page.locator('#nifti-import-patient').click();
    const dialog = page.locator('#nifti-import-dialog');
    const select = dialog.locator('#nifti-study-select');
    await select.waitFor();
    assert.equal(await select.inputValue(), studyId);

    // A name beyond ASCII: the description keeps it (HTTP headers cannot: X-Filename gets "_")
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('masque c\u00e9r\u00e9bral \u2014 v2.nii', makeNifti({
      dims: [16, 16, 3], dataType: 'uint8', value: (i) => i % 2 })));
    await dialog.locator('.nifti-row-datatype td').getByText('UINT8').waitFor();
    await dialog.locator('button.nifti-import').click();
    await waitForSeriesPage();
    const seriesId = /uuid=([^&]+)/.exec(page.url())[1];
    const series = await orthanc.get(`/series/${seriesId}`);
    assert.equal(series.ParentStudy, studyId);
    assert.equal(series.Instances.length, 3);
    assert.equal(series.MainDicomTags.SeriesDescription, 'masque c\u00e9r\u00e9bral \u2014 v2');
  });

  it('/nifti/app/: find the study, drop the files, import, follow the link', async () => {
    await page.goto(`${orthanc.url}/nifti/app/`);
    assert.match(page.url(), /\/nifti\/app\/index\.html$/);

    const form = page.locator('#nifti-search');
    await form.locator('input[name="PatientName"]').fill('nobody like this');
    await form.locator('button[type="submit"]').click();
    await page.locator('#nifti-search-status').getByText('No study matches.').waitFor();

    // Case does not matter; the date range includes the study (2004-08-26)
    await form.locator('input[name="PatientName"]').fill('compressedsamples');
    await form.locator('input[name="DateFrom"]').fill('2004-01-01');
    await form.locator('input[name="DateTo"]').fill('2004-12-31');
    await form.locator('button[type="submit"]').click();
    await page.locator('#nifti-search-status').getByText('1 study.').waitFor();
    await page.locator(`tr[data-study="${studyId}"]`).click();
    await page.locator('#nifti-chosen').getByText('Into the study').waitFor();

    // Drag and drop: a 4D .nii.gz, its sidecar, and a bval that is not used yet
    const files = [
      { name: 'dwi.nii.gz', base64: gzip(makeNifti({ dims: [16, 16, 4, 3], spacing: [2, 2, 2] })).toString('base64') },
      { name: 'dwi.json', base64: Buffer.from('{"RepetitionTime": 2.0, "EchoTime": 0.08}').toString('base64') },
      { name: 'dwi.bval', base64: Buffer.from('0 1000 1000\n').toString('base64') },
    ];
    const dataTransfer = await page.evaluateHandle((list) => {
      const transfer = new DataTransfer();
      for (const file of list) {
        const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], file.name, { type: 'application/octet-stream' }));
      }
      return transfer;
    }, files);
    const drop = page.locator('.nifti-drop');
    await drop.dispatchEvent('dragover', { dataTransfer });
    await drop.dispatchEvent('drop', { dataTransfer });

    await page.locator('.nifti-row-dimensions td').waitFor();
    assert.equal(await page.locator('.nifti-row-dimensions td').textContent(),
                 '16 \u00d7 16 \u00d7 4 \u00d7 3  (3 volumes)');
    const roles = await page.locator('.nifti-file').allTextContents();
    assert.equal(roles.length, 3);
    assert.match(roles[0], /dwi\.nii\.gz.*volume/);
    assert.match(roles[1], /dwi\.json.*BIDS sidecar/);
    assert.match(roles[2], /dwi\.bval.*diffusion.*not sent/);
    // A .bval without its .bvec is not sent, and the user is told why
    await page.locator('.nifti-message.nifti-warning').getByText(/Only dwi\.bval was picked.*\.bvec/).waitFor();
    assert.equal(await page.locator('.nifti-description').inputValue(), 'dwi');
    assert.match(await page.locator('.nifti-summary').textContent(), /12 \(one per slice and volume\)/);

    await page.locator('.nifti-modality').selectOption('CT');
    await page.locator('.nifti-check', { hasText: 'SELF' }).locator('input').check();
    await screenshot('app-summary.png', true);

    const started = page.waitForResponse((r) => r.url().endsWith('/nifti/import'));
    await page.locator('button.nifti-import').click();
    const request = JSON.parse((await started).request().postData());
    assert.deepEqual(Object.keys(request).sort(),
                     ['Asynchronous', 'Modality', 'ParentStudy', 'SendTo', 'SeriesDescription', 'Sidecar', 'Upload']);
    assert.deepEqual(request.SendTo, { Modalities: ['SELF'], Peers: [] });
    const job = await (await started).json();

    await page.locator('.nifti-success').waitFor();
    await page.locator('.nifti-sendto').getByText('Modality SELF: sent').waitFor();
    await screenshot('app-result.png', true);

    const jobState = await orthanc.get(`/jobs/${job.ID}`);
    assert.equal(jobState.State, 'Success');
    assert.deepEqual(jobState.Content.Sidecar, { RepetitionTime: 2.0, EchoTime: 0.08 });
    const seriesId = jobState.Content.ID;
    const link = page.locator('a.nifti-series-link');
    assert.equal(await link.getAttribute('href'), `../../app/explorer.html#series?uuid=${seriesId}`);

    const series = await orthanc.get(`/series/${seriesId}`);
    assert.equal(series.ParentStudy, studyId);
    assert.equal(series.Instances.length, 12);
    assert.equal(series.MainDicomTags.Modality, 'CT');
    assert.equal(series.MainDicomTags.SeriesDescription, 'dwi');

    await link.click();
    await page.waitForURL(/\/app\/explorer\.html#series\?uuid=/);
    await page.locator('#series-info').getByText('dwi', { exact: true }).waitFor();
  });

  it('Explorer: a float32 file as a Parametric map with units mm2/s', async () => {
    const dialog = await openStudyDialog();
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('adc.nii', makeNifti({
      dims: [16, 16, 4], dataType: 'float32', value: (i) => 0.0007 + (i % 97) * 0.0000123 })));
    await dialog.locator('.nifti-row-datatype td').getByText('FLOAT32').waitFor();

    // Suggested, not chosen; a Secondary capture is for colours only
    const type = dialog.locator('select.nifti-type');
    assert.equal(await type.inputValue(), '', 'Automatic stays the default');
    await dialog.locator('.nifti-type-hint .nifti-suggestion').getByText(/Parametric map.*keeps them exactly/).waitFor();
    assert.equal(await type.locator('option[value="SecondaryCapture"]').isDisabled(), true);
    assert.equal(await type.locator('option[value="ParametricMap"]').isDisabled(), false);
    assert.equal(await dialog.locator('.nifti-units').isVisible(), false, 'units only for a Parametric map');

    assert.equal(await dialog.locator('.nifti-row-instances td').textContent(), '4 (one per slice)');
    await type.selectOption('ParametricMap');
    assert.equal(await dialog.locator('.nifti-row-instances td').textContent(), '1 (multi-frame: 4 frames)');
    await dialog.locator('.nifti-units').fill('mm2/s');
    await dialog.locator('select.nifti-quantity').selectOption('ADC');
    assert.equal(await dialog.locator('.nifti-double').isVisible(), false, 'float32 needs no double precision');
    assert.equal(await dialog.locator('.nifti-type-hint .nifti-suggestion').count(), 0);
    await screenshot('explorer-dialog-parametric.png');

    const { body, content } = await clickImport(dialog);
    assert.equal(body.Type, 'ParametricMap');
    assert.equal(body.Units, 'mm2/s');
    assert.equal(body.Quantity, 'ADC');
    assert.equal('ReferenceSeries' in body, false, 'no reference series unless picked');

    const [tags] = await seriesTags(content.ID);
    assert.equal(tags.SOPClassUID, '1.2.840.10008.5.1.4.1.1.30', 'Parametric Map Storage');
    const mapping = tags.SharedFunctionalGroupsSequence[0].RealWorldValueMappingSequence[0];
    assert.equal(mapping.MeasurementUnitsCodeSequence[0].CodeValue, 'mm2/s');

    if (content.Warnings && content.Warnings.length > 0) {
      await dialog.locator('.nifti-result-warnings').waitFor();
      await dialog.locator('.nifti-close').click();
    } else {
      await page.waitForURL(new RegExp(`#series\\?uuid=${content.ID}`));
      await page.locator('#series-info').getByText('adc', { exact: true }).waitFor();
    }
  });

  it('Explorer: an RGB24 file allows only "Automatic" and "Secondary capture"', async () => {
    const dialog = await openStudyDialog();
    const type = dialog.locator('select.nifti-type');
    // float64: a Parametric map may keep the 64 bits
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('float.nii', makeNifti({
      dims: [8, 8, 2], dataType: 'float64', value: (i) => i / 3 })));
    await dialog.locator('.nifti-row-datatype td').getByText('FLOAT64').waitFor();
    await dialog.locator('.nifti-type-hint .nifti-suggestion').getByText(/FLOAT64 values/).waitFor();
    await type.selectOption('ParametricMap');
    await dialog.locator('.nifti-double').check();

    // The Parametric map chosen for that file does not survive an RGB file

    await dialog.locator('.nifti-file-input').setInputFiles(nifti('colours.nii', makeNifti({
      dims: [8, 8, 2], dataType: 'rgb24', value: (i) => [i % 256, 255 - (i % 256), 128] })));
    await dialog.locator('.nifti-row-datatype td').getByText('RGB24').waitFor();
    const disabled = await type.locator('option').evaluateAll((options) =>
      options.map((option) => [option.value, option.disabled]));
    assert.deepEqual(disabled, [['', false], ['Classic', true], ['EnhancedMR', true], ['ParametricMap', true],
                                ['Segmentation', true], ['RTStruct', true], ['SecondaryCapture', false]]);
    assert.equal(await type.inputValue(), '', 'back to Automatic');
    assert.equal(await dialog.locator('.nifti-units').isVisible(), false);
    await type.selectOption('SecondaryCapture');
    await dialog.locator('.nifti-type-hint').getByText(/keeps the colours/).waitFor();
    await dialog.locator('.nifti-close').click();   // "Discard": nothing imported
  });

  it('Explorer: the warnings of the import stay on screen (float32 as classic images)', async () => {
    const dialog = await openStudyDialog();
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('t2map.nii', makeNifti({
      dims: [16, 16, 3], dataType: 'float32', value: (i) => 40 + (i % 101) * 0.731 })));
    await dialog.locator('.nifti-row-datatype td').getByText('FLOAT32').waitFor();
    await dialog.locator('select.nifti-type').selectOption('Classic');
    const { body, content } = await clickImport(dialog);
    assert.equal(body.Type, 'Classic');
    assert.equal('Units' in body, false, 'the Parametric map fields only go with a Parametric map');
    assert.ok(content.Warnings.some((w) => w.includes('RescaleSlope')), JSON.stringify(content.Warnings));

    const warnings = dialog.locator('.nifti-result .nifti-result-warnings');
    await warnings.locator('li').getByText(/RescaleSlope/).waitFor();
    assert.equal(await warnings.locator('li').count(), content.Warnings.length);
    await warnings.scrollIntoViewIfNeeded();
    await screenshot('explorer-dialog-warnings.png');
    // The dialog waits for the user: no move to the series meanwhile
    await sleep(1600);
    assert.equal(await page.locator('#nifti-import-dialog').count(), 1, 'the dialog stays open');
    assert.match(page.url(), /#study\?uuid=/);
    await dialog.locator('a.nifti-series-link').click();
    await page.waitForURL(new RegExp(`#series\\?uuid=${content.ID}`));
    await page.locator('#series-info').getByText('t2map', { exact: true }).waitFor();
    assert.equal(await page.locator('#nifti-import-dialog').count(), 0);
  });

  it('/nifti/app/: the series the NIfTI was computed from becomes its reference', async () => {
    await openAppWithStudy();
    const reference = page.locator('select.nifti-reference');
    // The study's series, listed with their number, modality and description
    const parentSeries = await orthanc.get(`/series/${parentSeriesId}`);
    const option = reference.locator(`option[value="${parentSeriesId}"]`);
    await option.waitFor({ state: 'attached' });
    const label = await option.textContent();
    const parentTags = parentSeries.MainDicomTags;
    assert.ok(label.includes(parentTags.Modality) && label.includes(`#${parentTags.SeriesNumber}`), label);
    if (parentTags.SeriesDescription) {
      assert.ok(label.includes(parentTags.SeriesDescription), label);
    }
    assert.equal(await reference.inputValue(), '', '"None" by default');
    assert.equal(await reference.locator('option').count(), (await studySeries()).length + 1);

    await dropFiles([nifti('resampled_t1.nii', makeNifti({ dims: [16, 16, 4], spacing: [1, 1, 2] }))]);
    await page.locator('.nifti-row-dimensions td').waitFor();
    await reference.selectOption(parentSeriesId);
    await page.locator('.nifti-reference-hint').getByText(/references its images/).waitFor();
    await screenshot('app-reference.png', true);

    const { body, content } = await clickImport(page);
    assert.equal(body.ReferenceSeries, parentSeriesId);
    const tags = await seriesTags(content.ID);
    assert.equal(tags[0].ReferencedSeriesSequence[0].SeriesInstanceUID, parentTags.SeriesInstanceUID);
    await page.locator('.nifti-success').waitFor();
    // The list has the new series now
    await reference.locator(`option[value="${content.ID}"]`).waitFor({ state: 'attached' });
  });

  it('/nifti/app/: a 4D file dropped with its .bval and .bvec gets diffusion attributes', async () => {
    await openAppWithStudy();
    await dropFiles([
      nifti('dwi.nii.gz', gzip(makeNifti({ dims: [12, 12, 3, 3], spacing: [2, 2, 2] }))),
      nifti('dwi.bval', Buffer.from('0 1000 1000\n')),
      nifti('dwi.bvec', Buffer.from('0 1 0\n0 0 1\n0 0 0\n')),
    ]);
    await page.locator('.nifti-row-diffusion td').getByText('dwi.bval and dwi.bvec').waitFor();
    const roles = await page.locator('.nifti-file').allTextContents();
    assert.equal(roles.length, 3);
    assert.match(roles[1], /dwi\.bval.*b-values/);
    assert.match(roles[2], /dwi\.bvec.*b-vectors/);
    assert.equal(await page.locator('.nifti-message').isVisible(), false, 'no warning: both are there');
    assert.equal(await page.locator('select.nifti-type option[value="Segmentation"]').isDisabled(), false,
                 'a 4D file can be a Segmentation (a segment per volume)');

    const { body, content } = await clickImport(page);
    assert.match(body.Bval, /^[0-9a-f-]{32,36}$/i, 'an upload ID');
    assert.match(body.Bvec, /^[0-9a-f-]{32,36}$/i, 'an upload ID');
    assert.notEqual(body.Bval, body.Bvec);
    const tags = await seriesTags(content.ID);
    assert.equal(tags.length, 9);
    const bValues = tags.map((t) => Number(t.DiffusionBValue)).sort((a, b) => a - b);
    assert.deepEqual(bValues, [0, 0, 0, 1000, 1000, 1000, 1000, 1000, 1000]);
    await page.locator('.nifti-success').waitFor();
  });

  it('/nifti/app/: a label map dropped with its dseg.tsv: preview of names and colours, then a named SEG', async () => {
    await openAppWithStudy();
    const labelMap = makeNifti({ dims: [12, 10, 4], dataType: 'uint8',
                                 value: (i) => (i % 12 < 4 ? 1 : (i % 12 > 8 && i > 240 ? 2 : 0)) });
    const dseg = 'index\tname\tabbreviation\tcolor\n0\tBackground\tBG\tn/a\n1\tLeft thalamus\tLT\t#00760e\n' +
                 '2\tTumour core\tTC\t#ff0000\n';
    const preview = page.waitForResponse((r) => r.url().endsWith('/nifti/labels'));
    await dropFiles([nifti('seg.nii', labelMap), nifti('seg_dseg.tsv', Buffer.from(dseg))]);
    assert.equal((await preview).status(), 200);
    await page.locator('.nifti-row-dimensions td').waitFor();

    // A label table comes with a label map: Segmentation, the table chosen and read by the server
    assert.equal(await page.locator('select.nifti-type').inputValue(), 'Segmentation');
    assert.equal(await page.locator('select.nifti-labels').inputValue(), 'file');
    const rows = page.locator('.nifti-labels-table tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await page.locator('.nifti-label-name').allTextContents(), ['Left thalamus', 'Tumour core']);
    const colours = await page.locator('.nifti-labels-table .nifti-swatch').evaluateAll((swatches) =>
      swatches.map((swatch) => getComputedStyle(swatch).backgroundColor));
    assert.deepEqual(colours, ['rgb(0, 118, 14)', 'rgb(255, 0, 0)']);
    await page.locator('.nifti-labels-summary').getByText(/2 labels read from the BIDS dseg\.tsv/).waitFor();
    const roles = await page.locator('.nifti-file').allTextContents();
    assert.ok(roles.some((role) => /seg_dseg\.tsv.*label table/.test(role)), roles.join(' | '));
    await screenshot('app-label-table.png', true);

    const { body, content } = await clickImport(page);
    assert.equal(body.Type, 'Segmentation');
    assert.equal(body.Labels, dseg, 'the table travels inline, as read for the preview');
    assert.equal('SegmentationType' in body, false, 'Automatic: left out');
    const [tags] = await seriesTags(content.ID);
    assert.equal(tags.Modality, 'SEG');
    assert.deepEqual(tags.SegmentSequence.map((segment) => segment.SegmentLabel), ['Left thalamus', 'Tumour core']);
    await page.locator('.nifti-success').waitFor();
  });

  it('Explorer: an RT Structure Set needs the reference series; the FreeSurfer preset shows codes', async () => {
    const dialog = await openStudyDialog();
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('aseg.nii', makeNifti({
      dims: [12, 12, 4], dataType: 'int16', value: (i) => [0, 17, 53, 16][i % 4] })));
    await dialog.locator('.nifti-row-dimensions td').waitFor();
    const type = dialog.locator('select.nifti-type');
    const importButton = dialog.locator('button.nifti-import');
    assert.equal(await dialog.locator('.nifti-segment-fields').isVisible(), false, 'only for SEG and RTSTRUCT');

    await type.selectOption('RTStruct');
    await dialog.locator('.nifti-type-hint .nifti-required').getByText(/choose the reference series/).waitFor();
    assert.equal(await importButton.isDisabled(), true, 'no RT Structure Set without its reference series');
    assert.equal(await dialog.locator('select.nifti-segmentation-type').isVisible(), false,
                 'segment kinds are for a Segmentation');
    assert.equal(await dialog.locator('.nifti-row-instances td').textContent(),
                 '1 (RT Structure Set: contours on the reference series)');

    const reference = dialog.locator('select.nifti-reference');
    await reference.locator(`option[value="${parentSeriesId}"]`).waitFor({ state: 'attached' });
    await reference.selectOption(parentSeriesId);
    assert.equal(await importButton.isDisabled(), false);
    assert.equal(await dialog.locator('.nifti-type-hint .nifti-required').count(), 0);

    // The built-in table, as the server will use it
    await dialog.locator('select.nifti-labels').selectOption('FreeSurfer');
    const hippocampus = dialog.locator('.nifti-label-row[data-index="53"]');
    await hippocampus.waitFor();
    assert.equal(await hippocampus.locator('.nifti-label-name').textContent(), 'Right-Hippocampus');
    assert.equal(await hippocampus.locator('.nifti-label-code').textContent(), 'Hippocampus, Right (SCT 5366008)');
    await dialog.locator('.nifti-labels-summary').getByText(/built-in FreeSurfer table/).waitFor();
    await screenshot('explorer-dialog-rtstruct-freesurfer.png');

    // Without the reference again, no import
    await reference.selectOption('');
    assert.equal(await importButton.isDisabled(), true);
    await dialog.locator('.nifti-close').click();
  });

  it('Explorer: a label table the server refuses says which line, and blocks the import', async () => {
    const dialog = await openStudyDialog();
    await dialog.locator('.nifti-file-input').setInputFiles(nifti('mask.nii', makeNifti({
      dims: [8, 8, 2], dataType: 'uint8', value: (i) => (i % 3 === 0 ? 1 : 0) })));
    await dialog.locator('.nifti-row-dimensions td').waitFor();
    await dialog.locator('select.nifti-type').selectOption('Segmentation');
    await dialog.locator('.nifti-label-file-input').setInputFiles(
      nifti('FreeSurferColorLUT.txt', Buffer.from('0 Unknown 0 0 0 0\n1 Tumour 255 0\n')));
    await dialog.locator('.nifti-labels-error').getByText(/line 2 of the FreeSurfer or 3D Slicer colour table/).waitFor();
    assert.equal(await dialog.locator('button.nifti-import').isDisabled(), true);

    // A good table unblocks it
    await dialog.locator('.nifti-label-file-input').setInputFiles(
      nifti('FreeSurferColorLUT.txt', Buffer.from('0 Unknown 0 0 0 0\n1 Tumour 255 0 0 0\n')));
    await dialog.locator('.nifti-label-row[data-index="1"]').waitFor();
    assert.equal(await dialog.locator('.nifti-labels-error').count(), 0);
    assert.equal(await dialog.locator('button.nifti-import').isDisabled(), false);
    const { body, content } = await clickImport(dialog);
    assert.equal(body.Labels, '0 Unknown 0 0 0 0\n1 Tumour 255 0 0 0\n');
    const [tags] = await seriesTags(content.ID);
    assert.equal(tags.SegmentSequence[0].SegmentLabel, 'Tumour');
    await dialog.locator('.nifti-close').click();
  });

  it('/nifti/app/: 4D probabilities as a fractional Segmentation', async () => {
    await openAppWithStudy();
    await dropFiles([nifti('probabilities.nii', makeNifti({
      dims: [8, 8, 3, 2], dataType: 'float32', value: (i) => (i % 5) / 4 }))]);
    await page.locator('.nifti-row-datatype td').getByText('FLOAT32').waitFor();
    await page.locator('select.nifti-type').selectOption('Segmentation');
    await page.locator('.nifti-type-hint .nifti-suggestion').getByText(/Probabilities/).waitFor();
    await page.locator('select.nifti-segmentation-type').selectOption('Fractional');
    const { body, content } = await clickImport(page);
    assert.equal(body.SegmentationType, 'Fractional');
    assert.equal('Labels' in body, false, 'no table chosen');
    const [tags] = await seriesTags(content.ID);
    assert.equal(tags.SegmentationType, 'FRACTIONAL');
    assert.deepEqual(tags.SegmentSequence.map((segment) => segment.SegmentLabel), ['Segment 1', 'Segment 2']);
    await page.locator('.nifti-success').waitFor();
  });

  it('/nifti/app/?study=<id> opens with the study picked', async () => {
    await page.goto(`${orthanc.url}/nifti/app/?study=${studyId}`);
    assert.match(page.url(), new RegExp(`/nifti/app/index\\.html\\?study=${studyId}$`));
    await page.locator('#nifti-chosen').getByText('Into the study').waitFor();
    await page.locator(`tr[data-study="${studyId}"].nifti-selected`).waitFor();
    assert.equal(await page.locator('button.nifti-import').isDisabled(), true, 'no file yet');
  });
});
