-- Instances stored by this plugin (and any other plugin) reach
-- OnStoredInstance with origin['RequestOrigin'] == 'Plugins'; those from a
-- scanner arrive with 'DicomProtocol', uploads with 'RestApi'.
--
-- This sample forwards only what scanners send to the modality PACS, and
-- leaves derived NIfTI imports to the job-based rule (RouteOnJobSuccess.lua),
-- which sends a series once it is complete rather than instance by instance.

FORWARD_SCANNER_IMAGES_TO = FORWARD_SCANNER_IMAGES_TO or 'PACS'

function OnStoredInstance(instanceId, tags, metadata, origin)
  if origin['RequestOrigin'] == 'Plugins' then
    print('Instance ' .. instanceId .. ' of series ' .. tostring(tags['SeriesDescription']) ..
          ' was stored by a plugin (NIfTI import): not forwarded here')
    return
  end

  if origin['RequestOrigin'] == 'DicomProtocol' then
    RestApiPost('/modalities/' .. FORWARD_SCANNER_IMAGES_TO .. '/store', instanceId)
  end
end
