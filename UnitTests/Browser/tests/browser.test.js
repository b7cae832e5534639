'use strict';

// The NIfTI import UI in a real browser (Debian's Chromium, headless, driven
// by playwright-core) against a real Orthanc with the plugin:
//  - the "Import NIfTI" dialog of Orthanc Explorer (study and patient pages):
//    header summary, import, landing on the new series, server errors, cancel
//  - the page of the plugin, /nifti/app/: search, pick, drop, import, link
// Screenshots go to UnitTests/Browser/screenshots/.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
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
      },
    });
    await orthanc.start();

    const parent = await orthanc.post('/instances', fs.readFileSync(PARENT_DICOM));
    studyId = parent.ParentStudy;
    patientId = parent.ParentPatient;

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

  afterEach(() => {
    const errors = pageErrors;
    pageErrors = [];
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
    await page.waitForURL(/#series\?uuid=/);
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
    await page.waitForURL(/#series\?uuid=/);
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
    assert.match(roles[2], /dwi\.bval.*not used yet/);
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

  it('/nifti/app/?study=<id> opens with the study picked', async () => {
    await page.goto(`${orthanc.url}/nifti/app/?study=${studyId}`);
    assert.match(page.url(), new RegExp(`/nifti/app/index\\.html\\?study=${studyId}$`));
    await page.locator('#nifti-chosen').getByText('Into the study').waitFor();
    await page.locator(`tr[data-study="${studyId}"].nifti-selected`).waitFor();
    assert.equal(await page.locator('button.nifti-import').isDisabled(), true, 'no file yet');
  });
});
