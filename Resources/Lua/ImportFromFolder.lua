-- Starts a NIfTI import when a study is complete and the pipeline has left
-- its result in an agreed folder, named after the StudyInstanceUID:
--   <PIPELINE_FOLDER>/<StudyInstanceUID>.nii.gz
-- The folder must be listed in "NiftiToDicom": { "AllowedDirectories": [...] }.
--
-- The import runs as a job ("Asynchronous": true): Lua callbacks run one at a
-- time, so a synchronous import would block every other Lua event meanwhile.

PIPELINE_FOLDER = PIPELINE_FOLDER or '/srv/pipeline/results'

local function FileExists(path)
  local f = io.open(path, 'rb')
  if f == nil then
    return false
  end
  f:close()
  return true
end

function OnStableStudy(studyId, tags, metadata)
  local uid = tags['StudyInstanceUID']
  if uid == nil then
    return
  end

  local path = PIPELINE_FOLDER .. '/' .. uid .. '.nii.gz'
  if not FileExists(path) then
    return
  end

  local answer = ParseJson(RestApiPost('/nifti/import', DumpJson({
    Path = path,
    ParentStudy = studyId,
    SeriesDescription = 'Pipeline result',
    Asynchronous = true
  }, true)))

  print('NIfTI import of ' .. path .. ' into study ' .. studyId .. ' started as job ' .. answer['ID'])
end
