-- Sends every series made by a successful NIfTI import to a DICOM modality
-- (declared in "DicomModalities" of the configuration).

ROUTE_TO_MODALITY = ROUTE_TO_MODALITY or 'PACS'

function OnJobSuccess(jobId)
  local job = ParseJson(RestApiGet('/jobs/' .. jobId))
  if job['Type'] ~= 'NiftiToDicomImport' then
    return
  end

  local series = job['Content']['ID']
  print('NIfTI import job ' .. jobId .. ' made series ' .. series .. ', sending it to ' .. ROUTE_TO_MODALITY)

  -- Asynchronous: the C-STORE runs as its own job, not inside this callback
  RestApiPost('/modalities/' .. ROUTE_TO_MODALITY .. '/store', DumpJson({
    Resources = { series },
    Asynchronous = true
  }, true))
end

function OnJobFailure(jobId)
  local job = ParseJson(RestApiGet('/jobs/' .. jobId))
  if job['Type'] == 'NiftiToDicomImport' then
    print('NIfTI import job ' .. jobId .. ' failed: ' .. tostring(job['Content']['Error']))
  end
end
