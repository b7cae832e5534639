-- Starts a NIfTI import when a study is complete and the pipeline has left
-- its result in an agreed folder, named after the StudyInstanceUID:
--   <PIPELINE_FOLDER>/<StudyInstanceUID>.nii.gz
-- The folder must be listed in "NiftiToDicom": { "AllowedDirectories": [...] }.
--
-- The import runs as a job ("Asynchronous": true): Lua callbacks run one at a
-- time, so a synchronous import would block every other Lua event meanwhile.
--
-- Each file is imported once: the new series makes the study change, and
-- OnStableStudy fires again. A marker file "<file>.imported" remembers it
-- (across restarts too); delete the marker to import the file again.

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
  local marker = path .. '.imported'
  if not FileExists(path) or FileExists(marker) then
    return
  end

  local answer = ParseJson(RestApiPost('/nifti/import', DumpJson({
    Path = path,
    ParentStudy = studyId,
    SeriesDescription = 'Pipeline result',
    Asynchronous = true
  }, true)))

  local f = io.open(marker, 'w')
  if f ~= nil then
    f:write(answer['ID'] .. '\n')
    f:close()
  else
    print('Cannot write ' .. marker .. ': ' .. path .. ' may be imported again')
  end

  print('NIfTI import of ' .. path .. ' into study ' .. studyId .. ' started as job ' .. answer['ID'])
end
