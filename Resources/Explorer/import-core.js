/**
 * NIfTI-to-DICOM plugin: the import panel, shared by the "Import NIfTI"
 * dialog of Orthanc Explorer and by the page /nifti/app/.
 *
 * It talks only to the plugin's public REST API (POST /nifti/uploads, uploads in parts for large files,
 * DELETE /nifti/uploads/{id}, POST /nifti/import, POST /nifti/labels (the
 * preview of a label table, read by the server as the import will), GET /jobs/{id},
 * POST /jobs/{id}/cancel) and to Orthanc's own routes (/modalities, /peers,
 * /studies/{id}/series for the reference series).
 * No library, nothing loaded from elsewhere: it works offline.
 *
 *   var panel = NiftiToDicomImport.createPanel({
 *     root: '../',                                 // Orthanc's REST root, relative to the page
 *     seriesUrl: function (id) { return ...; },    // where the link to a new series goes
 *     onSuccess: function (seriesId, content) {},  // the job's Content on success
 *     onStateChange: function (state) {}           // 'empty', 'uploading', 'ready', 'importing', 'done'
 *   });
 *   container.appendChild(panel.element);
 *   panel.setStudy(orthancStudyId);
 */
(function (global) {
  'use strict';

  if (global.NiftiToDicomImport) {
    return;
  }

  var POLL_INTERVAL_MS = 400;
  var MAX_DESCRIPTION = 64;   // SeriesDescription is a LO: 64 characters

  // The values of the field "Type" of POST /nifti/import ('': left out, the server's "Auto")
  var OUTPUT_TYPES = [
    { value: '', label: 'Automatic',
      hint: 'Classic images; a Segmentation when the file says it holds labels; a colour image for RGB.' },
    { value: 'Classic', label: 'Classic MR/CT',
      hint: 'One MR or CT image per slice, in 16-bit integers: other values are scaled (RescaleSlope).' },
    { value: 'EnhancedMR', label: 'Enhanced MR (one multi-frame file)',
      hint: 'The pixels of classic MR images, in one multi-frame Enhanced MR instance.' },
    { value: 'ParametricMap', label: 'Parametric map (exact floats)',
      hint: 'The values themselves, as floats, with their units: for maps such as ADC, FA or T1.' },
    { value: 'Segmentation', label: 'Segmentation (DICOM SEG)',
      hint: 'A DICOM Segmentation: a segment per label value of a 3D label map, or per volume of a 4D file ' +
            '(0/1 masks, which may overlap, or probabilities).' },
    { value: 'RTStruct', label: 'RT Structure Set (contours)',
      hint: 'Contours of each label on the slices of the reference series, for radiotherapy planning and ' +
            'navigation systems: choose the series the label map was drawn on below.' },
    { value: 'SecondaryCapture', label: 'Secondary capture (colour only)',
      hint: 'RGB colours as a multi-frame Secondary Capture: it keeps the colours, not the position in the patient.' }
  ];

  // The values of "SegmentationType" ('': left out, the server's "Auto")
  var SEGMENTATION_TYPES = [
    { value: '', label: 'Automatic: a label map (3D)' },
    { value: 'LabelMap', label: 'Label map: a segment per value' },
    { value: 'Masks', label: 'Masks: a segment per volume of 0/1 (overlaps allowed)' },
    { value: 'Fractional', label: 'Probabilities: a segment per volume of values from 0 to 1' }
  ];

  // A label table is a small text file: bigger is a mistake (the server's bound)
  var MAX_LABEL_TABLE_BYTES = 4 * 1024 * 1024;

  // NIfTI data types that a Parametric Map stores as float32 unless asked for float64
  var WIDE_TYPES = ['FLOAT64', 'INT32', 'UINT32', 'INT64', 'UINT64'];

  // ---------------------------------------------------------------- helpers

  // Creates an element: el('div', { className: 'x', text: 'y' }, [children])
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    var key;
    attributes = attributes || {};
    for (key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) {
        var value = attributes[key];
        if (value === undefined || value === null || value === false) {
          continue;
        }
        if (key === 'text') {
          node.textContent = value;
        } else if (key === 'className') {
          node.className = value;
        } else if (key.indexOf('on') === 0 && typeof value === 'function') {
          node.addEventListener(key.substring(2), value);
        } else if (value === true) {
          node.setAttribute(key, '');
        } else {
          node.setAttribute(key, String(value));
        }
      }
    }
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function formatBytes(n) {
    if (n < 1024) {
      return n + ' bytes';
    }
    var units = ['KB', 'MB', 'GB'];
    var value = n;
    var unit = -1;
    do {
      value /= 1024;
      unit++;
    } while (value >= 1024 && unit < units.length - 1);
    return (value >= 100 ? value.toFixed(0) : value.toFixed(1)) + ' ' + units[unit];
  }

  function formatNumber(x) {
    if (typeof x !== 'number') {
      return String(x);
    }
    return String(Math.round(x * 10000) / 10000);
  }

  function fileKind(name) {
    var lower = name.toLowerCase();
    if (/\.nii(\.gz)?$/.test(lower)) {
      return 'nifti';
    } else if (/\.json$/.test(lower)) {
      return 'sidecar';
    } else if (/\.bval$/.test(lower)) {
      return 'bval';
    } else if (/\.bvec$/.test(lower)) {
      return 'bvec';
    } else if (/\.(tsv|txt|ctbl|csv|lut|label)$/.test(lower)) {
      return 'labels';
    } else {
      return 'other';
    }
  }

  // The default series description: the file name without its extension
  function descriptionFromFilename(name) {
    return name.replace(/\.nii\.gz$/i, '').replace(/\.(nii|gz)$/i, '').substring(0, MAX_DESCRIPTION);
  }

  // HTTP header values must be Latin-1: keep printable ASCII, replace the rest
  function headerSafeFilename(name) {
    return name.replace(/[^\x20-\x7e]/g, '_');
  }

  // ------------------------------------------------------------------ REST

  // An error from Orthanc: "message" is the server's Message, verbatim
  function RestError(message, status, details, aborted) {
    this.message = message;
    this.status = status;
    this.details = details || '';
    this.aborted = !!aborted;
  }

  function errorFromXhr(xhr) {
    var answer = null;
    try {
      answer = JSON.parse(xhr.responseText);
    } catch (e) {
      answer = null;
    }
    if (answer && typeof answer.Message === 'string' && answer.Message !== '') {
      var details = (typeof answer.Details === 'string' && answer.Details !== answer.Message) ? answer.Details : '';
      return new RestError(answer.Message, xhr.status, details);
    }
    if (xhr.status === 401 || xhr.status === 403) {
      return new RestError('Orthanc refused the request (HTTP ' + xhr.status + '): check your user\'s rights',
                           xhr.status);
    }
    return new RestError('Orthanc answered HTTP ' + xhr.status + ' ' + (xhr.statusText || ''), xhr.status);
  }

  // Sends one request; resolves with the parsed JSON answer (or null)
  function request(method, url, body, options) {
    options = options || {};
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url, true);
      var headers = options.headers || {};
      Object.keys(headers).forEach(function (key) {
        xhr.setRequestHeader(key, headers[key]);
      });
      if (options.onUploadProgress) {
        xhr.upload.onprogress = function (e) {
          options.onUploadProgress(e.loaded, e.lengthComputable ? e.total : 0);
        };
      }
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          var answer = null;
          try {
            answer = xhr.responseText ? JSON.parse(xhr.responseText) : null;
          } catch (e) {
            answer = null;
          }
          resolve(answer);
        } else {
          reject(errorFromXhr(xhr));
        }
      };
      xhr.onerror = function () {
        reject(new RestError('No answer from Orthanc: the connection failed or the server stopped', 0));
      };
      xhr.onabort = function () {
        reject(new RestError('Cancelled', 0, '', true));
      };
      if (options.onStart) {
        options.onStart(xhr);
      }
      if (body !== undefined && body !== null && !(body instanceof Blob) && typeof body !== 'string') {
        xhr.setRequestHeader('Content-Type', 'application/json');
        body = JSON.stringify(body);
      }
      xhr.send(body === undefined ? null : body);
    });
  }

  function getJson(root, path) {
    return request('GET', root + path);
  }

  // ------------------------------------------------------- uploads in parts

  // Files larger than this go in parts (POST /nifti/uploads/sessions): the
  // server holds one part in memory, and a broken connection costs a part.
  // The smallest MaximumPartSize a server may have, so such a file is always one request.
  var PART_THRESHOLD = 1024 * 1024;
  // Attempts of one request after a network error, the first pause (doubled at each attempt): 15.5 s in all.
  // Exported (NiftiToDicomImport.retryPolicy) for the tests to make it short.
  var retryPolicy = { attempts: 6, delayMs: 500 };

  // SHA-256 (FIPS 180-4), fed piece by piece: crypto.subtle has no
  // incremental digest and exists only on https or localhost, while Orthanc
  // is often reached over plain http inside a hospital
  var SHA256_K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);

  function Sha256() {
    this.h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this.w = new Uint32Array(64);
    this.block = new Uint8Array(64);
    this.blockLength = 0;
    this.length = 0;     // bytes hashed (exact up to 2^53)
  }

  Sha256.prototype.compress = function (bytes, offset) {
    var w = this.w;
    var h = this.h;
    var i;
    for (i = 0; i < 16; i++) {
      var p = offset + 4 * i;
      w[i] = (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3];
    }
    for (i = 16; i < 64; i++) {
      var x = w[i - 15];
      var y = w[i - 2];
      var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (i = 0; i < 64; i++) {
      var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      var t1 = (k + S1 + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i]) | 0;
      var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  };

  Sha256.prototype.update = function (bytes) {
    var i = 0;
    this.length += bytes.length;
    if (this.blockLength > 0) {
      while (i < bytes.length && this.blockLength < 64) {
        this.block[this.blockLength++] = bytes[i++];
      }
      if (this.blockLength < 64) {
        return this;
      }
      this.compress(this.block, 0);
      this.blockLength = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) {
      this.compress(bytes, i);
    }
    while (i < bytes.length) {
      this.block[this.blockLength++] = bytes[i++];
    }
    return this;
  };

  Sha256.prototype.hex = function () {
    var bits = this.length * 8;
    var tail = new Uint8Array((this.blockLength < 56 ? 64 : 128) - this.blockLength);
    tail[0] = 0x80;
    var view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(tail.length - 4, bits >>> 0);
    this.update(tail);
    var out = '';
    for (var i = 0; i < 8; i++) {
      out += ('00000000' + this.h[i].toString(16)).slice(-8);
    }
    return out;
  };

  function sha256Hex(bytes) {
    return new Sha256().update(bytes).hex();
  }

  // A part's digest: the browser's own (native, off the main thread) where it
  // offers one (https, localhost), else the one above
  function partSha256Hex(bytes) {
    if (global.isSecureContext && global.crypto && global.crypto.subtle) {
      return global.crypto.subtle.digest('SHA-256', bytes).then(function (digest) {
        return Array.prototype.map.call(new Uint8Array(digest), function (b) {
          return ('0' + b.toString(16)).slice(-2);
        }).join('');
      });
    }
    return Promise.resolve(sha256Hex(bytes));
  }

  function readSlice(blob) {
    if (blob.arrayBuffer) {
      return blob.arrayBuffer();
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(new RestError('The file cannot be read any more', 0)); };
      reader.readAsArrayBuffer(blob);
    });
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // Worth another attempt: no answer (network), a server or gateway error, a busy session
  function isTransient(error) {
    return !error.aborted && (error.status === 0 || error.status === 409 || error.status >= 500);
  }

  // ------------------------------------------- resuming an upload in parts later

  // An upload in parts under way is remembered in the browser (localStorage), so that picking the same file again
  // (after a reload, a closed tab or an outage longer than the retries) continues where the server stopped instead
  // of from zero. The key is what a browser knows of a file without reading it: the server (the REST root,
  // resolved, so the Explorer dialog and /nifti/app/ share it), the name, the size and the modification time.
  var RESUME_PREFIX = 'NiftiToDicom.upload:';
  var RESUME_MAX_AGE_MS = 7 * 24 * 3600 * 1000;   // an entry without a readable expiry is dropped after this
  var RESUME_MAX_ENTRIES = 50;                     // beyond it, the oldest entries go
  // (Times come from new Date().getTime(): Orthanc Explorer loads a library whose Date.now() answers a Date.)
  var HASH_CHUNK = 8 * 1024 * 1024;                // read at a time to hash again what was sent earlier

  // localStorage may be missing or refuse access (privacy settings): resuming then works within the page only
  function resumeStorage() {
    try {
      return global.localStorage || null;
    } catch (e) {
      return null;
    }
  }

  function resumeKey(root, file) {
    var server = String(root);
    try {
      server = new URL(root, global.location.href).href;
    } catch (e) {
      // an old browser: the root as given
    }
    return RESUME_PREFIX + JSON.stringify([server, file.name, file.size, file.lastModified || 0]);
  }

  // The session's "Expires" ("20261122T153012", UTC) in milliseconds, NaN if unreadable
  function parseExpires(text) {
    var m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(typeof text === 'string' ? text : '');
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
  }

  function loadResume(key) {
    var store = resumeStorage();
    if (!store || !key) {
      return null;
    }
    try {
      var entry = JSON.parse(store.getItem(key));
      // The ID goes into a URL: only what the server hands out
      if (entry && typeof entry.ID === 'string' && /^[0-9A-Za-z_-]{1,64}$/.test(entry.ID)) {
        return entry;
      }
    } catch (e) {
      // unreadable: forgotten below
    }
    forgetResume(key);
    return null;
  }

  function saveResume(key, session) {
    var store = resumeStorage();
    if (!store || !key) {
      return;
    }
    try {
      store.setItem(key, JSON.stringify({ ID: session.ID, Expires: session.Expires, Saved: new Date().getTime() }));
    } catch (e) {
      // full or refused: this upload resumes within the page only
    }
  }

  function forgetResume(key) {
    var store = resumeStorage();
    if (store && key) {
      try {
        store.removeItem(key);
      } catch (e) {
        // nothing to do
      }
    }
  }

  // Drops the entries of sessions the server has surely deleted (their expiry passed; an hour of margin for clocks
  // that disagree), the unreadable ones, and the oldest beyond RESUME_MAX_ENTRIES
  function cleanResumeEntries() {
    var store = resumeStorage();
    if (!store) {
      return;
    }
    try {
      var now = new Date().getTime();
      var kept = [];
      var keys = [];
      for (var i = 0; i < store.length; i++) {
        keys.push(store.key(i));
      }
      keys.forEach(function (key) {
        if (typeof key !== 'string' || key.indexOf(RESUME_PREFIX) !== 0) {
          return;
        }
        var entry = null;
        try {
          entry = JSON.parse(store.getItem(key));
        } catch (e) {
          entry = null;
        }
        var expires = entry ? parseExpires(entry.Expires) : NaN;
        var saved = entry && typeof entry.Saved === 'number' ? entry.Saved : NaN;
        if (!entry || typeof entry.ID !== 'string' || !(saved > now - RESUME_MAX_AGE_MS) ||
            (!isNaN(expires) && expires + 3600 * 1000 < now)) {
          store.removeItem(key);
        } else {
          kept.push({ key: key, saved: saved });
        }
      });
      kept.sort(function (a, b) { return b.saved - a.saved; });
      kept.slice(RESUME_MAX_ENTRIES).forEach(function (entry) {
        store.removeItem(entry.key);
      });
    } catch (e) {
      // storage refused: nothing to clean
    }
  }

  // What an upload in parts carries from one attempt to the next (a "Resume" keeps it): the session, its key in
  // localStorage, and the SHA-256 of the file's bytes [0, hashed), which depends on the file only
  function PartsState() {
    this.key = null;
    this.session = null;      // the server's last answer about the session
    this.whole = new Sha256();
    this.hashed = 0;
    this.digest = null;       // the whole file's, once computed (Sha256.hex ends the digest)
    this.cancelled = false;   // set by a "Cancel": the session is then deleted
  }

  // Deletes a session and forgets it (best effort: an unfinished session expires on the server anyway)
  function discardSession(root, state) {
    if (state.session) {
      request('DELETE', root + 'nifti/uploads/sessions/' + encodeURIComponent(state.session.ID)).then(null,
                                                                                                     function () {});
      state.session = null;
    }
    forgetResume(state.key);
  }

  // Sends a file as an upload in parts; resolves with the upload (as POST /nifti/uploads answers it). A part whose
  // request fails is sent again after a pause that doubles, from the offset the server says it has. After
  // retryPolicy.attempts failures in a row the promise fails with that (transient) error and options.state keeps
  // the session: calling again with the same state continues it, and so does a later call for the same file, even
  // from another page, through localStorage. The SHA-256 of the whole file given at the finish is computed from the
  // file itself: bytes sent from an earlier page are read and hashed again locally (no upload), so the finish checks
  // that the server holds this very file, not the start of another one that had the same name, size and date.
  // options: state (a PartsState, optional), onProgress(bytesSent), onStart(xhr), isCancelled(), onSession(id),
  // onRetry(error, delayMs), onResume(received, size), onRestart(), onHashing(hashed, upTo), onFound(upload) (the
  // file is already on the server: an earlier page finished its upload but never got the answer)
  function uploadInParts(root, file, options) {
    var base = root + 'nifti/uploads/sessions';
    var state = options.state || new PartsState();
    var noop = function () {};
    var onRetry = options.onRetry || noop;
    var onResume = options.onResume || noop;
    var onRestart = options.onRestart || noop;
    var onHashing = options.onHashing || noop;
    var onFound = options.onFound || noop;
    var onSession = options.onSession || noop;
    var isCancelled = function () {
      return state.cancelled || (options.isCancelled ? options.isCancelled() : false);
    };
    var cancelled = function () {
      return Promise.reject(new RestError('Cancelled', 0, '', true));
    };
    if (!state.key) {
      state.key = resumeKey(root, file);
    }

    // Brings the whole-file digest up to "offset" by reading the file (what an earlier page sent)
    var hashUpTo = function (offset) {
      if (state.hashed >= offset) {
        return Promise.resolve();
      }
      if (isCancelled()) {
        return cancelled();
      }
      var end = Math.min(offset, state.hashed + HASH_CHUNK);
      return readSlice(file.slice(state.hashed, end)).then(function (buffer) {
        state.whole.update(new Uint8Array(buffer));
        state.hashed = end;
        onHashing(end, offset);
        return hashUpTo(offset);
      });
    };

    // Retries a request after a transient error, with the same pauses as the parts
    var withRetries = function (send, attempt) {
      return send().then(null, function (error) {
        if (!isTransient(error) || attempt + 1 >= retryPolicy.attempts || isCancelled()) {
          throw error;
        }
        var delay = retryPolicy.delayMs * Math.pow(2, attempt);
        onRetry(error, delay);
        return sleep(delay).then(function () {
          return withRetries(send, attempt + 1);
        });
      });
    };

    // The next part is read and hashed while the previous one travels: { offset, part: a promise of readPart }
    var prefetched = null;

    // Reads the part at offset; its bytes join the whole-file digest when they are the next ones
    var readPart = function (offset) {
      if (prefetched && prefetched.offset === offset) {
        var ready = prefetched.part;
        prefetched = null;
        return ready;
      }
      prefetched = null;
      var end = Math.min(file.size, offset + state.session.MaximumPartSize);
      return hashUpTo(offset).then(function () {
        return readSlice(file.slice(offset, end));
      }).then(function (buffer) {
        var bytes = new Uint8Array(buffer);
        if (offset === state.hashed) {
          state.whole.update(bytes);
          state.hashed = end;
        }
        return partSha256Hex(bytes).then(function (digest) {
          return { bytes: bytes, digest: digest, end: end };
        });
      });
    };

    var prefetch = function (offset) {
      if (offset < file.size) {
        var part = readPart(offset);
        part.then(null, function () {});   // a failure comes out when the part is used
        prefetched = { offset: offset, part: part };
      }
    };

    var sendPart = function (offset, attempt) {
      if (isCancelled()) {
        return cancelled();
      }
      if (offset >= file.size) {
        return Promise.resolve();
      }
      return readPart(offset).then(function (part) {
        if (isCancelled()) {
          return cancelled();
        }
        prefetch(part.end);
        return request('PUT', base + '/' + encodeURIComponent(state.session.ID), new Blob([part.bytes]), {
          headers: { 'X-Part-Offset': String(offset), 'X-Part-SHA256': part.digest,
                     'Content-Type': 'application/octet-stream' },
          onStart: options.onStart,
          onUploadProgress: function (loaded) { options.onProgress(offset + Math.min(loaded, part.end - offset)); }
        });
      }).then(function (answer) {
        state.session = answer;
        saveResume(state.key, answer);   // a later expiry
        options.onProgress(answer.Received);
        return sendPart(answer.Received, 0);
      }, function (error) {
        if (!isTransient(error) || attempt + 1 >= retryPolicy.attempts || isCancelled()) {
          throw error;
        }
        var delay = retryPolicy.delayMs * Math.pow(2, attempt);
        onRetry(error, delay);
        // Where to resume: the part may have arrived although its answer did not
        return sleep(delay).then(function () {
          if (isCancelled()) {
            return cancelled();
          }
          return request('GET', base + '/' + encodeURIComponent(state.session.ID));
        }).then(function (session) {
          state.session = session;
          return sendPart(session.Received, session.Received > offset ? 0 : attempt + 1);
        }, function (stateError) {
          if (!isTransient(stateError)) {
            throw stateError;
          }
          return sendPart(offset, attempt + 1);
        });
      });
    };

    var create = function () {
      return request('POST', base, { Size: file.size, Filename: file.name }).then(function (answer) {
        saveResume(state.key, answer);
        return answer;
      });
    };

    // The session to continue: this page's (a "Resume"), the one remembered for this file, or a new one
    var open;
    var known = state.session ? state.session.ID : null;
    var remembered = !known && loadResume(state.key);
    if (remembered) {
      known = remembered.ID;
      state.session = { ID: known };   // if the server cannot be asked now, a "Resume" asks again
    }
    if (!known) {
      open = create();
    } else {
      var startOver = function () {
        state.session = null;
        forgetResume(state.key);
        onRestart();
        return create();
      };
      open = request('GET', base + '/' + encodeURIComponent(known)).then(function (session) {
        if (session.Size !== file.size) {
          return startOver();   // not this file's session (a key that collides): of no use here
        }
        onResume(session.Received, file.size);
        return session;
      }, function (error) {
        if (error.status !== 404) {
          throw error;    // network down, rights...: try again later with the same session
        }
        if (!state.digest) {
          // Expired, removed, or finished by an earlier page whose answer was lost: that upload is of use only if
          // it holds this very file, which the SHA-256 of the local file tells (read again, not sent again)
          return request('GET', root + 'nifti/uploads/' + encodeURIComponent(known)).then(function (upload) {
            if (upload.Size !== file.size || typeof upload.SHA256 !== 'string') {
              return startOver();
            }
            return hashUpTo(file.size).then(function () {
              state.digest = state.whole.hex();
              if (state.digest !== upload.SHA256) {
                return startOver();
              }
              onFound(upload);
              return { finished: upload };
            });
          }, function (uploadError) {
            if (uploadError.status !== 404) {
              throw uploadError;
            }
            return startOver();
          });
        }
        // Or finished, its answer lost: finishing again answers the upload
        return request('POST', base + '/' + encodeURIComponent(known) + '/finish', { SHA256: state.digest })
          .then(function (upload) {
            return { finished: upload };
          }, function (finishError) {
            if (finishError.status !== 404) {
              throw finishError;
            }
            return startOver();
          });
      });
    }

    return open.then(function (session) {
      if (session.finished) {
        return session.finished;
      }
      state.session = session;
      onSession(session.ID);
      return sendPart(session.Received, 0).then(function () {
        // Parts resent from an earlier offset were hashed once, in order
        if (state.hashed !== file.size) {
          throw new RestError('The file changed while it was sent: pick it again', 0);
        }
        if (!state.digest) {
          state.digest = state.whole.hex();
        }
        return withRetries(function () {
          return request('POST', base + '/' + encodeURIComponent(session.ID) + '/finish', { SHA256: state.digest });
        }, 0).then(null, function (error) {
          if (error.status === 400) {
            // The bytes on the server are not this file's: of no use to anyone
            discardSession(root, state);
            throw new RestError('The bytes received by Orthanc are not those of ' + file.name + ' (the file ' +
                                'changed since its first part was sent?): they were removed; pick the file again ' +
                                'to send it whole', 400, error.message);
          }
          throw error;
        });
      });
    }).then(function (upload) {
      state.session = null;
      forgetResume(state.key);
      return upload;
    }, function (error) {
      if (state.cancelled) {
        discardSession(root, state);
      }
      throw error;
    });
  }

  // --------------------------------------------------------------- the panel

  function ImportPanel(options) {
    this.root = options.root || '../';
    this.seriesUrl = options.seriesUrl || function (id) {
      return options.root + 'app/explorer.html#series?uuid=' + id;
    };
    this.onSuccess = options.onSuccess || function () {};
    this.onStateChange = options.onStateChange || function () {};

    this.studyId = null;
    this.state = 'empty';
    this.files = null;          // { nifti, sidecar, bval, bvec: File|null, unpaired, ignored: [File], diffusionNote }
    this.uploads = {};          // kind -> answer of POST /nifti/uploads
    this.xhr = null;            // the upload under way
    this.session = null;        // the upload in parts under way (POST /nifti/uploads/sessions)
    this.partStates = {};       // kind -> PartsState of its upload in parts (kept for a "Resume")
    this.jobId = null;
    this.pollTimer = null;
    this.cancelRequested = false;
    this.generation = 0;        // bumps on each reset: late answers of older work are ignored

    this.labelFile = null;      // the label table file picked, if any
    this.labelText = null;      // its text
    this.labelTable = null;     // the answer of POST /nifti/labels for the chosen table
    this.labelError = null;     // why the chosen table cannot be used
    this.labelRequest = 0;      // bumps on each preview request

    this.header = null;         // the NIfTI header summary of the upload
    this.referenceRequest = 0;  // bumps on each listing of the study's series

    cleanResumeEntries();
    this.build();
    this.loadDestinations();
    this.updateTypeFields();
    this.chooseLabels();
    this.setState('empty');
  }

  ImportPanel.prototype.build = function () {
    var self = this;

    this.fileInput = el('input', {
      type: 'file', multiple: true, className: 'nifti-file-input',
      accept: '.nii,.nii.gz,.gz,.json,.bval,.bvec,.tsv,.txt,.ctbl,.csv,.lut,.label', 'data-role': 'none',
      'aria-label': 'NIfTI file and optional JSON sidecar',
      onchange: function () {
        var picked = Array.prototype.slice.call(self.fileInput.files || []);
        self.fileInput.value = '';
        if (picked.length > 0) {
          self.pickFiles(picked);
        }
      }
    });

    this.chooseButton = el('button', {
      type: 'button', className: 'nifti-button', 'data-role': 'none',
      onclick: function () { self.fileInput.click(); }
    }, ['Choose files\u2026']);

    this.dropZone = el('div', { className: 'nifti-drop', tabindex: '0' }, [
      el('div', { className: 'nifti-drop-title', text: 'Drop a .nii or .nii.gz file here' }),
      el('div', { className: 'nifti-drop-hint',
                  text: 'with its BIDS .json sidecar, or the label table of a label map, if you have one (optional)' }),
      el('div', { className: 'nifti-drop-or' }, ['or ', this.chooseButton]),
      this.fileInput
    ]);
    this.dropZone.addEventListener('dragover', function (e) {
      e.preventDefault();
      if (self.canPickFiles()) {
        e.dataTransfer.dropEffect = 'copy';
        self.dropZone.classList.add('nifti-drop-over');
      } else {
        e.dataTransfer.dropEffect = 'none';
      }
    });
    this.dropZone.addEventListener('dragleave', function () {
      self.dropZone.classList.remove('nifti-drop-over');
    });
    this.dropZone.addEventListener('drop', function (e) {
      e.preventDefault();
      self.dropZone.classList.remove('nifti-drop-over');
      var dropped = Array.prototype.slice.call((e.dataTransfer && e.dataTransfer.files) || []);
      if (dropped.length > 0 && self.canPickFiles()) {
        self.pickFiles(dropped);
      }
    });
    this.dropZone.addEventListener('keydown', function (e) {
      if ((e.key === 'Enter' || e.key === ' ') && e.target === self.dropZone && self.canPickFiles()) {
        e.preventDefault();
        self.fileInput.click();
      }
    });

    this.fileList = el('ul', { className: 'nifti-files' });

    this.progressFill = el('div', { className: 'nifti-progress-fill' });
    this.progressBar = el('div', {
      className: 'nifti-progress-bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100'
    }, [this.progressFill]);
    this.progressText = el('div', { className: 'nifti-progress-text' });
    this.progress = el('div', { className: 'nifti-progress' }, [this.progressBar, this.progressText]);

    this.summaryBody = el('tbody');
    this.summary = el('div', { className: 'nifti-summary' }, [
      el('h3', { text: 'What the file holds' }),
      el('table', { className: 'nifti-summary-table' }, [this.summaryBody])
    ]);

    this.descriptionInput = el('input', {
      type: 'text', className: 'nifti-description', maxlength: String(MAX_DESCRIPTION), 'data-role': 'none',
      id: 'nifti-description-' + (++ImportPanel.count), placeholder: 'default: the file name'
    });
    this.modalitySelect = el('select', {
      className: 'nifti-modality', 'data-role': 'none', id: 'nifti-modality-' + ImportPanel.count
    }, [
      el('option', { value: '', text: 'Automatic (CT for a CT study, else MR)' }),
      el('option', { value: 'MR', text: 'MR (MR Image Storage)' }),
      el('option', { value: 'CT', text: 'CT (CT Image Storage)' })
    ]);
    this.destinations = el('div', { className: 'nifti-destinations' }, [
      el('span', { className: 'nifti-muted', text: 'Loading the destinations\u2026' })
    ]);

    // What the new series is made of (field "Type")
    this.typeSelect = el('select', {
      className: 'nifti-type', 'data-role': 'none', id: 'nifti-type-' + ImportPanel.count,
      'aria-describedby': 'nifti-type-hint-' + ImportPanel.count,
      onchange: function () { self.updateTypeFields(); self.setState(self.state); }
    }, OUTPUT_TYPES.map(function (type) {
      return el('option', { value: type.value, text: type.label });
    }));
    this.typeHint = el('div', { className: 'nifti-hint nifti-type-hint', id: 'nifti-type-hint-' + ImportPanel.count,
                                'aria-live': 'polite' });
    this.unitsInput = el('input', {
      type: 'text', className: 'nifti-units', 'data-role': 'none', id: 'nifti-units-' + ImportPanel.count,
      maxlength: '64', spellcheck: 'false', placeholder: 'UCUM, e.g. mm2/s, ms, s; empty: 1 (no units)'
    });
    this.quantitySelect = el('select', {
      className: 'nifti-quantity', 'data-role': 'none', id: 'nifti-quantity-' + ImportPanel.count
    }, [
      el('option', { value: '', text: 'None' }),
      el('option', { value: 'FA', text: 'Fractional anisotropy (FA)' }),
      el('option', { value: 'ADC', text: 'Apparent diffusion coefficient (ADC)' })
    ]);
    this.doubleBox = el('input', { type: 'checkbox', className: 'nifti-double', 'data-role': 'none' });
    this.doubleField = el('div', { className: 'nifti-field nifti-subfield' }, [
      el('span', { className: 'nifti-label', text: '' }),
      el('label', { className: 'nifti-option-check' }, [this.doubleBox, ' Keep 64-bit values (Double Float Pixel Data)'])
    ]);
    this.parametricFields = el('div', { className: 'nifti-parametric' }, [
      el('div', { className: 'nifti-field nifti-subfield' }, [
        el('label', { 'for': this.unitsInput.id, text: 'Units' }),
        this.unitsInput
      ]),
      el('div', { className: 'nifti-field nifti-subfield' }, [
        el('label', { 'for': this.quantitySelect.id, text: 'Quantity' }),
        this.quantitySelect
      ]),
      this.doubleField
    ]);

    // Segmentation and RT Structure Set: the names, colours and codes of the segments ("Labels")
    this.labelsSelect = el('select', {
      className: 'nifti-labels', 'data-role': 'none', id: 'nifti-labels-' + ImportPanel.count,
      onchange: function () { self.chooseLabels(); }
    }, [
      el('option', { value: '', text: 'None: \u201cLabel 1\u201d, \u201cLabel 2\u201d\u2026' }),
      el('option', { value: 'FreeSurfer', text: 'FreeSurfer aseg / aparc+aseg (names, colours, SNOMED CT codes)' }),
      el('option', { value: 'file', text: 'A label table file (dseg.tsv, FreeSurfer LUT, ITK-SNAP, Slicer)' })
    ]);
    this.labelFileInput = el('input', {
      type: 'file', className: 'nifti-label-file-input', accept: '.tsv,.txt,.ctbl,.csv,.lut,.label',
      'data-role': 'none', 'aria-label': 'Label table file',
      onchange: function () {
        var picked = (self.labelFileInput.files || [])[0];
        self.labelFileInput.value = '';
        if (picked) {
          self.setLabelFile(picked);
        }
      }
    });
    this.labelFileButton = el('button', {
      type: 'button', className: 'nifti-button nifti-label-file-button', 'data-role': 'none',
      onclick: function () { self.labelFileInput.click(); }
    }, ['Choose a label table\u2026']);
    this.labelFileName = el('span', { className: 'nifti-label-file-name nifti-muted' });
    this.labelsPreview = el('div', { className: 'nifti-labels-preview', 'aria-live': 'polite' });
    this.segmentationTypeSelect = el('select', {
      className: 'nifti-segmentation-type', 'data-role': 'none', id: 'nifti-segmentation-type-' + ImportPanel.count
    }, SEGMENTATION_TYPES.map(function (type) {
      return el('option', { value: type.value, text: type.label });
    }));
    this.segmentationTypeField = el('div', { className: 'nifti-field nifti-subfield' }, [
      el('label', { 'for': this.segmentationTypeSelect.id, text: 'Segments' }),
      this.segmentationTypeSelect
    ]);
    this.segmentFields = el('div', { className: 'nifti-segment-fields' }, [
      this.segmentationTypeField,
      el('div', { className: 'nifti-field nifti-subfield' }, [
        el('label', { 'for': this.labelsSelect.id, text: 'Segment names' }),
        this.labelsSelect,
        el('div', { className: 'nifti-label-file' }, [this.labelFileButton, ' ', this.labelFileName,
                                                     this.labelFileInput]),
        this.labelsPreview
      ])
    ]);

    // The series of the study that the NIfTI was computed from ("ReferenceSeries")
    this.referenceSelect = el('select', {
      className: 'nifti-reference', 'data-role': 'none', id: 'nifti-reference-' + ImportPanel.count,
      'aria-describedby': 'nifti-reference-hint-' + ImportPanel.count,
      onchange: function () { self.updateReferenceHint(); self.updateTypeFields(); self.setState(self.state); }
    }, [el('option', { value: '', text: 'None' })]);
    this.referenceHint = el('div', { className: 'nifti-hint nifti-reference-hint',
                                     id: 'nifti-reference-hint-' + ImportPanel.count });

    this.options = el('fieldset', { className: 'nifti-options' }, [
      el('legend', { text: 'The new series' }),
      el('div', { className: 'nifti-field' }, [
        el('label', { 'for': this.descriptionInput.id, text: 'Series description' }),
        this.descriptionInput
      ]),
      el('div', { className: 'nifti-field' }, [
        el('label', { 'for': this.modalitySelect.id, text: 'Modality' }),
        this.modalitySelect
      ]),
      el('div', { className: 'nifti-field' }, [
        el('label', { 'for': this.typeSelect.id, text: 'Output type' }),
        this.typeSelect,
        this.typeHint
      ]),
      this.parametricFields,
      this.segmentFields,
      el('div', { className: 'nifti-field' }, [
        el('label', { 'for': this.referenceSelect.id, text: 'Reference series' }),
        this.referenceSelect,
        this.referenceHint
      ]),
      el('div', { className: 'nifti-field' }, [
        el('span', { className: 'nifti-label', text: 'Then send it to' }),
        this.destinations
      ])
    ]);

    this.message = el('div', { className: 'nifti-message', role: 'alert' });
    this.result = el('div', { className: 'nifti-result', role: 'status' });

    this.importButton = el('button', {
      type: 'button', className: 'nifti-button nifti-primary nifti-import', 'data-role': 'none',
      onclick: function () { self.startImport(); }
    }, ['Import']);
    this.cancelButton = el('button', {
      type: 'button', className: 'nifti-button nifti-cancel', 'data-role': 'none',
      onclick: function () { self.cancel(); }
    }, ['Cancel']);
    this.resumeButton = el('button', {
      type: 'button', className: 'nifti-button nifti-primary nifti-resume', 'data-role': 'none',
      onclick: function () { self.resume(); }
    }, ['Resume']);

    this.element = el('div', { className: 'nifti-panel' }, [
      this.dropZone,
      this.fileList,
      this.progress,
      this.summary,
      this.options,
      this.message,
      this.result,
      el('div', { className: 'nifti-actions' }, [this.resumeButton, this.importButton, this.cancelButton])
    ]);
  };

  ImportPanel.count = 0;

  // --------------------------------------------------------------- state

  ImportPanel.prototype.setState = function (state) {
    this.state = state;
    var busy = (state === 'uploading' || state === 'importing' || state === 'cancelling');
    this.fileInput.disabled = busy;
    this.chooseButton.disabled = busy;
    this.dropZone.classList.toggle('nifti-disabled', busy);
    this.options.disabled = busy || state === 'done';
    show(this.options, state !== 'empty' && state !== 'uploading' && state !== 'interrupted');
    show(this.summary, state !== 'empty' && state !== 'uploading' && this.summaryBody.firstChild !== null);
    show(this.progress, busy || state === 'done' || state === 'interrupted');
    this.importButton.disabled = (state !== 'ready' || !this.studyId || this.getBlocker() !== null);
    show(this.importButton, state !== 'done' && state !== 'interrupted');
    show(this.resumeButton, state === 'interrupted');
    this.cancelButton.disabled = (state === 'cancelling' || state === 'empty' || state === 'done');
    show(this.cancelButton, state !== 'done' && state !== 'empty');
    this.cancelButton.textContent = (state === 'ready' ? 'Discard' : 'Cancel');
    this.element.setAttribute('data-state', state);
    this.onStateChange(state);
  };

  // Why the options chosen cannot be imported yet (null: they can)
  ImportPanel.prototype.getBlocker = function () {
    var type = this.typeSelect.value;
    if (type === 'RTStruct' && this.referenceSelect.value === '') {
      return 'An RT Structure Set needs the series the label map was drawn on: choose the reference series.';
    }
    if (this.usesLabels() && this.labelsSelect.value !== '') {
      if (this.labelError) {
        return this.labelError;
      }
      if (!this.labelTable) {
        return this.labelsSelect.value === 'file' && !this.labelText ? 'Choose the label table file.' :
          'Reading the label table\u2026';
      }
    }
    return null;
  };

  ImportPanel.prototype.usesLabels = function () {
    return this.typeSelect.value === 'Segmentation' || this.typeSelect.value === 'RTStruct';
  };

  ImportPanel.prototype.isBusy = function () {
    return this.state === 'uploading' || this.state === 'importing' || this.state === 'cancelling';
  };

  ImportPanel.prototype.canPickFiles = function () {
    return !this.isBusy();
  };

  // The study that the new series goes to (Orthanc ID)
  ImportPanel.prototype.setStudy = function (studyId) {
    var changed = (studyId || null) !== this.studyId;
    this.studyId = studyId || null;
    if (changed) {
      this.loadReferenceSeries();
    }
    this.setState(this.state);
  };

  // ------------------------------------------------------- output type

  // Shows the fields and the hints of the chosen output type
  ImportPanel.prototype.updateTypeFields = function () {
    var type = this.typeSelect.value;
    var header = this.header;
    var dataType = header ? header.DataType : '';
    show(this.parametricFields, type === 'ParametricMap');
    show(this.segmentFields, this.usesLabels());
    show(this.segmentationTypeField, type === 'Segmentation');
    show(this.doubleField, type === 'ParametricMap' && WIDE_TYPES.indexOf(dataType) >= 0);

    if (this.instancesCell && header) {
      var dims = header.Dimensions || [];
      var count = dims.slice(2).reduce(function (a, b) { return a * b; }, 1);
      var multiFrame = (type !== '' && type !== 'Classic') || (type === '' && dataType === 'RGB24');
      if (type === 'Segmentation') {
        this.instancesCell.textContent = '1 (multi-frame: a frame per slice and segment)';
      } else if (type === 'RTStruct') {
        this.instancesCell.textContent = '1 (RT Structure Set: contours on the reference series)';
      } else if (multiFrame) {
        this.instancesCell.textContent = '1 (multi-frame: ' + count + (count === 1 ? ' frame)' : ' frames)');
      } else {
        this.instancesCell.textContent = count + ' (one per slice' + (dims.length >= 4 ? ' and volume)' : ')');
      }
    }

    clear(this.typeHint);
    OUTPUT_TYPES.forEach(function (entry) {
      if (entry.value === type) {
        this.typeHint.appendChild(el('div', { text: entry.hint }));
      }
    }, this);
    var blocker = this.getBlocker();
    if (type === 'RTStruct' && this.referenceSelect.value === '') {
      this.typeHint.appendChild(el('div', { className: 'nifti-required', text: blocker }));
    }
    if ((dataType === 'FLOAT32' || dataType === 'FLOAT64') && type === 'Segmentation') {
      this.typeHint.appendChild(el('div', {
        className: 'nifti-suggestion',
        text: 'This file holds ' + dataType + ' values: choose \u201cProbabilities\u201d below for a map of ' +
              'values from 0 to 1.'
      }));
    } else if ((dataType === 'FLOAT32' || dataType === 'FLOAT64') && type !== 'ParametricMap') {
      this.typeHint.appendChild(el('div', {
        className: 'nifti-suggestion',
        text: 'This file holds ' + dataType + ' values: \u201cParametric map\u201d keeps them exactly; ' +
              'classic images round them to 16-bit integers.'
      }));
    } else if (dataType === 'RGB24') {
      this.typeHint.appendChild(el('div', {
        className: 'nifti-suggestion',
        text: 'This file holds RGB colours: \u201cAutomatic\u201d makes an Enhanced MR Color image, ' +
              '\u201cSecondary capture\u201d a multi-frame True Color Secondary Capture.'
      }));
    }
  };

  // After the upload: the output types that make sense for this file
  ImportPanel.prototype.applyHeader = function (header) {
    this.header = header || null;
    var dataType = header ? header.DataType : '';
    var reasons = {};
    if (dataType === 'RGB24') {
      ['Classic', 'EnhancedMR', 'ParametricMap', 'Segmentation', 'RTStruct'].forEach(function (value) {
        reasons[value] = 'not for RGB colours';
      });
    } else if (header) {
      reasons.SecondaryCapture = 'RGB colours only';
    }
    // A 4D file is a segment per volume: masks unless said otherwise
    var dims = (header && header.Dimensions) || [];
    if (dims.length >= 4 && dims[3] > 1 && this.segmentationTypeSelect.value === '') {
      this.segmentationTypeSelect.value = 'Masks';
    } else if (dims.length < 4 && this.segmentationTypeSelect.value === 'Masks') {
      this.segmentationTypeSelect.value = '';
    }
    Array.prototype.forEach.call(this.typeSelect.options, function (option) {
      var entry = OUTPUT_TYPES.filter(function (type) { return type.value === option.value; })[0];
      option.disabled = !!reasons[option.value];
      option.textContent = entry.label + (reasons[option.value] ? ' \u2014 ' + reasons[option.value] : '');
    });
    var selected = this.typeSelect.options[this.typeSelect.selectedIndex];
    if (!selected || selected.disabled) {
      this.typeSelect.value = '';
    }
    this.doubleBox.checked = false;
    this.updateTypeFields();
  };

  // ------------------------------------------------------- label table

  // "Segment names" changed: FreeSurfer is previewed at once, a file once picked
  ImportPanel.prototype.chooseLabels = function () {
    var choice = this.labelsSelect.value;
    this.labelTable = null;
    this.labelError = null;
    show(this.labelFileButton, choice === 'file');
    show(this.labelFileName, choice === 'file');
    if (choice === 'FreeSurfer') {
      this.previewLabels('FreeSurfer');
    } else if (choice === 'file' && this.labelText !== null) {
      this.previewLabels(this.labelText);
    } else {
      this.labelRequest++;
      this.renderLabelPreview();
    }
    if (choice === 'file' && this.labelText === null && this.labelFile === null) {
      this.labelFileInput.click();
    }
  };

  // A label table picked or dropped: its text goes inline in "Labels"
  ImportPanel.prototype.setLabelFile = function (file) {
    var self = this;
    this.labelFile = file;
    this.labelText = null;
    this.labelTable = null;
    this.labelError = null;
    this.labelsSelect.value = 'file';
    show(this.labelFileButton, true);
    show(this.labelFileName, true);
    this.labelFileName.textContent = file.name + ' (' + formatBytes(file.size) + ')';
    if (file.size > MAX_LABEL_TABLE_BYTES) {
      this.labelError = 'The label table ' + file.name + ' is larger than ' + formatBytes(MAX_LABEL_TABLE_BYTES) +
        ': is it really a label table?';
      this.renderLabelPreview();
      return;
    }
    var ticket = ++this.labelRequest;
    this.renderLabelPreview();
    file.text().then(function (text) {
      if (ticket !== self.labelRequest || self.labelFile !== file) {
        return;
      }
      self.labelText = text;
      self.previewLabels(text);
    }, function () {
      if (ticket === self.labelRequest) {
        self.labelError = 'The label table ' + file.name + ' cannot be read';
        self.renderLabelPreview();
      }
    });
  };

  // Asks the server to read the table as the import will, and shows its answer
  ImportPanel.prototype.previewLabels = function (labels) {
    var self = this;
    var ticket = ++this.labelRequest;
    this.labelTable = null;
    this.labelError = null;
    this.renderLabelPreview();
    request('POST', this.root + 'nifti/labels', { Labels: labels }).then(function (answer) {
      if (ticket === self.labelRequest) {
        self.labelTable = answer;
        self.renderLabelPreview();
      }
    }, function (error) {
      if (ticket === self.labelRequest) {
        self.labelError = error.message;
        self.renderLabelPreview();
      }
    });
  };

  // The names, colours and codes the segments will get
  ImportPanel.prototype.renderLabelPreview = function () {
    clear(this.labelsPreview);
    var choice = this.labelsSelect.value;
    if (this.labelError) {
      this.labelsPreview.appendChild(el('div', { className: 'nifti-labels-error', role: 'alert',
                                                 text: this.labelError }));
    } else if (choice === '') {
      this.labelsPreview.appendChild(el('div', {
        className: 'nifti-hint', text: 'Each segment is named after its value (\u201cLabel 17\u201d), without colour.'
      }));
    } else if (!this.labelTable) {
      this.labelsPreview.appendChild(el('div', { className: 'nifti-muted',
                                                 text: choice === 'file' && !this.labelFile ?
                                                   'No label table chosen yet.' : 'Reading the label table\u2026' }));
    } else {
      var labels = this.labelTable.Labels || [];
      var body = el('tbody');
      labels.forEach(function (label) {
        var color = Array.isArray(label.Color) ? 'rgb(' + label.Color.join(', ') + ')' : null;
        var code = label.Type ? label.Type.CodeMeaning + (label.Modifier ? ', ' + label.Modifier.CodeMeaning : '') +
          ' (' + label.Type.CodingSchemeDesignator + ' ' + label.Type.CodeValue + ')' : '';
        body.appendChild(el('tr', { className: 'nifti-label-row', 'data-index': String(label.Index) }, [
          el('td', { className: 'nifti-label-index', text: String(label.Index) }),
          el('td', {}, [el('span', {
            className: 'nifti-swatch' + (color ? '' : ' nifti-swatch-none'), title: color || 'no colour',
            style: color ? 'background-color: ' + color : null
          })]),
          el('td', { className: 'nifti-label-name', text: label.Name }),
          el('td', { className: 'nifti-label-code', text: code })
        ]));
      });
      this.labelsPreview.appendChild(el('div', {
        className: 'nifti-labels-summary',
        text: labels.length + (labels.length === 1 ? ' label' : ' labels') + ' read from the ' +
              (this.labelTable.Format === 'FreeSurfer' ? 'built-in FreeSurfer table' : this.labelTable.Format) +
              ': a segment takes the entry of its value (or of its volume number, for masks and probabilities).'
      }));
      this.labelsPreview.appendChild(el('div', { className: 'nifti-labels-scroll' }, [
        el('table', { className: 'nifti-labels-table' }, [
          el('thead', {}, [el('tr', {}, [
            el('th', { text: 'Value' }), el('th', { text: 'Colour' }), el('th', { text: 'Name' }),
            el('th', { text: 'Code' })
          ])]),
          body
        ])
      ]));
    }
    this.updateTypeFields();
    this.setState(this.state);
  };

  // ---------------------------------------------------- reference series

  // Lists the series of the study in the "Reference series" select
  ImportPanel.prototype.loadReferenceSeries = function () {
    var self = this;
    var request = ++this.referenceRequest;
    var studyId = this.studyId;
    var previous = this.referenceSelect.value;
    clear(this.referenceSelect);
    this.referenceSelect.appendChild(el('option', { value: '', text: 'None' }));
    this.updateReferenceHint();
    if (!studyId) {
      return;
    }
    getJson(this.root, 'studies/' + encodeURIComponent(studyId) + '/series').then(function (series) {
      if (request !== self.referenceRequest) {
        return;
      }
      series = Array.isArray(series) ? series : [];
      series.sort(function (a, b) {
        var na = parseInt((a.MainDicomTags || {}).SeriesNumber, 10);
        var nb = parseInt((b.MainDicomTags || {}).SeriesNumber, 10);
        na = isNaN(na) ? Infinity : na;
        nb = isNaN(nb) ? Infinity : nb;
        return na !== nb ? (na < nb ? -1 : 1) : 0;
      });
      series.forEach(function (item) {
        var tags = item.MainDicomTags || {};
        var parts = [];
        parts.push(tags.SeriesNumber !== undefined && tags.SeriesNumber !== '' ? '#' + tags.SeriesNumber : '#?');
        parts.push(tags.Modality || '?');
        parts.push(tags.SeriesDescription || '(no description)');
        var count = Array.isArray(item.Instances) ? ' (' + item.Instances.length +
          (item.Instances.length === 1 ? ' instance)' : ' instances)') : '';
        self.referenceSelect.appendChild(el('option', {
          value: item.ID, text: parts.join(' \u2014 ') + count
        }));
      });
      if (previous && series.some(function (item) { return item.ID === previous; })) {
        self.referenceSelect.value = previous;
      }
      self.updateReferenceHint();
    }, function (error) {
      if (request !== self.referenceRequest) {
        return;
      }
      clear(self.referenceHint);
      self.referenceHint.appendChild(el('div', {
        text: 'The series of the study cannot be listed: ' + error.message
      }));
    });
  };

  ImportPanel.prototype.updateReferenceHint = function () {
    clear(this.referenceHint);
    this.referenceHint.appendChild(el('div', {
      text: this.referenceSelect.value === ''
        ? 'The series the NIfTI was computed from, if any: the new series then references its images.'
        : 'The new series references its images, and shares its frame of reference when the NIfTI is in ' +
          'the same scanner space (else a warning says why not).'
    }));
  };

  ImportPanel.prototype.setProgress = function (percent, text) {
    var value = Math.max(0, Math.min(100, Math.round(percent)));
    this.progressFill.style.width = value + '%';
    this.progressBar.setAttribute('aria-valuenow', String(value));
    this.progressText.textContent = text;
  };

  ImportPanel.prototype.showMessage = function (text, kind, details) {
    clear(this.message);
    if (!text) {
      show(this.message, false);
      return;
    }
    this.message.className = 'nifti-message nifti-' + (kind || 'error');
    this.message.appendChild(el('div', { className: 'nifti-message-text', text: text }));
    if (details) {
      this.message.appendChild(el('div', { className: 'nifti-message-details', text: details }));
    }
    show(this.message, true);
  };

  ImportPanel.prototype.showError = function (error) {
    if (error && error.message) {
      this.showMessage(error.message, 'error', error.details);
    } else {
      this.showMessage(String(error), 'error');
    }
  };

  // ---------------------------------------------------------- destinations

  ImportPanel.prototype.loadDestinations = function () {
    var self = this;
    var lists = [
      { path: 'modalities', title: 'DICOM modalities', key: 'Modalities' },
      { path: 'peers', title: 'Orthanc peers', key: 'Peers' }
    ];
    this.destinationBoxes = [];
    Promise.all(lists.map(function (list) {
      return getJson(self.root, list.path).then(function (names) {
        return { list: list, names: Array.isArray(names) ? names : Object.keys(names || {}) };
      }, function (error) {
        return { list: list, names: [], error: error };
      });
    })).then(function (answers) {
      clear(self.destinations);
      var any = false;
      answers.forEach(function (answer) {
        if (answer.error) {
          self.destinations.appendChild(el('div', {
            className: 'nifti-muted', text: answer.list.title + ': cannot be listed (' + answer.error.message + ')'
          }));
          return;
        }
        if (answer.names.length === 0) {
          return;
        }
        any = true;
        var group = el('div', { className: 'nifti-destination-group' }, [
          el('span', { className: 'nifti-destination-title', text: answer.list.title + ':' })
        ]);
        answer.names.sort().forEach(function (name) {
          var box = el('input', { type: 'checkbox', value: name, 'data-role': 'none',
                                  'data-kind': answer.list.key });
          self.destinationBoxes.push(box);
          group.appendChild(el('label', { className: 'nifti-check' }, [box, ' ' + name]));
        });
        self.destinations.appendChild(group);
      });
      if (any) {
        self.destinations.appendChild(el('div', {
          className: 'nifti-muted',
          text: 'With none ticked, the server\u2019s default (option DefaultSendTo) applies, if it has one.'
        }));
      } else {
        self.destinations.appendChild(el('span', {
          className: 'nifti-muted', text: 'No DICOM modality or Orthanc peer is configured.'
        }));
      }
    });
  };

  ImportPanel.prototype.getSendTo = function () {
    var sendTo = { Modalities: [], Peers: [] };
    var any = false;
    (this.destinationBoxes || []).forEach(function (box) {
      if (box.checked) {
        sendTo[box.getAttribute('data-kind')].push(box.value);
        any = true;
      }
    });
    return any ? sendTo : null;
  };

  // ----------------------------------------------------------------- files

  ImportPanel.prototype.pickFiles = function (picked) {
    var self = this;
    var sorted = { nifti: [], sidecar: [], bval: [], bvec: [], labels: [], other: [] };
    picked.forEach(function (file) {
      sorted[fileKind(file.name)].push(file);
    });
    // A file of another extension is taken as the volume only if there is no .nii
    var candidates = sorted.nifti.length > 0 ? sorted.nifti : sorted.other;
    var ignored = sorted.nifti.length > 0 ? sorted.other : [];

    this.discardUploads();
    this.partStates = {};
    this.resetResult();
    clear(this.summaryBody);

    if (candidates.length !== 1 || sorted.sidecar.length > 1) {
      this.files = null;
      this.renderFiles();
      this.setState('empty');
      if (candidates.length === 0) {
        this.showMessage('Pick a NIfTI file (.nii or .nii.gz): a sidecar, bval or bvec file alone cannot be imported');
      } else if (candidates.length > 1) {
        this.showMessage('Pick one NIfTI file at a time (got ' +
                         candidates.map(function (f) { return f.name; }).join(', ') + ')');
      } else {
        this.showMessage('Pick at most one .json sidecar (got ' +
                         sorted.sidecar.map(function (f) { return f.name; }).join(', ') + ')');
      }
      return;
    }

    // The diffusion tables go together: one .bval and one .bvec, or none
    var pair = (sorted.bval.length === 1 && sorted.bvec.length === 1);
    var unpaired = pair ? [] : sorted.bval.concat(sorted.bvec);
    var diffusionNote = null;
    if (unpaired.length > 0) {
      if (sorted.bval.length > 1 || sorted.bvec.length > 1) {
        diffusionNote = 'Pick at most one .bval and one .bvec file: the diffusion tables are not sent.';
      } else {
        var alone = unpaired[0].name;
        diffusionNote = 'Only ' + alone + ' was picked: the diffusion tables need the .bval and the .bvec ' +
                        'together, so it is not sent. To import them, pick all the files again with its ' +
                        (sorted.bval.length === 1 ? '.bvec' : '.bval') + ' file.';
      }
    }

    this.files = {
      nifti: candidates[0],
      sidecar: sorted.sidecar.length === 1 ? sorted.sidecar[0] : null,
      bval: pair ? sorted.bval[0] : null,
      bvec: pair ? sorted.bvec[0] : null,
      unpaired: unpaired,
      diffusionNote: diffusionNote,
      ignored: ignored
    };
    if (sorted.labels.length === 1) {
      this.setLabelFile(sorted.labels[0]);
      if (this.typeSelect.value === '') {
        this.typeSelect.value = 'Segmentation';   // a label table comes with a label map
      }
    } else if (sorted.labels.length > 1) {
      diffusionNote = (diffusionNote ? diffusionNote + '\n' : '') + 'Pick at most one label table: ' +
        sorted.labels.map(function (f) { return f.name; }).join(', ') + ' were not used.';
      this.files.diffusionNote = diffusionNote;
    }
    this.descriptionInput.value = descriptionFromFilename(this.files.nifti.name);
    this.applyHeader(null);
    this.renderFiles();
    this.showNotes();
    this.upload().then(null, function (error) {
      self.showError(error);
    });
  };

  ImportPanel.prototype.renderFiles = function () {
    clear(this.fileList);
    if (!this.files) {
      return;
    }
    var self = this;
    var add = function (file, role, note) {
      self.fileList.appendChild(el('li', { className: 'nifti-file' }, [
        el('span', { className: 'nifti-file-name', text: file.name }),
        el('span', { className: 'nifti-file-size', text: formatBytes(file.size) }),
        el('span', { className: 'nifti-file-role', text: role }),
        note ? el('span', { className: 'nifti-file-note', text: note }) : null
      ]));
    };
    add(this.files.nifti, 'volume');
    if (this.files.sidecar) {
      add(this.files.sidecar, 'BIDS sidecar', 'travels with the import and its job');
    }
    if (this.files.bval) {
      add(this.files.bval, 'b-values', 'travels with the import: DiffusionBValue of each volume');
    }
    if (this.files.bvec) {
      add(this.files.bvec, 'b-vectors', 'travels with the import: DiffusionGradientOrientation of each volume');
    }
    this.files.unpaired.forEach(function (file) {
      add(file, 'diffusion', 'not sent: a .bval and a .bvec go together');
    });
    if (this.labelFile && this.labelsSelect.value === 'file') {
      add(this.labelFile, 'label table', 'names, colours and codes of the segments (see below)');
    }
    this.files.ignored.forEach(function (file) {
      add(file, 'ignored', 'not a NIfTI, JSON, bval, bvec or label table file');
    });
  };

  // Uploads the volume, then the sidecar, with progress over both. resuming: after an interruption, the files
  // already uploaded are kept and the upload in parts continues its session.
  ImportPanel.prototype.upload = function (resuming) {
    var self = this;
    var generation = ++this.generation;
    var queue = [{ kind: 'nifti', file: this.files.nifti }];
    if (this.files.sidecar) {
      queue.push({ kind: 'sidecar', file: this.files.sidecar });
    }
    if (this.files.bval && this.files.bvec) {
      queue.push({ kind: 'bval', file: this.files.bval });
      queue.push({ kind: 'bvec', file: this.files.bvec });
    }
    var total = queue.reduce(function (sum, item) { return sum + item.file.size; }, 0) || 1;
    var done = 0;
    var interrupted = null;   // the item whose upload in parts stopped, kept for a "Resume"

    this.setState('uploading');
    if (!resuming) {
      this.setProgress(0, 'Uploading ' + this.files.nifti.name + '\u2026');
    }

    var next = function (index) {
      if (index >= queue.length) {
        return Promise.resolve();
      }
      var item = queue[index];
      if (resuming && self.uploads[item.kind]) {
        done += item.file.size;
        return next(index + 1);
      }
      var progress = function (loaded) {
        if (generation === self.generation) {
          var sent = done + Math.min(loaded, item.file.size);
          self.setProgress(100 * sent / total, 'Uploading ' + item.file.name + ': ' + formatBytes(sent) +
                           ' of ' + formatBytes(total));
        }
      };
      var sending;
      if (item.file.size > PART_THRESHOLD) {
        var state = self.partStates[item.kind] || (self.partStates[item.kind] = new PartsState());
        interrupted = { item: item, state: state };
        sending = uploadInParts(self.root, item.file, {
          state: state,
          onStart: function (xhr) { self.xhr = xhr; },
          onProgress: progress,
          isCancelled: function () { return generation !== self.generation; },
          onSession: function (id) { self.session = id; },
          onRetry: function (error, delay) {
            if (generation === self.generation) {
              self.setProgress(100 * done / total, 'Connection lost (' + error.message + '): trying again in ' +
                               Math.round(delay / 1000 * 10) / 10 + ' s\u2026');
            }
          },
          onResume: function (received, size) {
            if (generation === self.generation && received > 0) {
              var text = 'Resuming ' + item.file.name + ' at ' + formatBytes(received) + ' of ' + formatBytes(size);
              self.setProgress(100 * (done + received) / total, text + '\u2026');
              self.showMessage(text + ': the first ' + formatBytes(received) + ' are already on the server.',
                               'info');
            }
          },
          onRestart: function () {
            if (generation === self.generation) {
              self.showMessage('The earlier upload of ' + item.file.name + ' is no longer on the server (it ' +
                               'expired or was removed): sending the file from the start.', 'info');
            }
          },
          onFound: function () {
            if (generation === self.generation) {
              self.showMessage(item.file.name + ' is already on the server (an earlier page finished sending it ' +
                               'but never got the answer): not sent again.', 'info');
            }
          },
          onHashing: function (hashed, upTo) {
            if (generation === self.generation) {
              self.setProgress(100 * (done + hashed) / total, 'Checking the ' + formatBytes(upTo) + ' of ' +
                               item.file.name + ' already sent (SHA-256): ' + Math.floor(100 * hashed / upTo) +
                               '%\u2026');
            }
          }
        });
      } else {
        interrupted = null;
        sending = request('POST', self.root + 'nifti/uploads', item.file, {
          headers: { 'X-Filename': headerSafeFilename(item.file.name), 'Content-Type': 'application/octet-stream' },
          onStart: function (xhr) { self.xhr = xhr; },
          onUploadProgress: progress
        });
      }
      return sending.then(function (answer) {
        self.session = null;
        self.xhr = null;
        interrupted = null;
        delete self.partStates[item.kind];
        if (generation !== self.generation) {
          // Cancelled meanwhile: this upload is not wanted
          if (answer && answer.ID) {
            request('DELETE', self.root + 'nifti/uploads/' + encodeURIComponent(answer.ID)).then(null, function () {});
          }
          throw new RestError('Cancelled', 0, '', true);
        }
        self.uploads[item.kind] = answer;
        done += item.file.size;
        return next(index + 1);
      });
    };

    return next(0).then(function () {
      self.setProgress(100, 'Uploaded');
      self.renderSummary();
      self.setState('ready');
    }, function (error) {
      self.xhr = null;
      self.session = null;
      if (generation !== self.generation) {
        return;   // superseded by a cancel or another pick
      }
      if (interrupted && interrupted.state.session && isTransient(error)) {
        // The retries are spent: keep what arrived, for a "Resume" now or the same file picked again later
        self.setState('interrupted');
        var received = interrupted.state.session.Received || 0;
        var size = interrupted.item.file.size;
        self.setProgress(100 * (done + received) / total, 'Interrupted at ' + formatBytes(received) + ' of ' +
                         formatBytes(size));
        self.showMessage('The upload of ' + interrupted.item.file.name + ' stopped: Orthanc did not answer after ' +
                         retryPolicy.attempts + ' attempts. ' + (received > 0 ? 'The ' + formatBytes(received) +
                         ' received are kept on the server. ' : '') + 'Press \u201cResume\u201d to continue ' +
                         'where it stopped (or pick the same file again, even after reloading the page).',
                         'error', error.message);
        return;
      }
      if (interrupted && !error.aborted) {
        // Refused (not a network failure): the parts received are of no use without the rest. (Aborted: by a
        // "Cancel", which deletes them, or by the page going away, which keeps them to resume later.)
        discardSession(self.root, interrupted.state);
        delete self.partStates[interrupted.item.kind];
      }
      self.discardUploads();
      self.setState('empty');
      if (!error.aborted) {
        throw error;
      }
    });
  };

  // Continues an upload that stopped after its retries (the "Resume" button)
  ImportPanel.prototype.resume = function () {
    var self = this;
    if (this.state !== 'interrupted' || !this.files) {
      return;
    }
    this.showMessage('');
    this.upload(true).then(null, function (error) {
      self.showError(error);
    });
  };

  ImportPanel.prototype.renderSummary = function () {
    var body = this.summaryBody;
    clear(body);
    this.instancesCell = null;
    var row = function (label, value, className) {
      body.appendChild(el('tr', className ? { className: className } : {}, [
        el('th', { scope: 'row', text: label }),
        el('td', { text: value })
      ]));
    };
    var nifti = this.uploads.nifti;
    row('File', nifti.Filename ? nifti.Filename + ' (' + formatBytes(nifti.Size) + ')' : formatBytes(nifti.Size));
    if (nifti.Type === 'NIfTI' && nifti.Header) {
      var header = nifti.Header;
      var dims = header.Dimensions || [];
      var dimText = dims.join(' \u00d7 ');
      if (dims.length >= 4) {
        dimText += '  (' + dims[3] + ' volumes)';
      }
      row('Dimensions', dimText, 'nifti-row-dimensions');
      if (header.VoxelSize) {
        row('Voxel size', header.VoxelSize.map(formatNumber).join(' \u00d7 ') + ' mm', 'nifti-row-voxel');
      }
      row('Data type', header.DataType || '?', 'nifti-row-datatype');
      var orientation = header.Orientation || '?';
      if (header.Transform) {
        orientation += ' (from the ' + header.Transform + ')';
      }
      row('Orientation', orientation, 'nifti-row-orientation');
      if (dims.length >= 4 && typeof header.RepetitionTime === 'number' && header.RepetitionTime > 0) {
        row('Repetition time', formatNumber(header.RepetitionTime) + ' s');
      }
      if (header.Description) {
        row('Description in the file', header.Description);
      }
      if (dims.length >= 3) {
        row('DICOM instances', '', 'nifti-row-instances');
        this.instancesCell = body.lastChild.lastChild;   // filled in by updateTypeFields: it depends on the type
      }
      this.applyHeader(header);
    } else {
      row('Type', nifti.Type || '?');
      this.applyHeader(null);
    }
    var sidecar = this.uploads.sidecar;
    if (sidecar) {
      row('Sidecar', (sidecar.Filename || '') + (sidecar.Type === 'JSON' ? ' (JSON)' :
                                                  ' (type ' + sidecar.Type + ': not sent, a JSON object is expected)'));
    }
    if (this.uploads.bval && this.uploads.bvec) {
      row('Diffusion tables', (this.uploads.bval.Filename || '.bval') + ' and ' +
          (this.uploads.bvec.Filename || '.bvec') + ' (classic MR images)', 'nifti-row-diffusion');
    }
    this.showNotes();
  };

  // The warnings about the picked files: not a NIfTI, a lone .bval or .bvec
  ImportPanel.prototype.showNotes = function () {
    var notes = [];
    var nifti = this.uploads.nifti;
    if (nifti && nifti.Type !== 'NIfTI') {
      notes.push('Orthanc does not recognise ' + (nifti.Filename || 'this file') + ' as a NIfTI file (type ' +
                 (nifti.Type || '?') + '); an import will most likely be refused.');
    }
    if (this.files && this.files.diffusionNote) {
      notes.push(this.files.diffusionNote);
    }
    this.showMessage(notes.join('\n'), 'warning');
  };

  // Removes what this panel uploaded and did not import (best effort)
  ImportPanel.prototype.discardUploads = function () {
    var self = this;
    Object.keys(this.uploads).forEach(function (kind) {
      var upload = self.uploads[kind];
      if (upload && upload.ID) {
        request('DELETE', self.root + 'nifti/uploads/' + encodeURIComponent(upload.ID)).then(null, function () {
          // In use by a job, or gone: it expires on the server anyway
        });
      }
    });
    this.uploads = {};
  };

  ImportPanel.prototype.resetResult = function () {
    clear(this.result);
    show(this.result, false);
    this.showMessage('');
  };

  // ---------------------------------------------------------------- import

  ImportPanel.prototype.buildRequest = function () {
    var body = {
      Upload: this.uploads.nifti.ID,
      ParentStudy: this.studyId,
      Asynchronous: true
    };
    var description = this.descriptionInput.value.trim();
    if (description !== '') {
      body.SeriesDescription = description;
    }
    if (this.modalitySelect.value !== '') {
      body.Modality = this.modalitySelect.value;
    }
    if (this.uploads.sidecar && this.uploads.sidecar.Type === 'JSON') {
      body.Sidecar = this.uploads.sidecar.ID;
    }
    var type = this.typeSelect.value;
    if (type !== '') {
      body.Type = type;
    }
    if (type === 'ParametricMap') {
      var units = this.unitsInput.value.trim();
      if (units !== '') {
        body.Units = units;
      }
      if (this.quantitySelect.value !== '') {
        body.Quantity = this.quantitySelect.value;
      }
      if (!this.doubleField.hidden && this.doubleBox.checked) {
        body.DoublePrecision = true;
      }
    }
    if (this.usesLabels() && this.labelTable) {
      body.Labels = this.labelsSelect.value === 'FreeSurfer' ? 'FreeSurfer' : this.labelText;
    }
    if (type === 'Segmentation' && this.segmentationTypeSelect.value !== '') {
      body.SegmentationType = this.segmentationTypeSelect.value;
    }
    if (this.referenceSelect.value !== '') {
      body.ReferenceSeries = this.referenceSelect.value;
    }
    if (this.uploads.bval && this.uploads.bvec) {
      body.Bval = this.uploads.bval.ID;
      body.Bvec = this.uploads.bvec.ID;
    }
    var sendTo = this.getSendTo();
    if (sendTo) {
      body.SendTo = sendTo;
    }
    return body;
  };

  ImportPanel.prototype.startImport = function () {
    var self = this;
    if (this.state !== 'ready' || !this.studyId || !this.uploads.nifti) {
      return;
    }
    var generation = this.generation;
    this.resetResult();
    this.cancelRequested = false;
    this.setState('importing');
    this.setProgress(0, 'Starting the import\u2026');

    request('POST', this.root + 'nifti/import', this.buildRequest()).then(function (answer) {
      if (generation !== self.generation) {
        return;
      }
      self.jobId = answer.ID;
      if (self.cancelRequested) {
        self.sendCancel();
      }
      self.poll(generation);
    }, function (error) {
      if (generation !== self.generation) {
        return;
      }
      // Refused at once (checked before the job is created): the files stay, fix and retry
      self.setState('ready');
      self.showError(error);
    });
  };

  ImportPanel.prototype.poll = function (generation) {
    var self = this;
    this.pollTimer = null;
    getJson(this.root, 'jobs/' + encodeURIComponent(this.jobId)).then(function (job) {
      if (generation !== self.generation) {
        return;
      }
      var content = job.Content || {};
      if (job.State === 'Success') {
        self.succeeded(content);
        return;
      }
      if (job.State === 'Failure') {
        self.failed(job, content);
        return;
      }
      var text;
      if (self.cancelRequested) {
        text = 'Cancelling\u2026';
      } else if (job.State === 'Pending') {
        text = 'Waiting for Orthanc\u2019s job engine\u2026';
      } else if (job.State === 'Paused') {
        text = 'Paused in Orthanc\u2019s list of jobs';
      } else if (job.State === 'Retry') {
        text = 'Orthanc will retry the import';
      } else if (typeof content.InstancesCount === 'number' && content.InstancesCount > 0) {
        text = 'Converting: ' + (content.InstancesStored || 0) + ' of ' + content.InstancesCount +
               ' instances stored';
      } else {
        text = 'Reading the NIfTI file\u2026';
      }
      self.setProgress(job.Progress || 0, text);
      self.pollTimer = setTimeout(function () { self.poll(generation); }, POLL_INTERVAL_MS);
    }, function (error) {
      if (generation !== self.generation) {
        return;
      }
      // A passing failure (network): try again, but say so
      self.setProgress(0, 'Cannot read the job\u2019s state: ' + error.message + '; trying again');
      self.pollTimer = setTimeout(function () { self.poll(generation); }, POLL_INTERVAL_MS * 5);
    });
  };

  ImportPanel.prototype.succeeded = function (content) {
    var self = this;
    this.setProgress(100, 'Done');
    this.setState('done');
    clear(this.result);
    var count = content.InstancesCount;
    this.result.appendChild(el('div', { className: 'nifti-success' }, [
      el('span', { text: 'Imported: ' + (typeof count === 'number' ? count + ' instances in ' : '') +
                         'a new series of the study. ' }),
      el('a', { className: 'nifti-series-link', href: this.seriesUrl(content.ID), text: 'Open the new series' })
    ]));
    if (Array.isArray(content.Warnings) && content.Warnings.length > 0) {
      var warnings = el('ul', { className: 'nifti-warnings' });
      content.Warnings.forEach(function (warning) {
        warnings.appendChild(el('li', { text: typeof warning === 'string' ? warning : JSON.stringify(warning) }));
      });
      this.result.appendChild(el('div', { className: 'nifti-result-warnings' }, [
        el('div', { className: 'nifti-result-warnings-title',
                    text: content.Warnings.length === 1 ? 'Please note:' :
                      'Please note (' + content.Warnings.length + ' warnings):' }),
        warnings
      ]));
    }
    if (Array.isArray(content.SendTo) && content.SendTo.length > 0) {
      var sent = el('ul', { className: 'nifti-sendto' });
      content.SendTo.forEach(function (outcome) {
        sent.appendChild(el('li', {
          className: outcome.Success ? 'nifti-ok' : 'nifti-failed',
          text: (outcome.Type === 'Peer' ? 'Peer ' : 'Modality ') + outcome.Name + ': ' +
                (outcome.Success ? 'sent' : 'not sent: ' + (outcome.Error || 'failed'))
        }));
      });
      this.result.appendChild(el('div', { className: 'nifti-routing' }, [el('div', { text: 'Sending:' }), sent]));
    }
    show(this.result, true);
    this.jobId = null;
    // The import owns the uploads now: they expire on the server
    this.uploads = {};
    this.files = null;
    // The study has one series more
    this.loadReferenceSeries();
    self.onSuccess(content.ID, content);
  };

  ImportPanel.prototype.failed = function (job, content) {
    this.jobId = null;
    if (this.cancelRequested || job.ErrorCode === 37) {   // 37: ErrorCode_CanceledJob
      this.afterCancel('Import cancelled: nothing was stored.');
      return;
    }
    this.setState('ready');
    this.showMessage(content.Error || job.ErrorDetails || job.ErrorDescription || 'The import failed', 'error',
                     content.Error ? '' : 'See the job ' + job.ID + ' in Orthanc\u2019s list of jobs');
  };

  ImportPanel.prototype.sendCancel = function () {
    var self = this;
    request('POST', this.root + 'jobs/' + encodeURIComponent(this.jobId) + '/cancel', {}).then(null, function (error) {
      self.showError(error);
    });
  };

  ImportPanel.prototype.afterCancel = function (text) {
    this.generation++;
    if (this.pollTimer) {
      clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
    this.discardUploads();
    this.files = null;
    this.renderFiles();
    clear(this.summaryBody);
    this.applyHeader(null);
    this.setState('empty');
    this.showMessage(text, 'info');
  };

  // Cancels whatever is under way: the upload, the job, or discards the uploaded files
  ImportPanel.prototype.cancel = function () {
    var self = this;
    if (this.state === 'uploading' || this.state === 'interrupted') {
      // The parts sent are deleted: by the upload under way as it stops, or here if it has stopped
      Object.keys(this.partStates).forEach(function (kind) {
        var state = self.partStates[kind];
        state.cancelled = true;
        if (self.state === 'interrupted') {
          discardSession(self.root, state);
        }
      });
      this.partStates = {};
      this.generation++;
      if (this.xhr) {
        this.xhr.abort();
        this.xhr = null;
      }
      this.afterCancel('Upload cancelled.');
    } else if (this.state === 'importing') {
      this.cancelRequested = true;
      this.setState('cancelling');
      this.setProgress(parseFloat(this.progressFill.style.width) || 0, 'Cancelling\u2026');
      if (this.jobId) {
        this.sendCancel();
      }
      // else: sent as soon as the job exists; the poll sees the end
    } else if (this.state === 'ready') {
      this.afterCancel('Discarded: the uploaded files were removed from Orthanc.');
    }
  };

  // Forgets everything (a dialog being closed); cancels the job under way
  ImportPanel.prototype.dispose = function () {
    if (this.state === 'importing' && this.jobId) {
      this.sendCancel();
    }
    if (this.xhr) {
      this.xhr.abort();
      this.xhr = null;
    }
    this.generation++;
    if (this.pollTimer) {
      clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
    if (this.state !== 'done') {
      this.discardUploads();
    }
  };

  global.NiftiToDicomImport = {
    createPanel: function (options) {
      return new ImportPanel(options || {});
    },
    request: request,
    getJson: getJson,
    uploadInParts: uploadInParts,
    PartsState: PartsState,
    retryPolicy: retryPolicy,
    resumePrefix: RESUME_PREFIX,
    sha256Hex: sha256Hex,
    Sha256: Sha256,
    el: el,
    clear: clear,
    formatDicomDate: function (value) {
      if (typeof value === 'string' && /^\d{8}$/.test(value)) {
        return value.substring(0, 4) + '-' + value.substring(4, 6) + '-' + value.substring(6, 8);
      }
      return value || '';
    },
    formatPersonName: function (value) {
      return (value || '').replace(/\^+/g, ' ').trim();
    }
  };
})(window);
