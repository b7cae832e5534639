/**
 * NIfTI-to-DICOM plugin: the page /nifti/app/ (served by the plugin).
 *
 * 1. Find the parent study with Orthanc's /tools/find (patient name or ID,
 *    accession number, study dates) and pick it; /nifti/app/?study=<Orthanc
 *    ID> opens the page with that study already picked (links from other UIs,
 *    for instance a custom button of Orthanc Explorer 2).
 * 2. Drop the NIfTI file (and its sidecar) on the import panel, set the
 *    options, import; the result links to the series in Orthanc Explorer.
 */
(function () {
  'use strict';

  var Import = window.NiftiToDicomImport;
  var el = Import.el;
  var ROOT = '../../';     // this page is /nifti/app/index.html
  var LIMIT = 100;

  var searchForm = document.getElementById('nifti-search');
  var searchStatus = document.getElementById('nifti-search-status');
  var studiesBox = document.getElementById('nifti-studies');
  var rows = document.getElementById('nifti-study-rows');
  var chosen = document.getElementById('nifti-chosen');
  var selectedId = null;

  function explorerUrl(level, id) {
    return ROOT + 'app/explorer.html#' + level + '?uuid=' + encodeURIComponent(id);
  }

  var panel = Import.createPanel({
    root: ROOT,
    seriesUrl: function (id) { return explorerUrl('series', id); },
    onSuccess: function () {
      if (selectedId) {
        // The study has one series more
        Import.getJson(ROOT, 'studies/' + encodeURIComponent(selectedId)).then(showChosen, function () {});
        search();
      }
    }
  });
  document.getElementById('nifti-panel').appendChild(panel.element);

  // -------------------------------------------------------------- choosing

  function showChosen(study) {
    var tags = study.MainDicomTags || {};
    var patient = study.PatientMainDicomTags || {};
    Import.clear(chosen);
    chosen.appendChild(el('strong', { className: 'nifti-chosen-title', text:
      'Into the study: ' + (tags.StudyDescription || '(no description)') +
      (tags.StudyDate ? ' \u2014 ' + Import.formatDicomDate(tags.StudyDate) : '') }));
    chosen.appendChild(el('span', { text:
      Import.formatPersonName(patient.PatientName) + (patient.PatientID ? ' (ID ' + patient.PatientID + ')' : '') +
      (tags.AccessionNumber ? ', accession ' + tags.AccessionNumber : '') +
      (Array.isArray(study.Series) ? ', ' + study.Series.length + ' series' : '') + ' \u2014 ' }));
    chosen.appendChild(el('a', { href: explorerUrl('study', study.ID), text: 'open in Orthanc Explorer' }));
  }

  function choose(study) {
    selectedId = study.ID;
    Array.prototype.forEach.call(rows.querySelectorAll('tr'), function (row) {
      var selected = row.getAttribute('data-study') === study.ID;
      row.classList.toggle('nifti-selected', selected);
      row.setAttribute('aria-selected', selected ? 'true' : 'false');
    });
    showChosen(study);
    panel.setStudy(study.ID);
  }

  // -------------------------------------------------------------- searching

  function dicomDate(value) {
    return (value || '').replace(/-/g, '');
  }

  function buildQuery() {
    var data = new FormData(searchForm);
    var query = {};
    ['PatientName', 'PatientID', 'AccessionNumber'].forEach(function (key) {
      var value = String(data.get(key) || '').trim();
      if (value !== '') {
        query[key] = '*' + value + '*';
      }
    });
    var from = dicomDate(data.get('DateFrom'));
    var to = dicomDate(data.get('DateTo'));
    if (from !== '' || to !== '') {
      query.StudyDate = (from === to) ? from : from + '-' + to;
    }
    return query;
  }

  function renderStudies(studies, more) {
    Import.clear(rows);
    studies.forEach(function (study) {
      var tags = study.MainDicomTags || {};
      var patient = study.PatientMainDicomTags || {};
      var row = el('tr', { 'data-study': study.ID, tabindex: '0', role: 'option',
                           onclick: function () { choose(study); },
                           onkeydown: function (e) {
                             if (e.key === 'Enter' || e.key === ' ') {
                               e.preventDefault();
                               choose(study);
                             }
                           } }, [
        el('td', { text: Import.formatPersonName(patient.PatientName) }),
        el('td', { text: patient.PatientID || '' }),
        el('td', { className: 'nifti-nowrap', text: Import.formatDicomDate(tags.StudyDate) }),
        el('td', { text: tags.StudyDescription || '' }),
        el('td', { text: tags.AccessionNumber || '' }),
        el('td', { text: Array.isArray(study.Series) ? String(study.Series.length) : '' })
      ]);
      if (study.ID === selectedId) {
        row.classList.add('nifti-selected');
      }
      rows.appendChild(row);
    });
    studiesBox.hidden = studies.length === 0;
    if (studies.length === 0) {
      searchStatus.textContent = 'No study matches.';
    } else {
      searchStatus.textContent = studies.length + (studies.length === 1 ? ' study' : ' studies') +
        (more ? ' shown, there are more: refine the search.' : '.') + ' Click one to pick it.';
    }
  }

  function search() {
    searchStatus.textContent = 'Searching\u2026';
    var body = { Level: 'Study', Expand: true, Limit: LIMIT + 1, CaseSensitive: false, Query: buildQuery() };
    Import.request('POST', ROOT + 'tools/find', body).then(function (studies) {
      studies = Array.isArray(studies) ? studies : [];
      var more = studies.length > LIMIT;
      studies = studies.slice(0, LIMIT);
      studies.sort(function (a, b) {
        var da = (a.MainDicomTags || {}).StudyDate || '';
        var db = (b.MainDicomTags || {}).StudyDate || '';
        return da < db ? 1 : (da > db ? -1 : 0);
      });
      renderStudies(studies, more);
    }, function (error) {
      Import.clear(rows);
      studiesBox.hidden = true;
      searchStatus.textContent = 'The search failed: ' + error.message;
    });
  }

  searchForm.addEventListener('submit', function (e) {
    e.preventDefault();
    search();
  });
  searchForm.addEventListener('reset', function () {
    setTimeout(search, 0);
  });

  // ------------------------------------------------------------ start-up

  var wanted = /[?&]study=([^&#]+)/.exec(window.location.search);
  if (wanted) {
    Import.getJson(ROOT, 'studies/' + encodeURIComponent(decodeURIComponent(wanted[1]))).then(choose, function (error) {
      Import.clear(chosen);
      chosen.appendChild(el('span', { className: 'nifti-muted',
                                      text: 'The study of the link cannot be opened: ' + error.message }));
    });
  }
  search();
})();
