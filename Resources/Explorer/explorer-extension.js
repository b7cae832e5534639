/**
 * NIfTI-to-DICOM plugin: "Import NIfTI" in Orthanc Explorer (the legacy UI).
 *
 * Appended by the plugin to /plugins/explorer.js, after import-core.js. Adds
 * an "Import NIfTI" entry to the study page and to the patient page (which
 * asks for one of the patient's studies), opening a dialog with the import
 * panel. On success the Explorer goes to the new series, unless the import
 * has warnings: then the dialog stays open, with them and a link to the series.
 */
(function ($) {
  'use strict';

  if (!$ || !window.NiftiToDicomImport) {
    return;
  }

  var Import = window.NiftiToDicomImport;
  var el = Import.el;
  var ROOT = '../';                       // explorer.html is /app/explorer.html
  var GO_TO_SERIES_DELAY_MS = 1200;       // time to read "Imported" before the Explorer moves on

  // The panel's style sheet, served by the plugin
  $(function () {
    if (!document.getElementById('nifti-import-css')) {
      document.head.appendChild(el('link', {
        id: 'nifti-import-css', rel: 'stylesheet', href: ROOT + 'nifti/app/import.css'
      }));
    }
  });

  // ------------------------------------------------------------ the dialog

  var current = null;   // the open dialog

  function describeStudy(study) {
    var tags = study.MainDicomTags || {};
    var parts = [];
    if (tags.StudyDate) {
      parts.push(Import.formatDicomDate(tags.StudyDate));
    }
    parts.push(tags.StudyDescription || '(no description)');
    if (tags.AccessionNumber) {
      parts.push('accession ' + tags.AccessionNumber);
    }
    if (Array.isArray(study.Series)) {
      parts.push(study.Series.length + ' series');
    }
    return parts.join(' \u2014 ');
  }

  function closeDialog() {
    if (!current) {
      return;
    }
    if (current.panel.isBusy()) {
      return;   // cancel first: the Cancel button is right there
    }
    current.panel.dispose();
    $(current.overlay).remove();
    $(document).off('keydown.niftiImport');
    current = null;
  }

  function goToSeries(seriesId) {
    closeDialog();
    $.mobile.changePage('#series?uuid=' + seriesId);
  }

  // target: { study: id } or { patient: id }
  function openDialog(target) {
    if (current) {
      closeDialog();
      if (current) {
        return;
      }
    }

    var studyLine = el('div', { className: 'nifti-study' }, [
      el('span', { className: 'nifti-muted', text: 'Loading the study\u2026' })
    ]);
    var closeButton = el('button', {
      type: 'button', className: 'nifti-close', title: 'Close', 'aria-label': 'Close', 'data-role': 'none',
      onclick: function () { closeDialog(); }
    }, ['\u00d7']);

    var panel = Import.createPanel({
      root: ROOT,
      seriesUrl: function (id) { return '#series?uuid=' + encodeURIComponent(id); },
      onStateChange: function (state) {
        closeButton.disabled = (state === 'uploading' || state === 'importing' || state === 'cancelling');
      },
      onSuccess: function (seriesId, content) {
        // Warnings, or a destination that failed: the dialog stays, for them to be read
        var warned = Array.isArray(content.Warnings) && content.Warnings.length > 0;
        var unsent = Array.isArray(content.SendTo) && content.SendTo.some(function (outcome) {
          return !outcome.Success;
        });
        if (warned || unsent) {
          return;
        }
        setTimeout(function () {
          if (current && current.panel === panel) {
            goToSeries(seriesId);
          }
        }, GO_TO_SERIES_DELAY_MS);
      }
    });

    var dialog = el('div', {
      className: 'nifti-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'nifti-dialog-title'
    }, [
      el('div', { className: 'nifti-dialog-header' }, [
        el('h2', { id: 'nifti-dialog-title', text: 'Import NIfTI' }),
        closeButton
      ]),
      studyLine,
      panel.element
    ]);
    var overlay = el('div', { className: 'nifti-overlay', id: 'nifti-import-dialog' }, [dialog]);
    overlay.addEventListener('click', function (e) {
      if (e.target === overlay) {
        closeDialog();
      }
    });
    // Clicks on the link to the series: close the dialog on the way
    $(panel.element).on('click', 'a.nifti-series-link', function (e) {
      e.preventDefault();
      var match = /uuid=([^&]+)/.exec($(this).attr('href'));
      if (match) {
        goToSeries(decodeURIComponent(match[1]));
      }
    });

    document.body.appendChild(overlay);
    $(document).on('keydown.niftiImport', function (e) {
      if (e.key === 'Escape') {
        closeDialog();
      }
    });
    current = { overlay: overlay, panel: panel };

    if (target.study) {
      Import.getJson(ROOT, 'studies/' + encodeURIComponent(target.study)).then(function (study) {
        Import.clear(studyLine);
        var patient = (study.PatientMainDicomTags || {}).PatientName;
        studyLine.appendChild(el('span', { className: 'nifti-label', text: 'Into the study ' }));
        studyLine.appendChild(el('strong', { text: describeStudy(study) }));
        if (patient) {
          studyLine.appendChild(el('span', { text: ' of ' + Import.formatPersonName(patient) }));
        }
        panel.setStudy(study.ID);
      }, function (error) {
        Import.clear(studyLine);
        panel.showError(error);
      });
    } else {
      Import.getJson(ROOT, 'patients/' + encodeURIComponent(target.patient) + '/studies').then(function (studies) {
        Import.clear(studyLine);
        if (!Array.isArray(studies) || studies.length === 0) {
          panel.showMessage('This patient has no study: a NIfTI file is imported into an existing study');
          return;
        }
        studies.sort(function (a, b) {
          var da = (a.MainDicomTags || {}).StudyDate || '';
          var db = (b.MainDicomTags || {}).StudyDate || '';
          return da < db ? 1 : (da > db ? -1 : 0);
        });
        var select = el('select', { className: 'nifti-study-select', id: 'nifti-study-select', 'data-role': 'none',
                                    onchange: function () { panel.setStudy(select.value); } });
        studies.forEach(function (study) {
          select.appendChild(el('option', { value: study.ID, text: describeStudy(study) }));
        });
        studyLine.appendChild(el('label', { 'for': 'nifti-study-select', className: 'nifti-label',
                                            text: 'Into the study ' }));
        studyLine.appendChild(select);
        panel.setStudy(select.value);
      }, function (error) {
        Import.clear(studyLine);
        panel.showError(error);
      });
    }
  }

  // ------------------------------------------------- the Explorer's pages

  var ENTRIES = [
    { page: '#study', anchor: '#study-anonymize', id: 'nifti-import-study' },
    { page: '#patient', anchor: '#patient-anonymize', id: 'nifti-import-patient' }
  ];

  function addEntry(entry, refresh) {
    if (document.getElementById(entry.id)) {
      return;
    }
    var list = $(entry.anchor).closest('ul');
    if (list.length === 0) {
      return;
    }
    $('<li data-icon="plus"></li>')
      .append($('<a href="#"></a>').attr('id', entry.id).text('Import NIfTI'))
      .appendTo(list);
    if (refresh && list.data('listview')) {
      list.listview('refresh');
    }
  }

  ENTRIES.forEach(function (entry) {
    // Before jQuery Mobile enhances the page, so that the entry gets its look
    $(document).on('pagebeforecreate', entry.page, function () {
      addEntry(entry, false);
    });
    $(document).on('pagebeforeshow', entry.page, function () {
      addEntry(entry, true);
    });
  });

  $(document).on('click', '#nifti-import-study', function (e) {
    e.preventDefault();
    if ($.mobile.pageData && $.mobile.pageData.uuid) {
      openDialog({ study: $.mobile.pageData.uuid });
    }
  });

  $(document).on('click', '#nifti-import-patient', function (e) {
    e.preventDefault();
    if ($.mobile.pageData && $.mobile.pageData.uuid) {
      openDialog({ patient: $.mobile.pageData.uuid });
    }
  });
})(window.jQuery);
